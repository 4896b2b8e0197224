/**
 * What an interceptor sees of one message, and what the pipeline reports once it has decided.
 * Plain data: the pipeline builds these, interceptors read them (and may add flags).
 */
import type { Direction, JsonRpcId, MessageSummary } from './jsonrpc.js';

export type TransportKind = 'stdio' | 'streamable-http' | 'sse' | 'websocket' | 'replay' | 'memory';

/** A request that was forwarded and is still waiting for its answer. */
export interface PendingRequest {
  id: JsonRpcId;
  method: string;
  /** performance.now() when it was forwarded. */
  sentAt: number;
  /** The request's params, for interceptors that look at the request when the answer comes. */
  params?: unknown;
  /** For a tools/call: the tool called (so its answer is labelled without reading the params). */
  toolName?: string;
  /** Its `params._meta.progressToken`, when it carries one. */
  progressToken?: JsonRpcId;
}

export interface HttpMeta {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  remoteAddress?: string;
}

export interface InterceptContext {
  readonly sessionId: string;
  readonly transport: TransportKind;
  readonly direction: Direction;
  /** The text exactly as it arrived. */
  readonly raw: string;
  /** The parsed message, as changed by earlier interceptors; undefined when the text is not JSON. */
  message: unknown;
  summary: MessageSummary;
  readonly parseError?: string;
  /** performance.now() at arrival. */
  readonly receivedAt: number;
  /** For a response or error: the request it answers, if the proxy saw that request. */
  readonly request?: PendingRequest;
  readonly http?: HttpMeta;
  /** The request this message belongs with, when its transport knows (the stream it came on). */
  readonly relatedRequestId?: JsonRpcId;
  /** Notes for the tape and the UI ('unknown-response-id', 'non-jsonrpc-output', ...). */
  readonly flags: string[];
  /** Set by the chain when the message was held at a breakpoint (or by a rule's pause): which hold. */
  pauseId?: number;
}

/**
 * One message after the pipeline acted on it, or one the proxy made itself (`synthesized`),
 * as recorded on tapes and streamed to the UI.
 */
export interface FrameEvent {
  // The pipeline's frames read `message` from the message in flight when asked (a getter): a
  // message no observer reads as an object is never parsed. Copy what you need, not the object.
  sessionId: string;
  transport: TransportKind;
  direction: Direction;
  /** performance.now() when the pipeline finished with it. */
  at: number;
  /** The text as sent on; for a blocked or dropped message, as it arrived. */
  text: string;
  /** Parsed form of `text` (undefined when it is not JSON). */
  message: unknown;
  summary: MessageSummary;
  /** The text as it arrived, when an interceptor or a person changed it. */
  original?: string;
  /** What happened: 'continue', 'modify', 'block', 'mock', 'pause>modify', 'synthesized', ... */
  action: string;
  flags: string[];
  /** For a response: milliseconds since its request was forwarded. */
  latencyMs?: number;
  /** For a response: the method of the request it answers. */
  requestMethod?: string;
  /** For a tools/call or its answer: the tool called. */
  toolName?: string;
  note?: string;
  /** For a message that was held: the hold it came out of (the control channel's `pauseId`). */
  pauseId?: number;
}
