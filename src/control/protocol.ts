/**
 * The control channel's wire format: JSON text frames over a WebSocket on loopback. A running proxy
 * serves it (src/control/server.ts); `mcp-tap attach` and the in-process UI speak it
 * (src/control/client.ts). Plain data only, so both ends and the tests share these types.
 *
 * Authentication: the client presents the token from the proxy's state file as
 * `Authorization: Bearer TOKEN` on the upgrade request. Requests with an `Origin` header (browsers)
 * are refused.
 */
import type { Direction, JsonRpcId, MessageKind } from '../core/jsonrpc.js';

export const CONTROL_PROTOCOL_VERSION = 1;

/** What a state file says about a running proxy (one JSON file per proxy, readable only by its owner). */
export interface ProxyStateFile {
  /** Short id used by `mcp-tap attach ID`. */
  id: string;
  pid: number;
  /** Where the control channel listens: ws://127.0.0.1:PORT/control */
  url: string;
  token: string;
  /** What the proxy is doing, for the picker: "record server-everything", "replay demo". */
  title: string;
  /** The tape being recorded or replayed, when there is one. */
  tape?: string;
  upstream?: string;
  /** The rules file the proxy was started with (absolute), where the UI saves mock rules. */
  rulesFile?: string;
  startedAt: number;
  cwd: string;
  protocolVersion: number;
}

/** What the UI shows of any message, seen (a frame) or held (a paused message). */
export interface MessageView {
  sessionId: string;
  direction: Direction;
  kind: MessageKind;
  method?: string;
  /** For an answer: the method of the request it answers. */
  requestMethod?: string;
  toolName?: string;
  id?: JsonRpcId;
}

/** One frame as the UI shows it: the pipeline's FrameEvent, flattened and numbered. */
export interface FrameView extends MessageView {
  /** Increasing per proxy, from 1. */
  seq: number;
  /** Date.now() when the pipeline finished with it. */
  time: number;
  latencyMs?: number;
  /** 'continue', 'modify', 'block', 'mock', 'pause>modify', 'synthesized', ... */
  action: string;
  flags: string[];
  note?: string;
  /** The message text as sent on. */
  text: string;
  /** The text as it arrived, when it was changed. */
  original?: string;
}

/** A message held at a breakpoint (or by a rule's pause), waiting for a decision. */
export interface PausedView extends MessageView {
  pauseId: number;
  /** The message as it stands now (after earlier interceptors). */
  text: string;
  reason?: string;
  pausedAt: number;
  deadline: number;
}

export interface SessionView {
  id: string;
  transport: string;
  clientName?: string;
  serverName?: string;
  protocolVersion?: string;
  createdAt: number;
  lastActiveAt: number;
}

export interface BreakpointView {
  id: number;
  expression: string;
}

/** Proxy to client. */
export type ServerMessage =
  | {
      type: 'hello';
      protocolVersion: number;
      proxy: Omit<ProxyStateFile, 'token'>;
      breakpoints: BreakpointView[];
      paused: PausedView[];
      sessions: SessionView[];
      /** The most recent frames (bounded), oldest first, so a late attach sees history. */
      frames: FrameView[];
    }
  | { type: 'frame'; frame: FrameView }
  | { type: 'paused'; paused: PausedView }
  | { type: 'resumed'; pauseId: number; outcome: 'continue' | 'modify' | 'drop' | 'mock'; timedOut: boolean }
  | { type: 'session'; event: 'opened' | 'closed'; session: SessionView }
  | { type: 'breakpoints'; breakpoints: BreakpointView[] }
  /**
   * This client read too slowly: `frames` frame messages were not sent to it (the proxy never
   * buffers without bound nor slows the traffic for a viewer). Sent before the next frame it gets.
   */
  | { type: 'skipped'; frames: number }
  /** The answer to a command, matched by `ref`. */
  | { type: 'result'; ref: number; ok: true; data?: unknown }
  | { type: 'result'; ref: number; ok: false; error: string };

/** Client to proxy. Every command carries `ref`, echoed in its result. */
export type ClientCommand =
  | { ref: number; cmd: 'list' }
  | { ref: number; cmd: 'break'; expression: string }
  | { ref: number; cmd: 'unbreak'; breakpointId: number | 'all' }
  | { ref: number; cmd: 'resume'; pauseId: number | 'all' }
  /** Resume with this message instead (JSON text; must be a JSON-RPC message). */
  | { ref: number; cmd: 'edit'; pauseId: number; text: string }
  | { ref: number; cmd: 'drop'; pauseId: number; reason?: string }
  /** Answer a paused request with this result (or whole JSON-RPC response), as JSON text. */
  | { ref: number; cmd: 'mock'; pauseId: number; text: string };

/** A command without its `ref` (the link numbers commands itself). */
export type ControlRequest = ClientCommand extends infer C ? (C extends { ref: number } ? Omit<C, 'ref'> : never) : never;

/**
 * One open connection to a proxy's control channel, as the UI uses it. The WebSocket client in
 * src/control/client.ts implements it; so can an in-process link for `--tui`.
 */
export interface ControlLink {
  /** Every message from the proxy, `hello` first. */
  onmessage?: (message: ServerMessage) => void;
  /** The connection ended (the proxy exited, or close() was called). */
  onclose?: (reason: string) => void;
  /** Sends a command; resolves with the result's data, rejects with an Error carrying the proxy's message. */
  request(command: ControlRequest): Promise<unknown>;
  close(): void;
}
