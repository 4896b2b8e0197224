/**
 * The proxy as a WebSocket client of an upstream MCP server (subprotocol `mcp`). Keeps the
 * connection alive with pings; if it drops, reconnects with backoff, replays the client's
 * initialize to the new connection (keeping that answer to itself) and sends what was queued.
 * When reconnection gives up, the transport closes and pending requests get an error.
 */
import WebSocket from 'ws';
import type { HttpMeta } from '../../core/context.js';
import { isObject } from '../../core/jsonrpc.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { CloseInfo, SendMeta, Transport } from '../../core/transport.js';
import { DEFAULT_PING_INTERVAL_MS, keepAlive } from './keepalive.js';
import { SUBPROTOCOL } from './endpoint.js';
import { OwedRequests } from '../owed.js';
import { redactUrl } from '../../core/secrets.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../core/framing.js';

export interface WebSocketUpstreamOptions {
  url: string;
  headers?: Record<string, string>;
  forwardHeaders?: (http: HttpMeta | undefined) => Record<string, string>;
  logger?: Logger;
  pingIntervalMs?: number;
  /** Reconnection attempts before giving up. Default 5. */
  maxReconnects?: number;
  /** First reconnection delay, doubled each attempt. Default 200 ms. */
  reconnectDelayMs?: number;
  /** Largest frame accepted from the server; a larger one drops the connection (1009). Default 16 MiB. */
  maxMessageBytes?: number;
}

export class WebSocketUpstream implements Transport {
  readonly kind = 'websocket' as const;
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  ondeliveryfailed?: Transport['ondeliveryfailed'];
  onunanswered?: Transport['onunanswered'];
  private socket?: WebSocket;
  private queue: { text: string; meta?: SendMeta }[] = [];
  /** Requests written to the current connection and not answered: lost if it drops. */
  private readonly owed = new OwedRequests();
  private open = false;
  private closed = false;
  private ended = false;
  private attempts = 0;
  /** The client's initialize and initialized, replayed to a new connection after a drop. */
  private handshake: string[] = [];
  private swallowId?: unknown;
  private stopKeepAlive = () => undefined as void;
  private readonly logger: Logger;
  private firstHeaders: Record<string, string> = {};

  private readonly shownUrl: string;

  constructor(private readonly options: WebSocketUpstreamOptions) {
    this.logger = options.logger ?? silentLogger;
    this.shownUrl = redactUrl(options.url);
  }

  async start(): Promise<void> {}

  send(text: string, meta?: SendMeta): void {
    if (this.closed) return;
    if (meta?.summary.method === 'initialize' || meta?.summary.method === 'notifications/initialized') {
      this.handshake.push(text);
      if (!this.socket) this.firstHeaders = { ...this.options.forwardHeaders?.(meta.http), ...this.options.headers };
    }
    if (!this.socket) this.connect();
    if (this.open) this.write(text, meta);
    else this.queue.push({ text, meta });
  }

  private write(text: string, meta?: SendMeta): void {
    this.owed.sent(text, meta);
    this.socket!.send(text);
  }

  private connect(): void {
    const socket = new WebSocket(this.options.url, SUBPROTOCOL, { headers: this.firstHeaders, maxPayload: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES });
    this.socket = socket;
    socket.on('open', () => {
      this.open = true;
      const resumed = this.attempts > 0;
      this.attempts = 0;
      this.stopKeepAlive = keepAlive(socket, this.options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS, () => {
        this.logger.warn(`upstream ${this.shownUrl} stopped answering pings; reconnecting`);
        socket.terminate();
      });
      if (resumed) {
        // A new connection is a new MCP session: initialize it as the client did, quietly.
        for (const text of this.handshake) {
          const message = JSON.parse(text) as { id?: unknown };
          if (message.id !== undefined) this.swallowId = message.id;
          socket.send(text);
        }
      }
      const queued = this.queue;
      this.queue = [];
      for (const item of queued) if (!resumed || !this.handshake.includes(item.text)) this.write(item.text, item.meta);
    });
    socket.on('message', (data) => {
      const text = data.toString();
      if (this.swallowId !== undefined) {
        try {
          const message: unknown = JSON.parse(text);
          if (isObject(message) && message.id === this.swallowId && !('method' in message)) {
            this.swallowId = undefined;
            return;
          }
        } catch {
          // Not JSON: passed on, the pipeline flags it.
        }
      }
      this.owed.received(text);
      this.onmessage?.(text);
    });
    socket.on('error', (error) => this.logger.debug(`upstream WebSocket: ${error.message}`));
    socket.on('close', (code) => {
      this.open = false;
      this.stopKeepAlive();
      if (this.closed) return this.finish({ reason: 'closed by the proxy', exitCode: 0 });
      // A new connection is a new session: what the old one owed will never be answered.
      const why = code === 1009 ? `the upstream WebSocket ${this.shownUrl} sent a message over the ${this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES}-byte limit (1009)` : `the upstream WebSocket ${this.shownUrl} closed (${code})`;
      this.owed.failAll((text) => (this.onunanswered ?? this.ondeliveryfailed)?.(text, why));
      const max = this.options.maxReconnects ?? 5;
      if (this.attempts >= max) {
        return this.finish({ reason: `the upstream WebSocket ${this.shownUrl} closed (${code}) and ${max} reconnection attempts failed`, exitCode: 1 });
      }
      const wait = (this.options.reconnectDelayMs ?? 200) * 2 ** this.attempts++;
      this.logger.info(`upstream WebSocket closed (${code}); reconnecting in ${wait} ms (attempt ${this.attempts} of ${max})`);
      setTimeout(() => !this.closed && this.connect(), wait).unref();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.socket && this.socket.readyState !== WebSocket.CLOSED) {
      const done = new Promise<void>((resolve) => this.socket!.once('close', () => resolve()));
      this.socket.close(1000, 'session ended');
      await Promise.race([done, new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.finish({ reason: 'closed by the proxy', exitCode: 0 });
  }

  private finish(info: CloseInfo): void {
    if (this.ended) return;
    this.ended = true;
    this.closed = true;
    this.stopKeepAlive();
    for (const item of this.queue) this.ondeliveryfailed?.(item.text, info.reason);
    this.queue = [];
    this.onclose?.(info);
  }
}
