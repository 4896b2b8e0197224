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
import { parseEventId, type EventLog, type TrackedEvent } from '../../session/event-tracker.js';
import type { CloseInfo, SendMeta, Transport } from '../../core/transport.js';
import { SseStream } from '../http/sse.js';

/** The standalone stream a client opens with GET (prefixed by the process tag, if any). */
const GET_STREAM = 'g';
/** Messages kept for a GET stream the client has not opened yet. */
const GET_BACKLOG_LIMIT = 256;
/**
 * How long a POST's stream holds its headers back: an answer ready by then leaves with them in
 * one write (one syscall per request instead of two); a slower one finds the stream already open.
 */
const POST_HEADER_DELAY_MS = 20;

interface Stream {
  sse?: SseStream;
  /** Requests (by idKey) whose answers this stream still owes. */
  pending: Set<string>;
}

export interface IncomingMessage {
  text: string;
  summary: MessageSummary;
  /** `JSON.parse(text)`, when the endpoint has it (the pipeline then need not parse again). */
  parsed?: unknown;
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
  private readonly getStream: string;
  /** Stops following streams owned by other processes. */
  private readonly unfollow = new Set<() => void>();

  /**
   * `tag` makes stream ids unique across proxy processes sharing an event log, so an id names
   * the process that owns its stream.
   */
  constructor(
    readonly sessionId: string,
    private readonly events: EventLog,
    private readonly tag = '',
  ) {
    this.getStream = `${tag}${GET_STREAM}`;
  }

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
      const streamId = `${this.tag}p${this.nextStream++}`;
      const sse = new SseStream(res, { 'mcp-session-id': this.sessionId }, { headerDelayMs: POST_HEADER_DELAY_MS });
      const stream: Stream = { sse, pending: new Set(requests.map((r) => idKey(r.summary.id))) };
      this.streams.set(streamId, stream);
      for (const key of stream.pending) this.requestStream.set(key, streamId);
      // A client that goes away mid-stream may come back with Last-Event-ID: keep the stream's state.
      sse.onclose = () => {
        if (stream.sse === sse) stream.sse = undefined;
      };
    }
    for (const message of messages) this.onmessage?.(message.text, { http, parsed: message.parsed });
  }

  /** A GET: the standalone stream, or the resumption of any stream after `lastEventId`. */
  async openGet(res: ServerResponse, lastEventId?: string): Promise<{ status: number; message: string } | undefined> {
    const resumed = lastEventId ? await this.events.after(this.sessionId, lastEventId) : undefined;
    const streamId = resumed?.streamId ?? this.getStream;
    const existing = this.streams.get(streamId);
    if (streamId === this.getStream && existing?.sse?.open) {
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
    if (resumed && !existing && this.events.follow && !streamId.startsWith(this.tag || '\u0000')) {
      await this.followForeignStream(sse, streamId, resumed.events.at(-1)?.id ?? lastEventId!);
      return undefined;
    }
    // A request stream whose answers were all sent (and replayed) is finished.
    if (streamId !== this.getStream && stream.pending.size === 0) this.finishStream(streamId, stream);
    return undefined;
  }

  /**
   * Another process owns this stream (the client came back to a different proxy): after the
   * replay, relay what that process still sends, live, in order and without repeats.
   */
  private async followForeignStream(sse: SseStream, streamId: string, lastSentId: string): Promise<void> {
    let last = parseEventId(lastSentId)?.n ?? 0;
    const deliver = (event: TrackedEvent) => {
      const n = parseEventId(event.id)?.n ?? 0;
      if (n <= last) return;
      last = n;
      sse.send(event.data, event.id);
    };
    let held: TrackedEvent[] | undefined = [];
    const stop = await this.events.follow!(this.sessionId, streamId, (event) => (held ? held.push(event) : deliver(event)));
    this.unfollow.add(stop);
    sse.onclose = () => {
      stop();
      this.unfollow.delete(stop);
    };
    // What arrived between the replay and the subscription, then what arrived while catching up.
    const caughtUp = await this.events.after(this.sessionId, lastSentId);
    for (const event of caughtUp?.events ?? []) deliver(event);
    for (const event of held.sort((a, b) => (parseEventId(a.id)?.n ?? 0) - (parseEventId(b.id)?.n ?? 0))) deliver(event);
    held = undefined;
  }

  send(text: string, meta?: SendMeta): void {
    if (this.closed) return;
    const summary = meta?.summary ?? summarize(JSON.parse(text));
    const streamId = this.streamFor(summary, meta?.relatedRequestId);
    const eventId = this.events.track(this.sessionId, streamId, text);
    const stream = this.streams.get(streamId);
    const sse = stream?.sse?.open ? stream.sse : undefined;
    // The last answer a stream owes and the stream's end leave in one write (end() uncorks).
    sse?.res.cork();
    try {
      if (sse) {
        sse.send(text, eventId);
      } else if (streamId === this.getStream) {
        this.backlog.push({ id: eventId, text });
        if (this.backlog.length > GET_BACKLOG_LIMIT) this.backlog.shift();
      }
      if ((summary.kind === 'response' || summary.kind === 'error') && stream) {
        const key = idKey(summary.id);
        stream.pending.delete(key);
        this.requestStream.delete(key);
        if (stream.pending.size === 0 && streamId !== this.getStream) this.finishStream(streamId, stream);
      }
    } finally {
      sse?.res.uncork();
    }
  }

  private streamFor(summary: MessageSummary, related: JsonRpcId | undefined): string {
    if (summary.kind === 'response' || summary.kind === 'error') return this.requestStream.get(idKey(summary.id)) ?? this.getStream;
    if (related !== undefined) return this.requestStream.get(idKey(related)) ?? this.getStream;
    return this.getStream;
  }

  /** Ends a request stream once it owes nothing; its events stay in the buffer for resumption. */
  private finishStream(streamId: string, stream: Stream): void {
    stream.sse?.end();
    if (!stream.sse?.open) this.streams.delete(streamId);
  }

  async close(info: CloseInfo = { reason: 'session closed by the proxy' }): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.unfollow) stop();
    this.unfollow.clear();
    for (const stream of this.streams.values()) stream.sse?.end();
    this.streams.clear();
    this.requestStream.clear();
    this.backlog = [];
    this.events.free(this.sessionId);
    this.onended?.();
    this.onclose?.(info);
  }
}
