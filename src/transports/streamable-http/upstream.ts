/**
 * The proxy as a Streamable HTTP client of the upstream server: each message is POSTed; answers
 * come back as JSON or as an SSE stream relayed event by event; after initialization a GET
 * stream carries the server's own messages. A stream that drops before its answer is resumed
 * with `Last-Event-ID`. Connections are pooled by Node's fetch (keep-alive per origin).
 */
import { idKey, summarize, type JsonRpcId } from '../../core/jsonrpc.js';
import type { HttpMeta } from '../../core/context.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { readSse } from '../http/sse-reader.js';
import type { CloseInfo, SendMeta, Transport } from '../transport.js';

export interface StreamableHttpUpstreamOptions {
  url: string;
  /** Headers sent with every upstream request (e.g. from --header). */
  headers?: Record<string, string>;
  /** The client headers to pass on for a message (the HTTP policy decides). */
  forwardHeaders?: (http: HttpMeta | undefined) => Record<string, string>;
  logger?: Logger;
  /** Resumption attempts for a dropped stream before giving up. Default 5. */
  maxReconnects?: number;
  /** First reconnection delay, doubled each time. Default 250 ms. */
  reconnectDelayMs?: number;
}

const preview = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}...` : text);

export class StreamableHttpUpstream implements Transport {
  readonly kind = 'streamable-http' as const;
  onmessage?: Transport['onmessage'];
  ondeliveryfailed?: Transport['ondeliveryfailed'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  /** The upstream's session id: kept here, never shown to the client. */
  sessionId?: string;
  protocolVersion?: string;
  private initializeKey?: string;
  private readonly answered = new Set<string>();
  private readonly inFlight = new Set<AbortController>();
  private getStreamOpen = false;
  private closed = false;
  private ended = false;
  private readonly logger: Logger;

  constructor(private readonly options: StreamableHttpUpstreamOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async start(): Promise<void> {}

  send(text: string, meta?: SendMeta): void {
    void this.post(text, meta).catch((error: unknown) => this.onerror?.(error as Error));
  }

  private headers(meta: SendMeta | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.forwardHeaders?.(meta?.http), ...this.options.headers, accept };
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  private async post(text: string, meta: SendMeta | undefined): Promise<void> {
    const summary = meta?.summary ?? summarize(JSON.parse(text));
    if (summary.kind === 'request' && summary.method === 'initialize') this.initializeKey = idKey(summary.id);
    const headers = { ...this.headers(meta, 'application/json, text/event-stream'), 'content-type': 'application/json' };
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      let res: Response;
      try {
        res = await fetch(this.options.url, { method: 'POST', headers, body: text, signal: controller.signal });
      } catch (error) {
        if (!this.closed) this.ondeliveryfailed?.(text, `upstream ${this.options.url} is unreachable: ${causeOf(error)}`);
        return;
      }
      const sessionId = res.headers.get('mcp-session-id');
      if (sessionId && !this.sessionId) this.sessionId = sessionId;
      if (res.status === 404 && this.sessionId) {
        await res.body?.cancel();
        this.ondeliveryfailed?.(text, 'the upstream session has expired (404 Not Found)');
        this.finish({ reason: 'the upstream session expired (404 Not Found)', exitCode: 1 });
        return;
      }
      if (!res.ok) {
        const body = await res.text().catch(() => '');
        this.ondeliveryfailed?.(text, `upstream answered ${res.status} ${res.statusText}${body ? `: ${preview(body)}` : ''}`);
        return;
      }
      if (res.status === 202 || !res.body) {
        await res.body?.cancel();
        if (summary.method === 'notifications/initialized') this.openGetStream();
        return;
      }
      const related = summary.kind === 'request' ? summary.id : undefined;
      if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
        await this.relayStream(res.body, related, summary.kind === 'request' ? idKey(summary.id) : undefined);
      } else {
        this.relayJson(await res.text());
      }
    } finally {
      this.inFlight.delete(controller);
    }
  }

  private relayJson(body: string): void {
    if (body.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      this.received(body); // not JSON: the pipeline flags it as such
      return;
    }
    if (Array.isArray(parsed)) for (const item of parsed) this.received(JSON.stringify(item));
    else this.received(body);
  }

  /**
   * Relays an SSE stream; if it ends before the answer to `awaited` came, resumes it with
   * Last-Event-ID (when the server gave ids) until it does.
   */
  private async relayStream(body: ReadableStream<Uint8Array>, related: JsonRpcId | undefined, awaited: string | undefined): Promise<void> {
    let lastEventId: string | undefined;
    let stream: ReadableStream<Uint8Array> | undefined = body;
    for (let attempt = 0; stream && !this.closed; ) {
      try {
        for await (const event of readSse(stream)) {
          if (event.id) lastEventId = event.id;
          if ((event.event === undefined || event.event === 'message') && event.data) this.received(event.data, related);
        }
      } catch (error) {
        if (this.closed) return;
        this.logger.debug(`upstream stream dropped: ${causeOf(error)}`);
      }
      if (awaited === undefined || this.answered.has(awaited) || !lastEventId || this.closed) break;
      if (attempt++ >= (this.options.maxReconnects ?? 5)) {
        this.logger.warn('upstream stream dropped before its answer and could not be resumed');
        break;
      }
      await delay((this.options.reconnectDelayMs ?? 250) * 2 ** (attempt - 1));
      stream = await this.resume(lastEventId);
    }
    if (awaited) this.answered.delete(awaited);
  }

  private async resume(lastEventId: string): Promise<ReadableStream<Uint8Array> | undefined> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    try {
      const res = await fetch(this.options.url, { method: 'GET', headers: { ...this.headers(undefined, 'text/event-stream'), 'last-event-id': lastEventId }, signal: controller.signal });
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        return undefined;
      }
      return res.body;
    } catch {
      return undefined;
    } finally {
      this.inFlight.delete(controller);
    }
  }

  /** The server's own stream. Optional in the spec: 405 means the server has none. */
  private openGetStream(): void {
    if (this.getStreamOpen || this.closed) return;
    this.getStreamOpen = true;
    void (async () => {
      let lastEventId: string | undefined;
      for (let failures = 0; !this.closed && failures <= (this.options.maxReconnects ?? 5); ) {
        const controller = new AbortController();
        this.inFlight.add(controller);
        try {
          const headers = this.headers(undefined, 'text/event-stream');
          if (lastEventId) headers['last-event-id'] = lastEventId;
          const res = await fetch(this.options.url, { method: 'GET', headers, signal: controller.signal });
          if (res.status === 405 || res.status === 404) {
            await res.body?.cancel();
            return;
          }
          if (!res.ok || !res.body) throw new Error(`GET answered ${res.status}`);
          failures = 0;
          for await (const event of readSse(res.body)) {
            if (event.id) lastEventId = event.id;
            if ((event.event === undefined || event.event === 'message') && event.data) this.received(event.data);
          }
        } catch (error) {
          if (this.closed) return;
          failures++;
          this.logger.debug(`upstream GET stream: ${causeOf(error)}`);
        } finally {
          this.inFlight.delete(controller);
        }
        await delay((this.options.reconnectDelayMs ?? 250) * 2 ** Math.min(failures, 6));
      }
    })().finally(() => {
      this.getStreamOpen = false;
    });
  }

  private received(text: string, related?: JsonRpcId): void {
    if (this.initializeKey !== undefined || related !== undefined) {
      const summary = summarize(safeParse(text));
      if ((summary.kind === 'response' || summary.kind === 'error') && summary.hasId) {
        const key = idKey(summary.id);
        this.answered.add(key);
        if (key === this.initializeKey) {
          this.initializeKey = undefined;
          const version = (safeParse(text) as { result?: { protocolVersion?: unknown } })?.result?.protocolVersion;
          if (typeof version === 'string') this.protocolVersion = version;
        }
      }
    }
    this.onmessage?.(text, related === undefined ? undefined : { relatedRequestId: related });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    if (this.sessionId) {
      // Ending the upstream session is a courtesy; a server may refuse it (405) or be gone.
      await fetch(this.options.url, { method: 'DELETE', headers: this.headers(undefined, 'application/json, text/event-stream'), signal: AbortSignal.timeout(2000) })
        .then((res) => res.body?.cancel())
        .catch(() => undefined);
    }
    this.finish({ reason: 'closed by the proxy', exitCode: 0 });
  }

  private finish(info: CloseInfo): void {
    if (this.ended) return;
    this.ended = true;
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    this.onclose?.(info);
  }
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
