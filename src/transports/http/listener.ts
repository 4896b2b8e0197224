/**
 * The proxy's HTTP listener: one port, every client transport on its own path
 * (/mcp Streamable HTTP, /sse + /messages legacy HTTP+SSE, /ws WebSocket). Applies the HTTP
 * policy before anything else and routes; the endpoints own the sessions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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
  ) {
    this.server = createServer((req, res) => void this.route(req, res));
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // Long-lived SSE streams must not be cut by Node's default request timeout.
    this.server.requestTimeout = 0;
    this.server.keepAliveTimeout = 65_000;
  }

  listen(address: ListenAddress): Promise<ListenAddress> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(address.port, address.host, () => {
        this.server.off('error', reject);
        const bound = this.server.address() as AddressInfo;
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
      socket.end(`HTTP/1.1 ${status} ${refused?.message ?? 'Not Found'}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
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
