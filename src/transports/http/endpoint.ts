/**
 * What every HTTP-facing client transport (Streamable HTTP, legacy SSE, WebSocket) shares: how a
 * new client session is connected to an upstream, and the request handler shape the listener
 * routes to.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { HttpMeta, TransportKind } from '../../core/context.js';
import type { Transport } from '../../core/transport.js';

/** Implemented by the proxy: connects a new client session to its own upstream. */
export interface SessionOpener {
  /**
   * Called when a client starts a session; resolves once the session can take messages.
   * Rejects when no upstream can be had (the client is told so).
   */
  open(sessionId: string, downstream: Transport, kind: TransportKind, http: HttpMeta): Promise<void>;
  /**
   * Called for a session id this process does not hold: resumes it from the session store with a
   * fresh upstream, when the store knows it. Resolves false when there is nothing to resume.
   */
  restore?(sessionId: string, downstream: Transport, kind: TransportKind, http: HttpMeta): Promise<boolean>;
  /**
   * Why a new session would be refused now (the proxy holds as many as it may), so an endpoint
   * can say so before it commits to a response; undefined when there is room. `open` refuses
   * the same way, with an HttpError of status 503.
   */
  atCapacity?(): string | undefined;
}

export interface HttpEndpoint {
  /** Handles a request routed to it; the listener has already applied the HTTP policy. */
  handle(req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void>;
  /** Ends every session it holds (shutdown). */
  closeAll(): Promise<void>;
}

export interface UpgradeEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, http: HttpMeta): void;
  closeAll(): Promise<void>;
}
