/**
 * The proxy as a client of a legacy HTTP+SSE server (MCP 2024-11-05): a GET stream (EventSource)
 * whose first `endpoint` event says where to POST messages; answers come on the stream. If the
 * stream reconnects the server announces a new endpoint (a new session): the client's initialize
 * is replayed there first, its answer kept by the proxy. The stream is reopened after the `retry:`
 * delay the server asked for (EventSource does that), at most `maxReconnects` times in a row; the
 * requests the old session owed are answered with an error, since it will never answer them.
 */
import { EventSource } from 'eventsource';
import type { HttpMeta } from '../../core/context.js';
import { isObject } from '../../core/jsonrpc.js';
import { silentLogger, type Logger } from '../../core/log.js';
import type { CloseInfo, SendMeta, Transport } from '../../core/transport.js';
import { OwedRequests } from '../owed.js';
import { redactUrl } from '../../core/secrets.js';

export interface LegacySseUpstreamOptions {
  url: string;
  headers?: Record<string, string>;
  forwardHeaders?: (http: HttpMeta | undefined) => Record<string, string>;
  logger?: Logger;
  /** How long to wait for the stream and its endpoint event. Default 10 s. */
  connectTimeoutMs?: number;
  /** Failed attempts to reopen a dropped stream before giving up. Default 5. */
  maxReconnects?: number;
}

export class LegacySseUpstream implements Transport {
  readonly kind = 'sse' as const;
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  ondeliveryfailed?: Transport['ondeliveryfailed'];
  onunanswered?: Transport['onunanswered'];
  private source?: EventSource;
  private readonly owed = new OwedRequests();
  /** Errors since the stream was last open: the drop, then each failed attempt to reopen it. */
  private errorsSinceOpen = 0;
  private readonly shownUrl: string;
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
    this.shownUrl = redactUrl(options.url);
  }

  async start(): Promise<void> {}

  send(text: string, meta?: SendMeta): void {
    if (this.ended) return;
    if (meta?.summary.method === 'initialize' || meta?.summary.method === 'notifications/initialized') this.handshake.push(text);
    if (!this.source) {
      this.headers = { ...this.options.forwardHeaders?.(meta?.http), ...this.options.headers };
      this.connect();
    }
    if (this.endpoint) void this.post(text, meta);
    else this.queue.push({ text, meta });
  }

  private connect(): void {
    const headers = this.headers;
    const source = new EventSource(this.options.url, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }),
    });
    this.source = source;
    this.timer = setTimeout(() => {
      if (!this.endpoint) this.finish({ reason: `the upstream ${this.shownUrl} sent no endpoint event within ${this.options.connectTimeoutMs ?? 10_000} ms` });
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
      for (const item of queued) void this.post(item.text, item.meta);
    });
    source.addEventListener('open', () => (this.errorsSinceOpen = 0));
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
      this.owed.received(event.data);
      this.onmessage?.(event.data);
    });
    source.addEventListener('error', (event) => {
      // Before a first endpoint there is no session to come back to: say why at once, not after a timeout.
      if (!this.endpoint) return this.finish({ reason: `the upstream SSE stream ${this.shownUrl} could not be opened: ${event.message ?? event.code ?? 'error'}` });
      // The answers the old session owed would have come on that stream: they never will.
      this.owed.failAll((text) => (this.onunanswered ?? this.ondeliveryfailed)?.(text, `the upstream SSE stream ${this.shownUrl} dropped (a legacy SSE session cannot be resumed)`));
      const max = this.options.maxReconnects ?? 5;
      // EventSource retries on its own (after the server's retry: delay); a CLOSED source will not come back.
      if (source.readyState === EventSource.CLOSED) return this.finish({ reason: `the upstream SSE stream ${this.shownUrl} failed: ${event.message ?? event.code ?? 'closed'}` });
      if (++this.errorsSinceOpen > max) return this.finish({ reason: `the upstream SSE stream ${this.shownUrl} dropped and ${max} attempts to reopen it failed: ${event.message ?? event.code ?? 'error'}` });
      this.logger.debug(`upstream SSE stream interrupted: ${event.message ?? ''}`);
    });
  }

  /** POSTs a message; `meta` when it is the client's (a request is then owed an answer on the stream). */
  private async post(text: string, meta?: SendMeta): Promise<void> {
    this.owed.sent(text, meta);
    try {
      const res = await fetch(this.endpoint!, { method: 'POST', headers: { ...this.headers, 'content-type': 'application/json' }, body: text });
      const body = await res.text();
      if (!res.ok) this.undelivered(text, meta, `upstream answered ${res.status} ${res.statusText}${body ? `: ${body.slice(0, 200)}` : ''}`);
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      this.undelivered(text, meta, `upstream ${this.endpoint?.origin} is unreachable: ${cause}`);
    }
  }

  private undelivered(text: string, meta: SendMeta | undefined, reason: string): void {
    this.owed.forget(meta);
    this.ondeliveryfailed?.(text, reason);
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
