/** A proxy session: one MCP conversation between a client and a server, as plain data. */
import type { TransportKind } from '../core/context.js';
import type { JsonValue } from '../core/jsonrpc.js';

export interface PeerInfo {
  name?: string;
  version?: string;
  [key: string]: JsonValue | undefined;
}

export interface Session {
  id: string;
  transport: TransportKind;
  /** Where the proxy forwards to: a command line or a URL. */
  upstream?: string;
  upstreamSessionId?: string;
  /** Negotiated in initialize (the server's answer wins over what the client asked for). */
  protocolVersion?: string;
  clientInfo?: PeerInfo;
  serverInfo?: PeerInfo;
  clientCapabilities?: JsonValue;
  serverCapabilities?: JsonValue;
  metadata: Record<string, JsonValue>;
  counters: { c2s: number; s2c: number };
  /** Date.now() values. */
  createdAt: number;
  lastActiveAt: number;
}
