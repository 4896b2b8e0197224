/**
 * Turns FrameEvents into tape frames. Events are queued as they are and written in batches (one
 * SQLite transaction each) on a short timer, so the message path only pays for an array push:
 * redaction and building the row happen in the batch, off the message path; a full queue is
 * written at once, which keeps it bounded. `flush()` is synchronous, so it is safe to call from
 * exit and signal handlers.
 */
import type { FrameEvent } from '../core/context.js';
import { envelopeOf, serverInfoOf } from '../core/era.js';
import { isObject, type JsonValue } from '../core/jsonrpc.js';
import { Redactor } from './redact.js';
import type { TapeStore } from './store.js';
import type { NewFrame, TapeInfo } from './types.js';

/**
 * A tape made only once the conversation is more than a `server/discover` probe. An SDK client on
 * stdio probes on a sibling process of the server, which mcp-tap (being the command the client
 * runs) sees as a recording of its own: that one must neither take the tape's name nor become a
 * tape. Its frames are kept as a probe, and the tape of the same upstream adopts them.
 */
export interface DeferredTape {
  create(): TapeInfo;
  upstream: TapeInfo['upstream'];
  transport: string;
}

/** How far back a tape looks for its sibling probe. */
const PROBE_WINDOW_MS = 120_000;

export interface TapeRecorderOptions {
  redactor?: Redactor;
  /**
   * How long a frame may wait in the queue. Default 100 ms: each commit writes whole pages to
   * the WAL however few frames it holds, so fewer commits cost less CPU (bench/RESULTS.md), and
   * every orderly exit flushes; only a kill -9 can lose the last interval's frames.
   */
  flushIntervalMs?: number;
  /** Queue length that triggers an immediate write. Default 512. */
  maxQueue?: number;
  /** performance.now() at which the tape's clock starts. Default: now. */
  startedAt?: number;
  /** Called when a write fails; the frames stay queued and are retried. */
  onError?: (error: Error) => void;
}

export class TapeRecorder {
  /** Events not yet turned into frames (redaction is deferred to the batch, see toFrame). */
  private queue: FrameEvent[] = [];
  /** Frames built by a batch whose write failed, kept (in order, before the queue) for the retry. */
  private retry: NewFrame[] = [];
  private timer?: NodeJS.Timeout;
  private nextSeq = 1;
  private info?: TapeInfo;
  private readonly deferred?: DeferredTape;
  /**
   * While the conversation is only a probe: its frames so far, kept in the store as they come (a
   * client ends its probe process with SIGKILL soon after SIGTERM, so waiting for the exit loses
   * it), and the probe row that holds them.
   */
  private probe?: { frames: NewFrame[]; rowId?: number };
  /** The conversation has shown it is more than a probe (a client message other than server/discover). */
  private conversing = false;
  private readonly startedWall = new Date();
  private readonly redactor: Redactor;
  private readonly startedAt: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private closed = false;
  /** Frames written so far, for summaries. */
  written = 0;

  constructor(
    readonly store: TapeStore,
    tape: TapeInfo | DeferredTape,
    private readonly options: TapeRecorderOptions = {},
  ) {
    this.redactor = options.redactor ?? new Redactor();
    this.startedAt = options.startedAt ?? performance.now();
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.maxQueue = options.maxQueue ?? 512;
    if ('create' in tape) this.deferred = tape;
    else this.opened(tape);
  }

  /** The tape (made now, if it was deferred). */
  get tape(): TapeInfo {
    if (!this.info) {
      this.opened(this.deferred!.create());
      this.adoptProbes();
    }
    return this.info!;
  }

  /** The tape's name, once there is one. */
  get tapeName(): string | undefined {
    return this.info?.name;
  }

  /** The tape, once there is one (unlike `tape`, never makes a deferred one). */
  get openedTape(): TapeInfo | undefined {
    return this.info;
  }

  /** True when the conversation so far was only a probe, so it was kept for the recording that follows. */
  keptAsProbe = false;

  private opened(tape: TapeInfo): void {
    this.info = tape;
    this.nextSeq = this.store.lastSeq(tape.id) + 1;
  }

  /** Writes the sibling probes of this upstream (that no other tape took) as sessions of this tape. */
  private adoptProbes(): void {
    if (!this.deferred) return;
    const since = new Date(this.startedWall.getTime() - PROBE_WINDOW_MS).toISOString();
    for (const probe of this.store.takeProbes(this.deferred.upstream, since)) {
      const shift = new Date(probe.startedAt).getTime() - this.startedWall.getTime();
      const frames = probe.frames.map((f) => ({ ...f, tMs: Math.max(0, f.tMs + shift), flags: [...f.flags, 'probe'] }));
      this.store.appendFrames(this.info!.id, String(this.info!.transport), frames, this.nextSeq);
      this.nextSeq += frames.length;
      this.written += frames.length;
    }
  }

  get queued(): number {
    return this.retry.length + this.queue.length;
  }

  record(event: FrameEvent): void {
    if (this.closed) return;
    // Only what initialize reveals is needed now (rare); everything else waits for the batch.
    // The event's text and parsed message are not changed after they are reported, so redacting
    // them later gives the same frame.
    this.queue.push(event);
    if (!this.conversing && !isProbeFrame(event)) this.conversing = true;
    this.noteSessionInfo(event);
    // What a probe revealed (an in-place server/discover) goes on the tape once there is one.
    if (this.conversing && this.pendingInfo.length > 0) for (const [e, session, tape] of this.pendingInfo.splice(0)) this.writeInfo(e, session, tape);
    if (this.queued >= this.maxQueue) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushIntervalMs);
  }

  /** The tape frame for an event: redacted (a copy; the event is not touched). Runs in the batch. */
  private toFrame(event: FrameEvent): NewFrame {
    let redaction: { value: unknown; paths: string[] };
    try {
      redaction = this.redactor.redact(event.message, event.text);
    } catch (error) {
      // Runs from a timer, where a throw would end the process; a message that could not be
      // redacted is not written in clear either.
      return { ...this.rowOf(event, `[REDACTED: redaction failed: ${error instanceof Error ? error.message : String(error)}]`, undefined, []), flags: [...event.flags, 'redaction-failed'] };
    }
    const { value, paths } = redaction;
    const message = value === event.message ? event.text : JSON.stringify(value);
    let original = event.original;
    if (original !== undefined) {
      try {
        const parsed: unknown = JSON.parse(original);
        const redacted = this.redactor.redact(parsed, original);
        if (redacted.value !== parsed) original = JSON.stringify(redacted.value);
      } catch {
        // Not JSON: kept as received (nothing structured to redact).
      }
    }
    return this.rowOf(event, message, original, paths);
  }

  private rowOf(event: FrameEvent, message: string, original: string | undefined, paths: string[]): NewFrame {
    const summary = event.summary;
    return {
      sessionKey: event.sessionId,
      tMs: Math.max(0, event.at - this.startedAt),
      direction: event.direction,
      kind: summary.kind,
      method: summary.method ?? event.requestMethod,
      id: summary.hasId ? JSON.stringify(summary.id) : undefined,
      message,
      original,
      action: event.action,
      latencyMs: event.latencyMs,
      flags: event.flags,
      note: event.note,
      redacted: paths,
    };
  }

  /** Writes everything queued. Synchronous. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queued === 0) return;
    // A deferred tape waits until the conversation is more than a probe; meanwhile the probe is kept.
    if (!this.info && !this.conversing) return this.keepProbe();
    const events = this.queue;
    this.queue = [];
    let batch = this.retry.length === 0 ? events.map((e) => this.toFrame(e)) : this.retry.concat(events.map((e) => this.toFrame(e)));
    this.retry = [];
    if (this.probe) {
      // A probe made in place, then the conversation went on: its frames belong to this tape.
      batch = this.probe.frames.concat(batch);
      if (this.probe.rowId !== undefined) this.forgetProbe(this.probe.rowId);
      this.probe = undefined;
    }
    try {
      const tape = this.tape;
      this.store.appendFrames(tape.id, String(tape.transport), batch, this.nextSeq);
      this.nextSeq += batch.length;
      this.written += batch.length;
    } catch (error) {
      // Keep the frames: a locked store may be free on the next try, and nothing is dropped.
      this.retry = batch;
      this.options.onError?.(error as Error);
      if (!this.closed) this.timer = setTimeout(() => this.flush(), 250);
    }
  }

  /** Flushes and marks the tape ended. */
  close(): void {
    if (this.closed) return;
    const clientSpoke = this.queue.some((e) => e.direction === 'c2s') || !!this.probe?.frames.some((f) => f.direction === 'c2s');
    if (!this.info && !this.conversing && clientSpoke) {
      this.closed = true;
      this.keepProbe();
      if (this.probe?.rowId !== undefined) this.keptAsProbe = true;
      return;
    }
    if (!this.info) this.conversing = true; // nothing but the server's own output: a tape all the same
    this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      // A probe that finished after this tape began is adopted now.
      if (this.deferred) this.adoptProbes();
      this.store.updateTape(this.tape.id, { endedAt: new Date().toISOString() });
    } catch (error) {
      this.options.onError?.(error as Error);
    }
  }

  /** Writes the probe's frames so far to the store (replacing what it kept before). */
  private keepProbe(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const probe = (this.probe ??= { frames: [] });
    if (this.queue.length > 0) {
      probe.frames.push(...this.queue.map((e) => this.toFrame(e)));
      this.queue = [];
    }
    if (probe.frames.length === 0) return;
    try {
      probe.rowId = this.store.saveProbe(this.deferred!.upstream, this.startedWall.toISOString(), probe.frames, probe.rowId);
    } catch (error) {
      this.options.onError?.(error as Error);
    }
  }

  private forgetProbe(rowId: number): void {
    try {
      this.store.dropProbe(rowId);
    } catch (error) {
      this.options.onError?.(error as Error);
    }
  }

  /**
   * Keeps the tape's and session's protocol version and client/server info: as initialize reveals
   * them (2025), or (2026-07-28) from the first request's `_meta` envelope and the first result
   * that names the server (its `_meta` serverInfo, or the server/discover result).
   */
  private noteSessionInfo(event: FrameEvent): void {
    if (!isObject(event.message)) return;
    if (this.noteModernInfo(event)) return;
    const isInitRequest = event.summary.kind === 'request' && event.summary.method === 'initialize';
    const isInitResponse = event.summary.kind === 'response' && event.requestMethod === 'initialize';
    if (!isInitRequest && !isInitResponse) return;
    // The info is stored redacted, like the frame (only these two messages pay for it here).
    const message = this.redactor.redact(event.message, event.text).value;
    if (!isObject(message)) return;
    this.flush(); // the session row must exist before it is updated
    const sessionId = this.store.sessionRow(this.tape.id, event.sessionId, String(this.tape.transport));
    if (isInitRequest && isObject(message.params)) {
      const p = message.params;
      this.store.updateTape(this.tape.id, { clientInfo: p.clientInfo });
      this.store.updateSession(sessionId, { clientInfo: p.clientInfo, clientCapabilities: p.capabilities, protocolVersion: str(p.protocolVersion) });
    } else if (isInitResponse && isObject(message.result)) {
      const r = message.result;
      this.store.updateTape(this.tape.id, { serverInfo: r.serverInfo, protocolVersion: str(r.protocolVersion) });
      this.store.updateSession(sessionId, { serverInfo: r.serverInfo, serverCapabilities: r.capabilities, protocolVersion: str(r.protocolVersion) });
    }
  }

  /** Conversations whose session info is known already (modern info is noted once per conversation and side). */
  private readonly noted = new Set<string>();

  /** The modern half of noteSessionInfo; true when the event was a modern message it looked at. */
  private noteModernInfo(event: FrameEvent): boolean {
    const { summary } = event;
    if (summary.kind === 'request' && event.direction === 'c2s') {
      const envelope = envelopeOf(event.message);
      if (!envelope) return false;
      const key = `c\u0000${event.sessionId}`;
      if (this.noted.has(key) || (!envelope.clientInfo && !envelope.protocolVersion)) return true;
      this.noted.add(key);
      const redacted = envelopeOf(this.redactor.redact(event.message, event.text).value) ?? envelope;
      this.sessionUpdate(event, { clientInfo: redacted.clientInfo, clientCapabilities: redacted.clientCapabilities, protocolVersion: redacted.protocolVersion }, { clientInfo: redacted.clientInfo, protocolVersion: redacted.protocolVersion });
      return true;
    }
    if (summary.kind !== 'response' || event.direction !== 's2c' || !isObject(event.message) || !isObject(event.message.result)) return false;
    const key = `s\u0000${event.sessionId}`;
    if (this.noted.has(key)) return serverInfoOf(event.message) !== undefined;
    const result = event.message.result;
    const discovered = event.requestMethod === 'server/discover';
    const info = serverInfoOf(event.message) ?? (discovered && isObject(result.serverInfo) ? result.serverInfo : undefined);
    if (!info) return false;
    this.noted.add(key);
    const redacted = this.redactor.redact(event.message, event.text).value;
    const redactedResult = isObject(redacted) && isObject(redacted.result) ? redacted.result : result;
    const serverInfo = serverInfoOf(redacted) ?? (isObject(redactedResult.serverInfo) ? redactedResult.serverInfo : info);
    this.sessionUpdate(event, { serverInfo, serverCapabilities: discovered ? redactedResult.capabilities : undefined }, { serverInfo });
    return true;
  }

  private sessionUpdate(event: FrameEvent, session: Parameters<TapeStore['updateSession']>[1], tape: Parameters<TapeStore['updateTape']>[1]): void {
    // Until the conversation is more than a probe there is no tape to note it on; the probe's own
    // frames still carry it.
    if (!this.info && !this.conversing) this.pendingInfo.push([event, session, tape]);
    else this.writeInfo(event, session, tape);
  }

  private pendingInfo: [FrameEvent, Parameters<TapeStore['updateSession']>[1], Parameters<TapeStore['updateTape']>[1]][] = [];

  private writeInfo(event: FrameEvent, session: Parameters<TapeStore['updateSession']>[1], tape: Parameters<TapeStore['updateTape']>[1]): void {
    this.flush(); // the session row must exist before it is updated
    const tapeInfo = this.tape;
    const sessionId = this.store.sessionRow(tapeInfo.id, event.sessionId, String(tapeInfo.transport));
    this.store.updateTape(tapeInfo.id, tape);
    this.store.updateSession(sessionId, session);
  }
}

/** A frame that may belong to a probe-only conversation: server/discover, and whatever the server says. */
function isProbeFrame(event: FrameEvent): boolean {
  return event.direction === 's2c' || (event.summary.kind === 'request' && event.summary.method === 'server/discover');
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
