/**
 * One client's WebSocket connection, seen from the proxy's server side: one session per
 * connection, one JSON-RPC message per text frame (subprotocol `mcp`).
 */
import type { WebSocket } from 'ws';
import type { CloseInfo, Transport } from '../transport.js';
import { DEFAULT_PING_INTERVAL_MS, keepAlive } from './keepalive.js';

export class WebSocketSession implements Transport {
  readonly kind = 'websocket' as const;
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  private started = false;
  /** Frames that arrived before the session was connected to its upstream. */
  private early: string[] = [];
  private closed = false;
  private readonly stopKeepAlive: () => void;

  constructor(
    private readonly socket: WebSocket,
    pingIntervalMs = DEFAULT_PING_INTERVAL_MS,
  ) {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      if (this.started) this.onmessage?.(text);
      else this.early.push(text);
    });
    socket.on('error', (error) => this.onerror?.(error));
    socket.on('close', (code, reason) => this.finish({ reason: `client closed the WebSocket (${code}${reason.length ? ` ${reason.toString()}` : ''})` }));
    this.stopKeepAlive = keepAlive(socket, pingIntervalMs, () => {
      socket.terminate();
      this.finish({ reason: `the client stopped answering pings (no pong within ${pingIntervalMs} ms)` });
    });
  }

  async start(): Promise<void> {
    this.started = true;
    const early = this.early;
    this.early = [];
    for (const text of early) this.onmessage?.(text);
  }

  send(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
  }

  async close(info: CloseInfo = { reason: 'closed by the proxy' }): Promise<void> {
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(1000, 'session ended');
    this.finish(info);
  }

  private finish(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.stopKeepAlive();
    this.onclose?.(info);
  }
}
