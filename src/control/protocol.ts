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
import type { BreakpointState } from '../interceptors/breakpoints.js';

/**
 * 2: held messages have a place in wire order (`PausedView.seq`, `FrameView.heldSeq`), a `paused`
 * may be sent again for the same hold (its timer stopped, its client cancelled it), breakpoints can
 * be disabled, and `send` and `timer` are new.
 */
export const CONTROL_PROTOCOL_VERSION = 2;

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
  /** Where clients reach the proxy over HTTP (`http://127.0.0.1:8808`), when it serves HTTP (`--listen`). */
  listen?: string;
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
  /** For a message that was held at a breakpoint: the hold (its `paused` said where it arrived). */
  pauseId?: number;
  /** For a message that was held: its place in wire order, the `seq` its hold was given on arrival. */
  heldSeq?: number;
}

/**
 * A message held at a breakpoint (or by a rule's pause), waiting for a decision. A `paused` for a
 * pauseId already announced replaces the earlier view (its timer stopped or started again, its
 * client cancelled it).
 */
export interface PausedView extends MessageView {
  pauseId: number;
  /**
   * Its place in wire order: taken from the same counter as frames' `seq` when it arrived, so a
   * console can list it where it arrived; the frame that ends the hold carries it as `heldSeq`.
   */
  seq: number;
  /** The message as it stands now (after earlier interceptors). */
  text: string;
  reason?: string;
  pausedAt: number;
  /** When it continues by itself (Date.now() clock); while its timer is stopped, when it would if started now. */
  deadline: number;
  /** 'stopped' while a person edits it (the `timer` command): it waits for them, however long. */
  timer: 'running' | 'stopped';
  /** Its sender cancelled it (`notifications/cancelled`) while it was held. */
  cancelled?: { reason?: string; at: number };
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

/** A breakpoint on the wire is the interceptor's own plain state. */
export type BreakpointView = BreakpointState;

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
  /** A hold ended; `cancelled`: dropped because its sender cancelled it while it was held. */
  | { type: 'resumed'; pauseId: number; outcome: 'continue' | 'modify' | 'drop' | 'mock'; timedOut: boolean; cancelled?: boolean }
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
  | { ref: number; cmd: 'mock'; pauseId: number; text: string }
  /** Turn a breakpoint off (it stays listed, holding nothing) or on again. */
  | { ref: number; cmd: 'enable'; breakpointId: number; enabled: boolean }
  /**
   * Stop a hold's timer while a person works on it (`running: false`), or start it again with the
   * time it had left. A timer a client stopped starts again when that client goes away.
   */
  | { ref: number; cmd: 'timer'; pauseId: number; running: boolean }
  /**
   * Send a request to the server of a conversation as if its client had sent it (re-send a recorded
   * request, or one composed by a person): the proxy gives it a fresh id (the result's `id`) and
   * runs it through the chain and onto the tape marked `resent`; its answer is shown and recorded
   * but not delivered to the client, which never asked.
   */
  | { ref: number; cmd: 'send'; sessionId: string; text: string };

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
