/**
 * The control channel's WebSocket server: loopback only, one path, a bearer token compared in
 * constant time, and no browsers (any request with an Origin header is refused, so a web page
 * cannot reach it even by DNS rebinding). Everything past the handshake is the hub's business.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ControlHub } from './hub.js';

export const CONTROL_PATH = '/control';
/** Commands carry edited messages; allow large ones, not unbounded ones. */
const MAX_COMMAND_BYTES = 64 * 1024 * 1024;
/** How long a viewer gets to finish the closing handshake before it is cut off. */
const CLOSE_GRACE_MS = 1000;

export interface ControlServerOptions {
  /** Defaults to a fresh random token (32 bytes, hex). */
  token?: string;
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
}

export interface ControlServer {
  readonly url: string;
  readonly token: string;
  close(): Promise<void>;
}

export function newToken(): string {
  return randomBytes(32).toString('hex');
}

/** Equal-length digests, so neither the comparison's time nor its length says anything about the token. */
export function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Refuses a WebSocket upgrade with a plain HTTP answer (the socket is still raw HTTP then). */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

export async function startControlServer(hub: ControlHub, options: ControlServerOptions = {}): Promise<ControlServer> {
  const token = options.token ?? newToken();
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_COMMAND_BYTES });
  const http: Server = createServer((_request, response) => {
    response.writeHead(426, { 'Content-Type': 'text/plain', Connection: 'close' }).end('the control channel speaks WebSocket only');
  });

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== CONTROL_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (request.headers.origin !== undefined) return refuseUpgrade(socket, 403, 'Forbidden');
    const authorization = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match || !sameToken(match[1]!, token)) return refuseUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(request, socket, head, (ws) => accept(ws));
  });

  const accept = (ws: WebSocket) => {
    sockets.add(ws);
    const connection = hub.attach({ send: (text) => ws.send(text), unsent: () => ws.bufferedAmount });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) connection.receive(data.toString());
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      sockets.delete(ws);
      connection.detach();
    });
  };

  const port = await listenOnLoopback(http, options.port ?? 0);
  let closing: Promise<void> | undefined;
  return {
    url: `ws://127.0.0.1:${port}${CONTROL_PATH}`,
    token,
    close: () => (closing ??= closeWebSocketServer(http, wss, sockets, 'the proxy is exiting')),
  };
}

/** Listens on 127.0.0.1 (port 0: a free one) and resolves with the port. */
export async function listenOnLoopback(http: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  return (http.address() as AddressInfo).port;
}

/** Closes the viewers' sockets (a grace for their closing handshake, then cut off) and the server. */
export async function closeWebSocketServer(http: Server, wss: WebSocketServer, sockets: Set<WebSocket>, reason: string): Promise<void> {
  const closed = [...sockets].map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
  for (const ws of sockets) ws.close(1001, reason);
  await Promise.race([Promise.all(closed), new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref())]);
  for (const ws of sockets) ws.terminate();
  wss.close();
  const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeAllConnections();
  await stopped;
}
