/**
 * One interface for every way a message reaches or leaves the proxy, downstream (a client) or
 * upstream (a server). A transport moves whole JSON-RPC texts; it never parses or changes them.
 */
import type { HttpMeta, TransportKind } from '../core/context.js';

export interface CloseInfo {
  /** Human-readable: 'server exited with code 1', 'client closed stdin', ... */
  reason: string;
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
}

export interface Transport {
  readonly kind: TransportKind;
  start(): Promise<void>;
  /** Sends one serialised JSON-RPC message. */
  send(text: string): void;
  close(): Promise<void>;
  onmessage?: (text: string, http?: HttpMeta) => void;
  /** A message that could not be framed (too large); the transport keeps going. */
  onoversized?: (byteLength: number, limit: number) => void;
  /** Trouble that does not end the transport. */
  onerror?: (error: Error) => void;
  /** Called once, when the peer is gone. */
  onclose?: (info: CloseInfo) => void;
}
