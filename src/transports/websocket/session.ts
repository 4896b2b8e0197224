/**
 * One client's WebSocket connection, seen from the proxy's server side: one session per
 * connection, one JSON-RPC message per text frame (subprotocol `mcp`). The connection is pinged;
 * a client that stops answering is reported dead.
 */
import type { WebSocket } from 'ws';
import type { HttpMeta } from '../../core/context.js';
import type { CloseInfo, Transport } from '../../core/transport.js';
import { DEFAULT_PING_INTERVAL_MS, keepAlive } from './keepalive.js';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../http/sse.js';

export interface WebSocketSessionOptions {
  /** How often the client is pinged; a client that has not answered by the next ping is dead. Default 30 s. */
  pingIntervalMs?: number;
  /** The upgrade request: passed on with every message (the HTTP policy decides which headers go upstream). */
  http?: HttpMeta;
  /** The frame limit the server was given, to report a frame over it. */
  maxMessageBytes?: number;
  /** Output the client may leave unread before it is cut off (close code 1008). Default 16 MiB. */
  maxBufferedBytes?: number;
}


/** Close codes a client uses when it simply leaves. */
const NORMAL_CLOSURE = new Set([1000, 1001, 1005]);

export class WebSocketSession implements Transport {
  readonly kind = 'websocket' as const;
  onmessage?: Transport['onmessage'];
  ondeliveryfailed?: Transport['ondeliveryfailed'];
  onoversized?: Transport['onoversized'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  private started = false;
  /** Frames that arrived before the session was connected to its upstream. */
  private early: string[] = [];
  private closed = false;
  private lastError?: Error;
  private readonly http?: HttpMeta;
  private readonly stopKeepAlive: () => void;
  private readonly maxBufferedBytes: number;

  constructor(
    private readonly socket: WebSocket,
    options: WebSocketSessionOptions = {},
  ) {
    this.http = options.http;
    const pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    socket.on('message', (data, isBinary) => {
      // The SDK sends text frames; a binary frame holding UTF-8 JSON is taken as well.
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      if (this.started) this.deliver(text);
      else this.early.push(text);
    });
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    socket.on('error', (error) => {
      this.lastError = error;
      // ws has already closed the connection with 1009 (Message Too Big); the tape says why.
      if ((error as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' && options.maxMessageBytes !== undefined) {
        this.onoversized?.(undefined, options.maxMessageBytes);
      }
      this.onerror?.(error);
    });
    socket.on('close', (code, reason) => this.finish({ reason: this.describeClose(code, reason.toString()) }));
    this.stopKeepAlive = keepAlive(socket, pingIntervalMs, () => {
      this.finish({ reason: `the client stopped answering pings (no pong within ${pingIntervalMs} ms); connection dropped` });
      socket.terminate();
    });
  }

  async start(): Promise<void> {
    this.started = true;
    const early = this.early;
    this.early = [];
    for (const text of early) this.deliver(text);
  }

  private deliver(text: string): void {
    this.onmessage?.(text, this.http ? { http: this.http } : undefined);
  }

  send(text: string): void {
    if (this.socket.readyState !== this.socket.OPEN) return this.ondeliveryfailed?.(text, 'the client WebSocket is closed');
    // A client that stops reading would have the proxy hold everything sent to it.
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      const reason = `the client left more than ${this.maxBufferedBytes} bytes unread; connection closed`;
      this.socket.close(1008, 'client is not reading its messages');
      this.finish({ reason });
      return this.ondeliveryfailed?.(text, reason);
    }
    this.socket.send(text);
  }

  async close(info: CloseInfo = { reason: 'closed by the proxy' }): Promise<void> {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000, 'session ended');
    this.finish(info);
  }

  private describeClose(code: number, reason: string): string {
    if (NORMAL_CLOSURE.has(code)) return `client closed the WebSocket (${code}${reason ? ` ${reason}` : ''})`;
    const cause = this.lastError ? `: ${this.lastError.message}` : reason ? `: ${reason}` : '';
    return code === 1006 ? `the client's WebSocket connection dropped (1006)${cause}` : `the client WebSocket closed (${code})${cause}`;
  }

  private finish(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.early = [];
    this.stopKeepAlive();
    this.onclose?.(info);
  }
}
