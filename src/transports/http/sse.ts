/** Server-sent events written to one HTTP response. */
import type { ServerResponse } from 'node:http';

export interface SseStreamOptions {
  /**
   * Hold the headers back this long, so that an answer ready by then leaves in the same write
   * as them (a request's own stream, whose answer usually comes within milliseconds). Default 0:
   * the headers go out at once.
   */
  headerDelayMs?: number;
}

export class SseStream {
  private ended = false;
  private headerTimer?: NodeJS.Timeout;
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

  /** Writes one event; `data` must be a single line (JSON text is). */
  send(data: string, id?: string, event = 'message'): boolean {
    if (!this.open) return false;
    this.clearHeaderTimer();
    this.res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
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
