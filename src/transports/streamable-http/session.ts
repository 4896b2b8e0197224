/**
 * One client session of the Streamable HTTP transport, seen from the proxy's server side.
 * Every POST that carries requests gets its own SSE stream; answers go back on the stream of the
 * request they answer, progress on the stream of the request it reports on, everything else on
 * the session's GET stream. Every event has a resumable id; a client that comes back with
 * `Last-Event-ID` gets what it missed on that stream, then the rest live.
 */
import type { ServerResponse } from 'node:http';
import { idKey, summarize, type JsonRpcId, type MessageSummary } from '../../core/jsonrpc.js';
import type { HttpMeta } from '../../core/context.js';
import type { EventTracker } from '../../session/event-tracker.js';
import type { CloseInfo, SendMeta, Transport } from '../transport.js';
import { SseStream } from '../http/sse.js';

/** The standalone stream a client opens with GET. */
const GET_STREAM = 'g';
/** Messages kept for a GET stream the client has not opened yet. */
const GET_BACKLOG_LIMIT = 256;

interface Stream {
  sse?: SseStream;
  /** Requests (by idKey) whose answers this stream still owes. */
  pending: Set<string>;
}

export interface IncomingMessage {
  text: string;
  summary: MessageSummary;
}

export class StreamableHttpSession implements Transport {
  readonly kind = 'streamable-http' as const;
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  /** Told when the session ends, whoever ended it (the endpoint forgets it then). */
  onended?: () => void;
  private readonly streams = new Map<string, Stream>();
  private readonly requestStream = new Map<string, string>();
  private backlog: { id: string; text: string }[] = [];
  private nextStream = 1;
  private closed = false;

  constructor(
    readonly sessionId: string,
    private readonly events: EventTracker,
  ) {}

  async start(): Promise<void> {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** A POST's messages: requests open an SSE stream for their answers; the rest get 202. */
  acceptPost(messages: IncomingMessage[], res: ServerResponse, http: HttpMeta): void {
    const requests = messages.filter((m) => m.summary.kind === 'request');
    if (requests.length === 0) {
      res.writeHead(202, { 'mcp-session-id': this.sessionId }).end();
    } else {
      const streamId = `p${this.nextStream++}`;
      const sse = new SseStream(res, { 'mcp-session-id': this.sessionId });
      const stream: Stream = { sse, pending: new Set(requests.map((r) => idKey(r.summary.id))) };
      this.streams.set(streamId, stream);
      for (const key of stream.pending) this.requestStream.set(key, streamId);
      // A client that goes away mid-stream may come back with Last-Event-ID: keep the stream's state.
      sse.onclose = () => {
        if (stream.sse === sse) stream.sse = undefined;
      };
    }
    for (const message of messages) this.onmessage?.(message.text, { http });
  }

  /** A GET: the standalone stream, or the resumption of any stream after `lastEventId`. */
  openGet(res: ServerResponse, lastEventId?: string): { status: number; message: string } | undefined {
    const resumed = lastEventId ? this.events.after(this.sessionId, lastEventId) : undefined;
    const streamId = resumed?.streamId ?? GET_STREAM;
    const existing = this.streams.get(streamId);
    if (streamId === GET_STREAM && existing?.sse?.open) {
      return { status: 409, message: 'Conflict: this session already has an open GET stream' };
    }
    const sse = new SseStream(res, { 'mcp-session-id': this.sessionId });
    const stream: Stream = existing ?? { pending: new Set() };
    stream.sse = sse;
    this.streams.set(streamId, stream);
    sse.onclose = () => {
      if (stream.sse === sse) stream.sse = undefined;
    };
    if (resumed) {
      for (const event of resumed.events) sse.send(event.data, event.id);
    } else {
      const backlog = this.backlog;
      this.backlog = [];
      for (const event of backlog) sse.send(event.text, event.id);
    }
    // A request stream whose answers were all sent (and replayed) is finished.
    if (streamId !== GET_STREAM && stream.pending.size === 0) this.finishStream(streamId, stream);
    return undefined;
  }

  send(text: string, meta?: SendMeta): void {
    if (this.closed) return;
    const summary = meta?.summary ?? summarize(JSON.parse(text));
    const streamId = this.streamFor(summary, meta?.relatedRequestId);
    const eventId = this.events.track(this.sessionId, streamId, text);
    const stream = this.streams.get(streamId);
    if (stream?.sse?.open) {
      stream.sse.send(text, eventId);
    } else if (streamId === GET_STREAM) {
      this.backlog.push({ id: eventId, text });
      if (this.backlog.length > GET_BACKLOG_LIMIT) this.backlog.shift();
    }
    if ((summary.kind === 'response' || summary.kind === 'error') && stream) {
      const key = idKey(summary.id);
      stream.pending.delete(key);
      this.requestStream.delete(key);
      if (stream.pending.size === 0 && streamId !== GET_STREAM) this.finishStream(streamId, stream);
    }
  }

  private streamFor(summary: MessageSummary, related: JsonRpcId | undefined): string {
    if (summary.kind === 'response' || summary.kind === 'error') return this.requestStream.get(idKey(summary.id)) ?? GET_STREAM;
    if (related !== undefined) return this.requestStream.get(idKey(related)) ?? GET_STREAM;
    return GET_STREAM;
  }

  /** Ends a request stream once it owes nothing; its events stay in the buffer for resumption. */
  private finishStream(streamId: string, stream: Stream): void {
    stream.sse?.end();
    if (!stream.sse?.open) this.streams.delete(streamId);
  }

  async close(info: CloseInfo = { reason: 'session closed by the proxy' }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stream of this.streams.values()) stream.sse?.end();
    this.streams.clear();
    this.requestStream.clear();
    this.backlog = [];
    this.events.free(this.sessionId);
    this.onended?.();
    this.onclose?.(info);
  }
}
