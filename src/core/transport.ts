/**
 * One interface for every way a message reaches or leaves the proxy, downstream (a client) or
 * upstream (a server). A transport moves whole JSON-RPC texts; it never parses or changes them.
 */
import type { HttpMeta, TransportKind } from './context.js';
import type { JsonRpcId, MessageSummary } from './jsonrpc.js';

/** What arrives with a message, besides its text. */
export interface ReceiveMeta {
  /** The HTTP request it came in (downstream HTTP transports). */
  http?: HttpMeta;
  /** The request this message belongs with, when the wire says so (the POST stream it came on). */
  relatedRequestId?: JsonRpcId;
  /**
   * `JSON.parse(text)`, when the transport had to parse the text anyway (it saves the pipeline a
   * second parse). The transport keeps no reference to it.
   */
  parsed?: unknown;
  /** It came in the same read of the peer's stream as the message before it (stdio). */
  sameRead?: boolean;
  /**
   * The message as it came off a byte stream, its newline included (stdio): what a stream
   * transport writes when the message is forwarded unchanged, so it leaves as the bytes it came as.
   */
  wire?: Buffer;
}

/** The meta of a message that came in the same read as the one before: one object, never changed. */
export const SAME_READ: ReceiveMeta = Object.freeze({ sameRead: true });

/** What the pipeline knows about a message it hands a transport, so none has to re-parse it. */
export interface SendMeta {
  summary: MessageSummary;
  /** For a notification or request that belongs with a pending request (progress, say). */
  relatedRequestId?: JsonRpcId;
  /** The client's HTTP request that carried it, when there was one (headers to pass on). */
  http?: HttpMeta;
  /**
   * It came in the same read as the message sent before it: a stream transport may send both in
   * one write. Without it, a message leaves in a write of its own, as the peer wrote it.
   */
  sameRead?: boolean;
  /** The bytes the message came as (ReceiveMeta.wire), when it goes on unchanged. */
  wire?: Buffer;
}

export interface CloseInfo {
  /** Human-readable: 'server exited with code 1', 'client closed stdin', ... */
  reason: string;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
  /** The peer never came up (a server command that could not be run). */
  startFailed?: boolean;
}

export interface Transport {
  readonly kind: TransportKind;
  /** The session id the peer gave this connection, when it gives one (Streamable HTTP). */
  readonly sessionId?: string;
  start(): Promise<void>;
  /** Sends one serialised JSON-RPC message. */
  send(text: string, meta?: SendMeta): void;
  close(): Promise<void>;
  onmessage?: (text: string, meta?: ReceiveMeta) => void;
  /** A message that could not be delivered (the upstream refused or was unreachable). */
  ondeliveryfailed?: (text: string, reason: string) => void;
  /**
   * A request that was delivered but whose answer will never come (its answer stream ended and
   * cannot be resumed, its connection dropped). Transports fall back to `ondeliveryfailed`.
   */
  onunanswered?: (text: string, reason: string) => void;
  /**
   * A message that could not be framed (too large). `byteLength` when known (a WebSocket frame
   * is refused from its header); `ends`: its first and last bytes, when known.
   */
  onoversized?: (byteLength: number | undefined, limit: number, ends?: { head: string; tail: string }) => void;
  /** Trouble that does not end the transport. */
  onerror?: (error: Error) => void;
  /** Called once, when the peer is gone. */
  onclose?: (info: CloseInfo) => void;
}
