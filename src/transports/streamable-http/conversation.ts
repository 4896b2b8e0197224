/**
 * One modern (2026-07-28) conversation on the proxy's Streamable HTTP endpoint, seen from the
 * proxy's server side: no session and no initialize, every POST self-contained. Each request
 * POST gets its own SSE stream, which carries what belongs to that request (its progress, its
 * log messages, a listen stream's notifications) and ends with its answer; a POST of
 * notifications or responses gets 202. A client that closes a request's stream has given up on
 * it: the upstream is told with `notifications/cancelled` (for `subscriptions/listen`, that is how
 * a stream is closed).
 */
import type { ServerResponse } from 'node:http';
import type { HttpMeta } from '../../core/context.js';
import { META } from '../../core/era.js';
import { idKey, isObject, summarize, type JsonRpcId } from '../../core/jsonrpc.js';
import { SseStream } from '../http/sse.js';
import type { CloseInfo, SendMeta, Transport } from '../../core/transport.js';
import type { IncomingMessage as PostedMessage } from './session.js';

/** As for a session's POST streams: an answer ready by then leaves with the headers in one write. */
const HEADER_DELAY_MS = 20;

interface OpenRequest {
  id: JsonRpcId;
  sse: SseStream;
  /** The request's own `_meta` (the cancellation the proxy sends on its behalf carries it too). */
  meta?: unknown;
}

export class ModernConversation implements Transport {
  readonly kind = 'streamable-http' as const;
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  private readonly open = new Map<string, OpenRequest>();
  private closed = false;

  constructor(readonly id: string) {}

  async start(): Promise<void> {}

  get openRequests(): number {
    return this.open.size;
  }

  /** Whether a request with this id is still open (a second client reusing it is another conversation). */
  has(id: JsonRpcId | undefined): boolean {
    return this.open.has(idKey(id));
  }

  /** One POST's messages (already checked by the endpoint): requests open a stream, the rest get 202. */
  acceptPost(messages: PostedMessage[], res: ServerResponse, http: HttpMeta): void {
    const requests = messages.filter((m) => m.summary.kind === 'request');
    if (requests.length === 0) {
      res.writeHead(202).end();
    } else {
      const sse = new SseStream(res, {}, { headerDelayMs: HEADER_DELAY_MS });
      for (const request of requests) {
        const key = idKey(request.summary.id);
        const entry: OpenRequest = { id: request.summary.id ?? null, sse, meta: isObject(request.parsed) && isObject(request.parsed.params) ? request.parsed.params._meta : undefined };
        this.open.set(key, entry);
      }
      sse.onclose = () => this.streamClosed(sse, http);
    }
    for (const message of messages) {
      // The client cancelling a request itself: the stream closing after it is no second cancellation.
      if (message.summary.method === 'notifications/cancelled' && isObject(message.parsed) && isObject(message.parsed.params)) {
        const requestId = message.parsed.params.requestId;
        if (typeof requestId === 'string' || typeof requestId === 'number') this.open.delete(idKey(requestId));
      }
      this.onmessage?.(message.text, { http, parsed: message.parsed });
    }
  }

  /** The client went away from a stream whose requests are unanswered: each is cancelled upstream. */
  private streamClosed(sse: SseStream, http: HttpMeta): void {
    for (const [key, entry] of this.open) {
      if (entry.sse !== sse) continue;
      this.open.delete(key);
      if (this.closed) continue;
      const params: Record<string, unknown> = { requestId: entry.id, reason: 'the client closed the stream' };
      if (entry.meta !== undefined) params._meta = entry.meta;
      this.onmessage?.(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params }), { http });
    }
  }

  send(text: string, meta?: SendMeta): void {
    if (this.closed) return;
    const summary = meta?.summary ?? summarize(JSON.parse(text));
    const key = this.streamKeyFor(summary, text, meta?.relatedRequestId);
    const entry = key === undefined ? undefined : this.open.get(key);
    if (!entry) return; // nothing on the wire is waiting for it (modern HTTP has no stream for unsolicited messages)
    entry.sse.send(text);
    if ((summary.kind === 'response' || summary.kind === 'error') && key === idKey(summary.id)) {
      this.open.delete(key);
      if (![...this.open.values()].some((e) => e.sse === entry.sse)) entry.sse.end();
    }
  }

  private streamKeyFor(summary: ReturnType<typeof summarize>, text: string, related: JsonRpcId | undefined): string | undefined {
    if (summary.kind === 'response' || summary.kind === 'error') return idKey(summary.id);
    if (related !== undefined) return idKey(related);
    // A listen stream's notifications name it by its subscription id (the listen request's id).
    if (text.includes(META.subscriptionId)) {
      const message: unknown = JSON.parse(text);
      const subscription = isObject(message) && isObject(message.params) && isObject(message.params._meta) ? message.params._meta[META.subscriptionId] : undefined;
      if (typeof subscription === 'string' || typeof subscription === 'number') return idKey(subscription);
    }
    // A log message for the one open request that asked for logs.
    if (summary.method === 'notifications/message') {
      const asking = [...this.open.entries()].filter(([, e]) => isObject(e.meta) && e.meta[META.logLevel] !== undefined);
      if (asking.length === 1) return asking[0]![0];
    }
    return undefined;
  }

  async close(info: CloseInfo = { reason: 'conversation closed by the proxy' }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const entry of this.open.values()) entry.sse.end();
    this.open.clear();
    this.onclose?.(info);
  }
}
