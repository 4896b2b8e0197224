/** Tapes and frames as plain data: what the store returns and the export format carries. */
import type { Direction, JsonValue, MessageKind } from '../core/jsonrpc.js';
import type { TransportKind } from '../core/context.js';

export interface TapeUpstream {
  command?: string[];
  url?: string;
}

export interface TapeInfo {
  id: number;
  name: string;
  createdAt: string;
  endedAt?: string;
  upstream?: TapeUpstream;
  transport: TransportKind | string;
  clientInfo?: JsonValue;
  serverInfo?: JsonValue;
  protocolVersion?: string;
  labels: Record<string, string>;
  redactions: string[];
  frameCount: number;
  sessionCount: number;
}

export interface TapeSession {
  id: number;
  key: string;
  transport: string;
  startedAt: string;
  endedAt?: string;
  protocolVersion?: string;
  clientInfo?: JsonValue;
  serverInfo?: JsonValue;
  clientCapabilities?: JsonValue;
  serverCapabilities?: JsonValue;
}

export interface TapeFrame {
  seq: number;
  /** The id of the session row this frame belongs to. */
  session: number;
  tMs: number;
  direction: Direction;
  kind: MessageKind;
  method?: string;
  /** The JSON-RPC id as JSON text ("1" for 1, "\"a\"" for "a"); absent for notifications. */
  id?: string;
  message: string;
  original?: string;
  action: string;
  latencyMs?: number;
  flags: string[];
  note?: string;
  redacted: string[];
}

/** A frame before the store numbers it. */
export type NewFrame = Omit<TapeFrame, 'seq' | 'session'> & { sessionKey: string };
