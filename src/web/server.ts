/**
 * The web console's HTTP server: the page's files and one WebSocket (`/ws`) for the page, on
 * loopback only. Every request needs the console's token: given once in the URL mcp-tap prints
 * (`/?token=...`), it becomes an HttpOnly, SameSite=Strict cookie and the address bar loses it.
 * The Host header must name this server and an Origin, where there is one, must be this server's
 * own (DNS rebinding, and other pages on this machine), as the proxy's HTTP policy checks them.
 * Everything is served with a Content-Security-Policy that allows the page's own script and
 * styles and its own WebSocket, nothing inline, no eval.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { closeWebSocketServer, listenOnLoopback, newToken, refuseUpgrade, sameToken } from '../control/server.js';
import { HttpPolicyInterceptor } from '../interceptors/http-policy.js';
import type { Logger } from '../core/log.js';
import { loadPageAssets, type PageAsset } from './assets.js';
import { PageSession, type ConsoleBackend } from './session.js';

export const WEB_SOCKET_PATH = '/ws';
/** A tape import arrives as one message: allow big ones, not unbounded ones. */
const MAX_PAGE_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface WebServerOptions {
  backend: ConsoleBackend;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Defaults to 32 random bytes, hex. */
  token?: string;
  logger?: Logger;
  /** The page's files (default: the built ones in dist/web/page). */
  assets?: Map<string, PageAsset>;
}

export interface WebServer {
  /** The address to open, with the token: http://127.0.0.1:PORT/?token=... */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Headers every answer carries: no framing, no sniffing, no caching, nothing but the page's own. */
function securityHeaders(host: string): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "font-src 'self'",
      `connect-src ws://${host}${WEB_SOCKET_PATH}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/** How long messages for a page are gathered before they go, as one WebSocket message. */
const BATCH_MS = 20;

/**
 * The page's socket, sending what comes within BATCH_MS as one message (a JSON array of them):
 * under a burst a browser pays for every WebSocket message it receives (it passes between its
 * processes), and the proxy for every one it writes, so thousands of small ones a second cost
 * both far more than a few large ones. Messages are JSON objects, so an array is a batch.
 */
class BatchedSocket {
  private queue: string[] = [];
  private chars = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ws: WebSocket) {}

  send(text: string): void {
    this.queue.push(text);
    this.chars += text.length;
    this.timer ??= setTimeout(this.flush, BATCH_MS);
  }

  /** What is written neither to the socket nor out of it yet: the slow page's measure. */
  unsent(): number {
    return this.ws.bufferedAmount + this.chars;
  }

  private readonly flush = (): void => {
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    this.chars = 0;
    if (batch.length === 0 || this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(batch.length === 1 ? batch[0]! : `[${batch.join(',')}]`);
  };

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.chars = 0;
  }
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? newToken();
  const assets = options.assets ?? loadPageAssets();
  const policy = new HttpPolicyInterceptor({ ownOriginOnly: true });
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAGE_MESSAGE_BYTES });
  let cookieName = 'mcp-tap-web';

  /** The token from the cookie (or, on the first visit, the URL); undefined when neither is right. */
  const authorized = (request: IncomingMessage, url: URL): 'cookie' | 'url' | undefined => {
    const cookie = cookieValue(request.headers.cookie, cookieName);
    if (cookie !== undefined && sameToken(cookie, token)) return 'cookie';
    const given = url.searchParams.get('token');
    if (given !== null && sameToken(given, token)) return 'url';
    return undefined;
  };

  const http: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const refused = policy.check(request);
    // The policy has checked the Host by now: only a name this console is served as goes into the policy header.
    const headers = securityHeaders(refused ? `127.0.0.1:${port}` : (request.headers.host ?? `127.0.0.1:${port}`));
    const answer = (status: number, text: string) => response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
    if (refused) return answer(refused.status, refused.message);
    if (request.method !== 'GET' && request.method !== 'HEAD') return answer(405, 'Method Not Allowed: the web console serves GET only');
    const url = new URL(request.url ?? '/', 'http://localhost');
    const how = authorized(request, url);
    if (!how) return answer(401, 'Unauthorized: open the address mcp-tap printed (it carries the token, ?token=...); the token changes each time the console starts');
    if (how === 'url') {
      // The token goes into a cookie only this origin's own requests carry, and out of the address bar.
      response.writeHead(303, { ...headers, Location: '/', 'Set-Cookie': `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/` }).end();
      return;
    }
    // Browsers ask for an icon by themselves; there is none.
    if (url.pathname === '/favicon.ico') return void response.writeHead(204, headers).end();
    const asset = assets.get(url.pathname);
    if (!asset) return answer(404, 'Not Found');
    response.writeHead(200, { ...headers, 'Content-Type': asset.type, 'Content-Length': asset.body.length });
    response.end(request.method === 'HEAD' ? undefined : asset.body);
  });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WEB_SOCKET_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    const refused = policy.check(request);
    if (refused) return refuseUpgrade(socket, refused.status, refused.message);
    // A browser always sends Origin on a WebSocket; the console's own page is the only one let in.
    if (request.headers.origin === undefined) return refuseUpgrade(socket, 403, 'Forbidden: the web console takes WebSockets from its own page only');
    if (authorized(request, url) !== 'cookie') return refuseUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws));
  });

  const accept = (ws: WebSocket) => {
    sockets.add(ws);
    const batched = new BatchedSocket(ws);
    const session = new PageSession(options.backend, batched, options.logger);
    ws.on('message', (data, isBinary) => {
      if (!isBinary) session.receive(data.toString());
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      sockets.delete(ws);
      batched.close();
      session.close();
    });
  };

  const port = await listenOnLoopback(http, options.port ?? 0);
  policy.serveAt({ host: '127.0.0.1', port });
  // Cookies are kept per host, not per port: two consoles on one machine must not share one.
  cookieName = `mcp-tap-web-${port}`;
  const origin = `http://127.0.0.1:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: () =>
      (closing ??= (async () => {
        await closeWebSocketServer(http, wss, sockets, 'the console is exiting');
        options.backend.close?.();
      })()),
  };
}
