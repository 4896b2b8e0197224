/** Server-sent events written to one HTTP response. */
import type { ServerResponse } from 'node:http';

export class SseStream {
  private ended = false;
  onclose?: () => void;

  constructor(
    readonly res: ServerResponse,
    headers: Record<string, string> = {},
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      ...headers,
    });
    // Headers go out now, so the client knows the stream is open before the first event.
    res.flushHeaders();
    res.on('close', () => {
      this.ended = true;
      this.onclose?.();
    });
  }

  get open(): boolean {
    return !this.ended && !this.res.destroyed;
  }

  /** Writes one event; `data` must be a single line (JSON text is). */
  send(data: string, id?: string, event = 'message'): boolean {
    if (!this.open) return false;
    this.res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
    return true;
  }

  comment(text = ''): void {
    if (this.open) this.res.write(`: ${text}\n\n`);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end();
  }
}
