/** Server-sent events written to one HTTP response. */
import type { ServerResponse } from 'node:http';

export interface SseStreamOptions {
  /**
   * Hold the headers back this long, so that an answer ready by then leaves in the same write
   * as them (a request's own stream, whose answer usually comes within milliseconds). Default 0:
   * the headers go out at once.
   */
  headerDelayMs?: number;
  /**
   * Output the client may leave unread; past it the stream is cut (the client can come back with
   * Last-Event-ID), so a client that stops reading cannot make the proxy hold everything sent to
   * it. Default 16 MiB.
   */
  maxBufferedBytes?: number;
}

/** How much output a client may leave unread on one stream (SSE or WebSocket) before it is cut off. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export class SseStream {
  private ended = false;
  private headerTimer?: NodeJS.Timeout;
  private readonly maxBufferedBytes: number;
  onclose?: () => void;

  constructor(
    readonly res: ServerResponse,
    headers: Record<string, string> = {},
    options: SseStreamOptions = {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      ...headers,
    });
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    // Headers go out now (or soon), so the client knows the stream is open before the first event.
    if (options.headerDelayMs) {
      this.headerTimer = setTimeout(() => this.flushHeaders(), options.headerDelayMs);
      this.headerTimer.unref();
    } else {
      res.flushHeaders();
    }
    res.on('close', () => {
      this.ended = true;
      this.clearHeaderTimer();
      this.onclose?.();
    });
  }

  private flushHeaders(): void {
    this.headerTimer = undefined;
    if (this.open && !this.res.headersSent) this.res.flushHeaders();
  }

  private clearHeaderTimer(): void {
    if (this.headerTimer) clearTimeout(this.headerTimer);
    this.headerTimer = undefined;
  }

  get open(): boolean {
    return !this.ended && !this.res.destroyed;
  }

  /**
   * Writes one event. Text of several lines (a server's pretty-printed JSON) goes as one `data:`
   * line each, which the client joins back with newlines: the same text, and a line break can
   * never end the event early.
   */
  send(data: string, id?: string, event = 'message'): boolean {
    if (!this.open) return false;
    this.clearHeaderTimer();
    if (this.res.writableLength > this.maxBufferedBytes) {
      this.res.destroy(new Error(`the client left more than ${this.maxBufferedBytes} bytes of its stream unread`));
      return false;
    }
    const lines = data.includes('\n') || data.includes('\r') ? data.split(/\r\n|\r|\n/).join('\ndata: ') : data;
    this.res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${lines}\n\n`);
    return true;
  }

  comment(text = ''): void {
    if (!this.open) return;
    this.clearHeaderTimer();
    this.res.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.clearHeaderTimer();
    this.res.end();
  }
}
