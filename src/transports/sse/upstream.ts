/**
 * The proxy as a client of a legacy HTTP+SSE server (MCP 2024-11-05): a GET stream (EventSource)
 * whose first `endpoint` event says where to POST messages; answers come on the stream. If the
 * stream reconnects the server announces a new endpoint (a new session): the client's initialize
 * is replayed there first, its answer kept by the proxy.
 */
import { EventSource } from 'eventsource';
import type { HttpMeta } from '../../core/context.js';
import { isObject } from '../../core/jsonrpc.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { CloseInfo, SendMeta, Transport } from '../transport.js';

export interface LegacySseUpstreamOptions {
  url: string;
  headers?: Record<string, string>;
  forwardHeaders?: (http: HttpMeta | undefined) => Record<string, string>;
  logger?: Logger;
  /** How long to wait for the stream and its endpoint event. Default 10 s. */
  connectTimeoutMs?: number;
}

export class LegacySseUpstream implements Transport {
  readonly kind = 'sse' as const;
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  ondeliveryfailed?: Transport['ondeliveryfailed'];
  private source?: EventSource;
  private endpoint?: URL;
  private queue: { text: string; meta?: SendMeta }[] = [];
  private handshake: string[] = [];
  private swallowId?: unknown;
  private headers: Record<string, string> = {};
  private ended = false;
  private timer?: NodeJS.Timeout;
  private readonly logger: Logger;

  constructor(private readonly options: LegacySseUpstreamOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {}

  send(text: string, meta?: SendMeta): void {
    if (this.ended) return;
    if (meta?.summary.method === 'initialize' || meta?.summary.method === 'notifications/initialized') this.handshake.push(text);
    if (!this.source) {
      this.headers = { ...this.options.forwardHeaders?.(meta?.http), ...this.options.headers };
      this.connect();
    }
    if (this.endpoint) void this.post(text);
    else this.queue.push({ text, meta });
  }

  private connect(): void {
    const headers = this.headers;
    const source = new EventSource(this.options.url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
    });
    this.source = source;
    this.timer = setTimeout(() => {
      if (!this.endpoint) this.finish({ reason: `the upstream ${this.options.url} sent no endpoint event within ${this.options.connectTimeoutMs ?? 10_000} ms` });
    }, this.options.connectTimeoutMs ?? 10_000);
    this.timer.unref();
    source.addEventListener('endpoint', (event) => {
      const again = this.endpoint !== undefined;
      this.endpoint = new URL(event.data, this.options.url);
      if (again) {
        // A new stream is a new session on a legacy server: initialize it as the client did.
        this.logger.info(`upstream SSE stream reconnected; re-initializing at ${this.endpoint.pathname}`);
        for (const text of this.handshake) {
          const message = JSON.parse(text) as { id?: unknown };
          if (message.id !== undefined) this.swallowId = message.id;
          void this.post(text);
        }
        return;
      }
      const queued = this.queue;
      this.queue = [];
      for (const item of queued) void this.post(item.text);
    });
    source.addEventListener('message', (event) => {
      if (this.swallowId !== undefined) {
        try {
          const message: unknown = JSON.parse(event.data);
          if (isObject(message) && message.id === this.swallowId && !('method' in message)) {
            this.swallowId = undefined;
            return;
          }
        } catch {
          // Not JSON: passed on, the pipeline flags it.
        }
      }
      this.onmessage?.(event.data);
    });
    source.addEventListener('error', (event) => {
      // Before a first endpoint there is no session to come back to: say why at once, not after a timeout.
      if (!this.endpoint) return this.finish({ reason: `the upstream SSE stream ${this.options.url} could not be opened: ${event.message ?? event.code ?? 'error'}` });
      // EventSource retries on its own; a CLOSED source will not come back.
      if (source.readyState === EventSource.CLOSED) this.finish({ reason: `the upstream SSE stream ${this.options.url} failed: ${event.message ?? event.code ?? 'closed'}` });
      else this.logger.debug(`upstream SSE stream interrupted: ${event.message ?? ''}`);
    });
  }

  private async post(text: string): Promise<void> {
    try {
      const res = await fetch(this.endpoint!, { method: 'POST', headers: { ...this.headers, 'content-type': 'application/json' }, body: text });
      const body = await res.text();
      if (!res.ok) this.ondeliveryfailed?.(text, `upstream answered ${res.status} ${res.statusText}${body ? `: ${body.slice(0, 200)}` : ''}`);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      this.ondeliveryfailed?.(text, `upstream ${this.endpoint?.origin} is unreachable: ${cause}`);
    }
  }

  async close(): Promise<void> {
    this.finish({ reason: 'closed by the proxy', exitCode: 0 });
  }

  private finish(info: CloseInfo): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.source?.close();
    for (const item of this.queue) this.ondeliveryfailed?.(item.text, info.reason);
    this.queue = [];
    this.onclose?.(info);
  }
}
