/**
 * The proxy's WebSocket endpoint (`/ws`, subprotocol `mcp`): each accepted connection is a client
 * session of its own, connected to a fresh upstream.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { HttpMeta } from '../../core/context.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { SessionOpener, UpgradeEndpoint } from '../http/endpoint.js';
import { WebSocketSession } from './session.js';

/** The subprotocol the SDK's WebSocketClientTransport asks for. */
export const SUBPROTOCOL = 'mcp';

/** A close frame's reason may hold at most 123 bytes. */
const MAX_CLOSE_REASON_BYTES = 123;

export interface WebSocketEndpointOptions {
  opener: SessionOpener;
  logger?: Logger;
  /** How often clients are pinged. Default 30 s. */
  pingIntervalMs?: number;
  /** Largest frame accepted; a larger one ends the connection (close code 1009). Default 4 MiB, as an HTTP body. */
  maxMessageBytes?: number;
  /** Output a client may leave unread before it is cut off (close code 1008). Default 16 MiB. */
  maxBufferedBytes?: number;
}

const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export class WebSocketEndpoint implements UpgradeEndpoint {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<WebSocketSession>();
  private readonly logger: Logger;

  constructor(private readonly options: WebSocketEndpointOptions) {
    this.logger = options.logger ?? silentLogger;
    this.wss = new WebSocketServer({
      noServer: true,
      // Always a number: ws's own default would be overridden by an undefined spread over it,
      // and 0 means no limit at all.
      maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      // Only called when the client offers subprotocols; handleUpgrade has refused those without `mcp`.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, http: HttpMeta): void {
    const offered = offeredProtocols(req);
    if (offered.length > 0 && !offered.includes(SUBPROTOCOL)) {
      const message = `Bad Request: WebSocket subprotocol "${offered.join(', ')}" is not spoken here; mcp-tap speaks "${SUBPROTOCOL}"`;
      socket.end(`HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
      this.logger.warn(`refused a WebSocket client offering subprotocol(s) "${offered.join(', ')}"`);
      return;
    }
    const full = this.options.opener.atCapacity?.();
    if (full) {
      socket.end(`HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(full)}\r\n\r\n${full}`);
      return;
    }
    const maxMessageBytes = this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new WebSocketSession(ws, { pingIntervalMs: this.options.pingIntervalMs, http, maxMessageBytes, maxBufferedBytes: this.options.maxBufferedBytes });
      this.sessions.add(session);
      ws.once('close', () => this.sessions.delete(session));
      this.options.opener.open(randomUUID(), session, 'websocket', http).catch((error: Error) => {
        this.sessions.delete(session);
        this.logger.warn(`refused a WebSocket session: ${error.message}`);
        // 1011: the server met a condition that kept it from serving the request.
        ws.close(1011, closeReason(`cannot open the session: ${error.message}`));
      });
    });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.close({ reason: 'proxy shutting down' })));
    this.sessions.clear();
    this.wss.close();
  }
}

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  if (!header) return [];
  return header
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Cuts a reason to what a close frame can carry, without splitting a character. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= MAX_CLOSE_REASON_BYTES) return text;
  let cut = text.slice(0, MAX_CLOSE_REASON_BYTES - 3);
  while (Buffer.byteLength(`${cut}...`) > MAX_CLOSE_REASON_BYTES) cut = cut.slice(0, -1);
  return `${cut}...`;
}
