/**
 * The proxy's HTTP listener: one port, every client transport on its own path
 * (/mcp Streamable HTTP, /sse + /messages legacy HTTP+SSE, /ws WebSocket). Applies the HTTP
 * policy before anything else and routes; the endpoints own the sessions.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../core/log.js';
import type { HttpPolicyInterceptor } from '../../interceptors/http-policy.js';
import { httpMeta, sendHttpError } from './body.js';
import type { HttpEndpoint, UpgradeEndpoint } from './endpoint.js';

export interface ListenerRoutes {
  /** Exact paths (query strings aside) to request endpoints. */
  http: Record<string, HttpEndpoint>;
  /** Exact paths to WebSocket endpoints. */
  upgrade?: Record<string, UpgradeEndpoint>;
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface ListenerLimits {
  /**
   * How long a client may take to send a whole request, headers and body (ms). Responses are
   * not limited: SSE streams stay open as long as they are meant to. Default 30 s.
   */
  requestTimeoutMs?: number;
  /** How long a client may take to send a request's headers (ms). Default 10 s, at most the request timeout. */
  headersTimeoutMs?: number;
  /** Connections held at once; more are refused at accept. Default: Node's (no limit). */
  maxConnections?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;

export function parseListen(value: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  if (!match) throw new Error(`--listen takes HOST:PORT or PORT, got "${value}"`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`port ${port} is out of range`);
  return { host: match[1] || match[2] || '127.0.0.1', port };
}

export class HttpListener {
  readonly server: Server;
  private readonly sockets = new Set<Duplex>();

  constructor(
    private readonly routes: ListenerRoutes,
    private readonly policy: HttpPolicyInterceptor,
    private readonly logger: Logger,
    limits: ListenerLimits = {},
  ) {
    // A client that dribbles its headers or body is cut off (408), so a few hundred slow sockets
    // cannot hold the proxy's file descriptors. Once a request is in, its response may last: the
    // timeouts cover receiving the request only, never an SSE stream going out.
    const requestTimeout = limits.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const headersTimeout = Math.min(limits.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeout);
    this.server = createServer({ requestTimeout, headersTimeout, connectionsCheckingInterval: Math.min(1000, headersTimeout) }, (req, res) => void this.route(req, res));
    if (limits.maxConnections) this.server.maxConnections = limits.maxConnections;
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server.keepAliveTimeout = 65_000;
  }

  listen(address: ListenAddress): Promise<ListenAddress> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(address.port, address.host, () => {
        this.server.off('error', reject);
        const bound = this.server.address() as AddressInfo;
        // Host headers are checked against the address actually bound (port 0 picks one).
        this.policy.serveAt({ host: address.host, port: bound.port });
        resolve({ host: address.host, port: bound.port });
      });
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = this.policy.check(req);
    if (refused) {
      this.logger.warn(`refused ${req.method} ${req.url}: ${refused.message}`);
      req.resume();
      return sendHttpError(res, refused.status, refused.message);
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const endpoint = this.routes.http[path];
    if (!endpoint) return sendHttpError(res, 404, `Not Found: ${path} (the proxy serves ${Object.keys(this.routes.http).join(', ')})`);
    await endpoint.handle(req, res, httpMeta(req));
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refused = this.policy.check(req);
    const path = (req.url ?? '/').split('?')[0]!;
    const endpoint = this.routes.upgrade?.[path];
    if (refused || !endpoint) {
      const status = refused?.status ?? 404;
      if (refused) this.logger.warn(`refused a WebSocket upgrade on ${path}: ${refused.message}`);
      // The reason goes in the body: the status line carries only the standard phrase.
      const body = `${refused?.message ?? `Not Found: ${path}`}\n`;
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return;
    }
    endpoint.handleUpgrade(req, socket, head, httpMeta(req));
  }

  /** New connections are refused from now on; open ones carry on (graceful shutdown). */
  stopAccepting(): void {
    if (this.server.listening) this.server.close();
  }

  async close(): Promise<void> {
    const endpoints = [...Object.values(this.routes.http), ...Object.values(this.routes.upgrade ?? {})];
    await Promise.all(endpoints.map((e) => e.closeAll()));
    await new Promise<void>((resolve) => {
      if (this.server.listening) this.server.close(() => resolve());
      else resolve();
      // Open SSE streams and idle keep-alive sockets would hold close() forever.
      for (const socket of this.sockets) socket.destroy();
    });
  }
}
