/** The proxy's WebSocket endpoint (`/ws`, subprotocol `mcp`): each connection is a session. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { HttpMeta } from '../../core/context.js';
import type { Logger } from '../../core/log.js';
import type { SessionOpener, UpgradeEndpoint } from '../http/endpoint.js';
import { WebSocketSession } from './session.js';

export const SUBPROTOCOL = 'mcp';

export class WebSocketEndpoint implements UpgradeEndpoint {
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false) });
  private readonly sessions = new Set<WebSocketSession>();

  constructor(
    private readonly opener: SessionOpener,
    private readonly logger: Logger,
    private readonly pingIntervalMs?: number,
  ) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, http: HttpMeta): void {
    const offered = req.headers['sec-websocket-protocol'];
    if (offered && !offered.split(',').map((p) => p.trim()).includes(SUBPROTOCOL)) {
      socket.end(`HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      this.logger.warn(`refused a WebSocket offering subprotocol(s) "${offered}"; mcp-tap speaks "${SUBPROTOCOL}"`);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session = new WebSocketSession(ws, this.pingIntervalMs);
      this.sessions.add(session);
      ws.once('close', () => this.sessions.delete(session));
      this.opener.open(randomUUID(), session, 'websocket', http).catch((error: Error) => {
        this.sessions.delete(session);
        // 1011: the server met a condition that kept it from serving the request.
        ws.close(1011, `cannot reach the upstream server: ${error.message}`.slice(0, 120));
      });
    });
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.close({ reason: 'proxy shutting down' })));
    this.sessions.clear();
    this.wss.close();
  }
}
