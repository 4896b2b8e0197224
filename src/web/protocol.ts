/**
 * What the browser console's page and its server say to each other over the page's WebSocket
 * (`/ws`): the control protocol of docs/control.md as it is, relayed between the page and the
 * proxy it watches, plus what only a console's server answers (the running proxies, which one to
 * watch, the tape store, the rules file). Plain data only: the page and the server share these types.
 */
import type { ProxyStateFile } from '../control/protocol.js';
import type { DiffLine, TapeDiff } from '../tape/diff.js';
import type { TapeDocument } from '../tape/export.js';
import type { TapeFrame, TapeSession } from '../tape/types.js';

export type ProxyInfo = Omit<ProxyStateFile, 'token'>;

/** Commands the console's server answers itself (a `result` for the ref, as for control commands). */
export type WebCommand =
  /** The proxies running now, for this user (as `mcp-tap proxies` lists them). */
  | { cmd: 'proxies' }
  /** Watch this proxy: its hello and then its messages come on this socket, and control commands go to it. */
  | { cmd: 'watch'; proxyId: string }
  | { cmd: 'tapes' }
  /** One tape: what it is, its sessions, its frames in order. */
  | { cmd: 'tape'; name: string }
  /** `mcp-tap tapes diff A B`: the differences, and the lines the command prints. */
  | { cmd: 'diff'; a: string; b: string; ignore?: string[] }
  /** `mcp-tap tapes export NAME`: the document. */
  | { cmd: 'export'; name: string }
  /** `mcp-tap tapes import`: a document (as export writes it), under its own name or `name`. */
  | { cmd: 'import'; document: unknown; name?: string }
  /** Append a mock rule `{ match, action: mock, result }` to the watched proxy's rules file. */
  | { cmd: 'save-rule'; match: string; result: unknown };

export const WEB_COMMANDS: ReadonlySet<string> = new Set(['proxies', 'watch', 'tapes', 'tape', 'diff', 'export', 'import', 'save-rule']);

/** Messages only the console's server sends; everything else on the socket is the watched proxy's. */
export type WebMessage =
  /** First on every socket: what this console serves. */
  | {
      type: 'console';
      /** `proxy`: served by a proxy for itself (`record --web`); `web`: `mcp-tap web`, for every proxy of this user. */
      mode: 'proxy' | 'web';
      proxies: ProxyInfo[];
      /** The tape store the tapes view reads. */
      store: string;
    }
  /** The running proxies changed (mode `web`). */
  | { type: 'proxies'; proxies: ProxyInfo[] }
  /** The watched proxy's control channel closed (the proxy ended), or another was watched. */
  | { type: 'unwatched'; proxyId: string; reason: string };

/** A tape as the tapes view lists it (`tapes list --json`). */
export interface TapeListing {
  name: string;
  createdAt: string;
  endedAt: string | null;
  upstream: { command?: string[]; url?: string } | null;
  transport: string;
  clientInfo: unknown;
  serverInfo: unknown;
  protocolVersion: string | null;
  labels: Record<string, string>;
  frameCount: number;
  sessionCount: number;
}

export interface TapeContents {
  tape: TapeListing;
  sessions: TapeSession[];
  frames: TapeFrame[];
}

export interface TapeDiffResult {
  diff: TapeDiff;
  lines: DiffLine[];
  differ: boolean;
}

export type { TapeDocument };
