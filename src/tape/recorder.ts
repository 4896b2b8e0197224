/**
 * Turns FrameEvents into tape frames. Events are queued as they are and written in batches (one
 * SQLite transaction each) on a short timer, so the message path only pays for an array push:
 * redaction and building the row happen in the batch, off the message path.
 *
 * The store may be unhappy (locked by another process, a full disk, made read-only) and the
 * proxy must keep flowing all the same, because SQLite's writes are synchronous and block the
 * event loop:
 * - a write waits at most a few milliseconds for a lock (a short busy timeout), then gives up;
 * - a failed write is retried later, backing off, never once per new message;
 * - each timed write takes a bounded chunk of the backlog; the rest follows after a turn of the
 *   event loop;
 * - the backlog is capped in bytes: past the cap new frames are dropped, counted, said once on
 *   stderr, and a frame on the tape marks where and how many.
 * `flush()` writes everything, synchronously, so it is safe to call from exit and signal handlers.
 */
import type { FrameEvent } from '../core/context.js';
import { envelopeOf, META, serverInfoOf } from '../core/era.js';
import { isUnread, mayHold } from '../core/lazy-message.js';
import { isObject, parseOrUndefined, type JsonValue } from '../core/jsonrpc.js';
import { isBusy } from './errors.js';
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
  /** Frames written in one timed transaction at most. Default 250. */
  chunkFrames?: number;
  /** Bytes the backlog may hold while the store cannot be written; past it new frames are dropped. Default 64 MiB. */
  maxBacklogBytes?: number;
  /** How long a timed write waits for another process's lock (ms, blocking). Default 10. */
  busyTimeoutMs?: number;
  /** performance.now() at which the tape's clock starts. Default: now. */
  startedAt?: number;
  /** Called when writing fails in a way the user should hear of; the frames stay queued and are retried. */
  onError?: (error: Error) => void;
  /** Called once, when the backlog first overflows and frames start being dropped. */
  onDrop?: (info: { frames: number; bytes: number; limit: number }) => void;
  /** Called when the store takes writes again after failing. */
  onRecovered?: (info: { written: number; dropped: number }) => void;
}

export const DEFAULT_MAX_BACKLOG_BYTES = 64 * 1024 * 1024;
/** How long the final flush waits for a lock: the process is ending, and the frames matter more than a pause. */
const FINAL_BUSY_TIMEOUT_MS = 2000;
/** A lock held this long is worth telling the user about (shorter ones are other proxies writing). */
const LOCK_WARNING_MS = 2000;
const FIRST_BACKOFF_MS = 25;
const MAX_BACKOFF_MS = 2000;
/** Bytes of text that end a chunk early (a few big answers are a chunk of their own). */
const CHUNK_BYTES = 1024 * 1024;

/** What initialize (or a modern envelope) revealed about a session, written with the frames of a batch. */
interface SessionInfo {
  sessionKey: string;
  session: Parameters<TapeStore['updateSession']>[1];
  tape: Parameters<TapeStore['updateTape']>[1];
}

/** Frames dropped in a row while the backlog was full: a marker on the tape says so. */
interface Gap {
  sessionId: string;
  transport: FrameEvent['transport'];
  at: number;
  frames: number;
  bytes: number;
}

export class TapeRecorder {
  /** Events not yet turned into frames (redaction is deferred to the batch, see toFrame). */
  private queue: FrameEvent[] = [];
  /** Frames built by a batch whose write failed, kept (in order, before the queue) for the retry. */
  private retry: NewFrame[] = [];
  private infos: SessionInfo[] = [];
  private timer?: NodeJS.Timeout;
  private nextSeq = 1;
  private info?: TapeInfo;
  private readonly deferred?: DeferredTape;
  /** The conversation has shown it is more than a probe (a client message other than server/discover). */
  private conversing = false;
  /**
   * While the conversation is only a probe: its frames so far, kept in the store as they come (a
   * client ends its probe process with SIGKILL soon after SIGTERM, so waiting for the exit loses
   * it), and the probe row that holds them.
   */
  private probe?: { frames: NewFrame[]; rowId?: number };
  private readonly startedWall = new Date();
  private readonly redactor: Redactor;
  private readonly startedAt: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private readonly chunkFrames: number;
  private readonly maxBacklogBytes: number;
  private readonly busyTimeoutMs: number;
  private closed = false;
  /** Characters held by the queue's events and by the retry list's frames. */
  private queueBytes = 0;
  private retryBytes = 0;
  /** When writing started failing (performance.now()), while it fails. */
  private failingSince?: number;
  private backoffMs = FIRST_BACKOFF_MS;
  private warned = false;
  private gap?: Gap;
  /** Frames written so far, for summaries. */
  written = 0;
  /** Frames dropped because the backlog was full. */
  dropped = 0;
  /** The longest a single write blocked the event loop (ms). */
  longestWriteMs = 0;

  constructor(
    readonly store: TapeStore,
    tape: TapeInfo | DeferredTape,
    private readonly options: TapeRecorderOptions = {},
  ) {
    this.redactor = options.redactor ?? new Redactor();
    this.startedAt = options.startedAt ?? performance.now();
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.maxQueue = options.maxQueue ?? 512;
    this.chunkFrames = options.chunkFrames ?? 250;
    this.maxBacklogBytes = options.maxBacklogBytes ?? DEFAULT_MAX_BACKLOG_BYTES;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 10;
    if ('create' in tape) this.deferred = tape;
    else this.opened(tape);
    store.setBusyTimeout(this.busyTimeoutMs);
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

  /** The bytes waiting to be written, which the backlog budget bounds. */
  get backlogBytes(): number {
    return this.queueBytes + this.retryBytes;
  }

  record(event: FrameEvent): void {
    if (this.closed) return;
    const size = eventSize(event);
    if (this.backlogBytes + size > this.maxBacklogBytes) return this.drop(event, size);
    if (this.gap) this.markGap();
    // Only what initialize reveals is noted now (rare); everything else waits for the batch.
    // The event's text and parsed message are not changed after they are reported, so redacting
    // them later gives the same frame.
    // A copy of what the tape needs, so the objects of the message in flight are not kept alive
    // until the batch (they would outlive a collection or two, and cost a lot more then).
    this.queue.push(new QueuedFrame(event));
    this.queueBytes += size;
    if (!this.conversing && !isProbeFrame(event)) this.conversing = true;
    // What a probe revealed (an in-place server/discover) goes on the tape once there is one.
    if (this.conversing && this.pendingInfo.length > 0) this.infos.push(...this.pendingInfo.splice(0));
    const noted = this.infos.length;
    this.noteSessionInfo(event);
    // While the store fails, the backoff timer decides when to try again, not each new message.
    if (this.failingSince !== undefined) return void (this.timer ??= setTimeout(this.writeSoon, this.backoffMs));
    // What initialize revealed (the session, its peers), and a full queue, are written as soon as
    // the loop is free: never inside the handling of the message itself.
    if (this.infos.length > noted || this.queued >= this.maxQueue) {
      // Once: under a burst every message finds the queue full, and a timer made again for each
      // one cost more than the frames themselves.
      if (!this.soon) {
        this.clearTimer();
        this.soon = true;
        this.timer = setTimeout(this.writeSoon, 0);
      }
    } else {
      this.timer ??= setTimeout(this.writeSoon, this.flushIntervalMs);
    }
  }

  private drop(event: FrameEvent, size: number): void {
    this.dropped++;
    if (!this.gap) {
      this.gap = { sessionId: event.sessionId, transport: event.transport, at: event.at, frames: 0, bytes: 0 };
      if (this.dropped === 1) this.options.onDrop?.({ frames: this.queued, bytes: this.backlogBytes, limit: this.maxBacklogBytes });
    }
    this.gap.frames++;
    this.gap.bytes += size;
  }

  /** A frame where frames were dropped, saying how many: the tape shows its own gap. */
  private markGap(): void {
    const gap = this.gap!;
    this.gap = undefined;
    const message = { jsonrpc: '2.0', method: 'mcp-tap/dropped', params: { frames: gap.frames, bytes: gap.bytes } };
    const text = JSON.stringify(message);
    const note = `${gap.frames} frame(s) (${gap.bytes} bytes) were not recorded: the tape store could not be written and the backlog was full (${this.maxBacklogBytes} bytes)`;
    this.queue.push({ sessionId: gap.sessionId, transport: gap.transport, direction: 's2c', at: gap.at, text, message, summary: { kind: 'notification', method: 'mcp-tap/dropped', hasId: false }, action: 'synthesized', flags: ['dropped'], note });
    this.queueBytes += text.length;
  }

  /** The tape frame for an event: redacted (a copy; the event is not touched). Runs in the batch. */
  private toFrame(event: FrameEvent): NewFrame {
    let message: string;
    let paths: string[];
    try {
      if (!this.redactor.mayChange(event.text)) {
        // Nothing here could be a secret: the text as it is, and the message is never parsed for it.
        message = event.text;
        paths = [];
      } else if (event.message === undefined) {
        // Not JSON (a malformed line, a server's stray output): its text is redacted as text.
        message = this.redactor.redactText(event.text);
        paths = message === event.text ? [] : ['(text)'];
      } else {
        const redaction = this.redactor.redact(event.message, event.text);
        paths = redaction.paths;
        message = redaction.value === event.message ? event.text : JSON.stringify(redaction.value);
      }
    } catch (error) {
      // Runs from a timer, where a throw would end the process; a message that could not be
      // redacted is not written in clear either.
      return { ...this.rowOf(event, `[REDACTED: redaction failed: ${error instanceof Error ? error.message : String(error)}]`, undefined, []), flags: [...event.flags, 'redaction-failed'] };
    }
    let original = event.original;
    if (original !== undefined) {
      try {
        const parsed: unknown = JSON.parse(original);
        const redacted = this.redactor.redact(parsed, original);
        if (redacted.value !== parsed) original = JSON.stringify(redacted.value);
      } catch {
        original = this.redactor.redactText(original);
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

  /** Writes everything queued, chunk after chunk, now. Synchronous. */
  flush(): void {
    this.clearTimer();
    if (!this.ready()) return this.keepProbe();
    while ((this.queued > 0 || this.infos.length > 0 || this.probe) && this.ready()) if (!this.write(Infinity)) break;
  }

  /** A deferred tape waits until the conversation is more than a probe. */
  private ready(): boolean {
    return this.info !== undefined || this.conversing;
  }

  /** A timed write: one bounded chunk; the rest after a turn of the event loop, or after a backoff. */
  private writeChunk(): void {
    this.clearTimer();
    if (this.closed) return;
    if (!this.ready()) return this.keepProbe();
    const ok = this.write(this.chunkFrames);
    if (this.queued === 0 && this.infos.length === 0) return;
    this.soon = ok;
    this.timer = setTimeout(this.writeSoon, ok ? 0 : this.backoffMs);
  }

  /** Writes up to `limit` frames (and the session info noted meanwhile) in one transaction. False when the store refused. */
  private write(limit: number): boolean {
    let tape: TapeInfo;
    // This conversation's own probe row goes before the tape is made, or the tape would adopt it
    // as a sibling's.
    if (this.probe?.rowId !== undefined) {
      this.forgetProbe(this.probe.rowId);
      this.probe.rowId = undefined;
    }
    try {
      tape = this.tape;
    } catch (error) {
      // A deferred tape could not be made (the store is locked): the frames wait, as for any write.
      this.failed(error as Error);
      return false;
    }
    const batch = this.take(limit);
    if (this.probe) {
      // A probe made in place, then the conversation went on: its frames belong to this tape, first.
      batch.unshift(...this.probe.frames);
      this.probe = undefined;
    }
    const infos = this.infos;
    this.infos = [];
    const started = performance.now();
    try {
      this.store.transaction(() => {
        this.store.appendFrames(tape.id, String(tape.transport), batch, this.nextSeq);
        for (const info of infos) this.writeSessionInfo(tape, info);
      });
    } catch (error) {
      // Keep the frames, in order, for the retry: a locked store may be free next time.
      this.retry = batch.concat(this.retry);
      for (const frame of batch) this.retryBytes += frameSize(frame);
      this.infos = infos.concat(this.infos);
      this.failed(error as Error);
      return false;
    } finally {
      this.longestWriteMs = Math.max(this.longestWriteMs, performance.now() - started);
    }
    this.nextSeq += batch.length;
    this.written += batch.length;
    if (this.failingSince !== undefined) this.recovered();
    return true;
  }

  /** The next frames to write: first those a failed write kept, then new events, built now. */
  private take(limit: number): NewFrame[] {
    const batch: NewFrame[] = [];
    let bytes = 0;
    let fromRetry = 0;
    while (batch.length < limit && bytes < CHUNK_BYTES && fromRetry < this.retry.length) {
      const frame = this.retry[fromRetry++]!;
      batch.push(frame);
      bytes += frameSize(frame);
      this.retryBytes -= frameSize(frame);
    }
    this.retry = fromRetry === this.retry.length ? [] : this.retry.slice(fromRetry);
    let taken = 0;
    while (batch.length < limit && bytes < CHUNK_BYTES && taken < this.queue.length) {
      const event = this.queue[taken++]!;
      this.queueBytes -= eventSize(event);
      const frame = this.toFrame(event);
      batch.push(frame);
      bytes += frameSize(frame);
    }
    this.queue = taken === this.queue.length ? [] : this.queue.slice(taken);
    return batch;
  }

  private failed(error: Error): void {
    const now = performance.now();
    const first = this.failingSince === undefined;
    this.failingSince ??= now;
    this.backoffMs = first ? FIRST_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
    // A lock held briefly is another proxy or a command writing: only a long one is news.
    if (!this.warned && (!isBusy(error) || now - this.failingSince >= LOCK_WARNING_MS)) {
      this.warned = true;
      this.options.onError?.(error);
    }
  }

  private recovered(): void {
    const wasWarned = this.warned;
    this.failingSince = undefined;
    this.backoffMs = FIRST_BACKOFF_MS;
    this.warned = false;
    if (wasWarned) this.options.onRecovered?.({ written: this.written, dropped: this.dropped });
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.soon = false;
  }

  /** The next write is due at once (the timer set is a 0 ms one). */
  private soon = false;
  /** One function for the recorder's life, not a closure per timer. */
  private readonly writeSoon = (): void => this.writeChunk();

  /** Flushes (waiting longer for a lock: the frames matter more now) and marks the tape ended. */
  close(): void {
    if (this.closed) return;
    this.store.setBusyTimeout(FINAL_BUSY_TIMEOUT_MS);
    const clientSpoke = this.queue.some((e) => e.direction === 'c2s') || !!this.probe?.frames.some((f) => f.direction === 'c2s');
    if (!this.info && !this.conversing && clientSpoke) {
      this.closed = true;
      this.keepProbe();
      if (this.probe?.rowId !== undefined) this.keptAsProbe = true;
      return;
    }
    if (!this.info) this.conversing = true; // nothing but the server's own output: a tape all the same
    if (this.gap) this.markGap();
    this.flush();
    this.closed = true;
    this.clearTimer();
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
    this.clearTimer();
    const probe = (this.probe ??= { frames: [] });
    if (this.queue.length > 0) {
      probe.frames.push(...this.queue.map((e) => this.toFrame(e)));
      this.queue = [];
      this.queueBytes = 0;
    }
    if (probe.frames.length === 0 || !this.deferred) return;
    try {
      probe.rowId = this.store.saveProbe(this.deferred.upstream, this.startedWall.toISOString(), probe.frames, probe.rowId);
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
   * that names the server (its `_meta` serverInfo, or the server/discover result). Written with
   * the next batch, in its transaction.
   */
  private noteSessionInfo(event: FrameEvent): void {
    if (!this.maySayInfo(event) || !isObject(event.message)) return;
    if (this.noteModernInfo(event)) return;
    const isInitRequest = event.summary.kind === 'request' && event.summary.method === 'initialize';
    const isInitResponse = event.summary.kind === 'response' && event.requestMethod === 'initialize';
    if (!isInitRequest && !isInitResponse) return;
    // The info is stored redacted, like the frame (only these two messages pay for it here).
    const message = this.redactor.redact(event.message, event.text).value;
    if (!isObject(message)) return;
    if (isInitRequest && isObject(message.params)) {
      const p = message.params;
      this.sessionUpdate(event, { clientInfo: p.clientInfo, clientCapabilities: p.capabilities, protocolVersion: str(p.protocolVersion) }, { clientInfo: p.clientInfo });
    } else if (isInitResponse && isObject(message.result)) {
      const r = message.result;
      this.sessionUpdate(event, { serverInfo: r.serverInfo, serverCapabilities: r.capabilities, protocolVersion: str(r.protocolVersion) }, { serverInfo: r.serverInfo, protocolVersion: str(r.protocolVersion) });
    }
  }

  /** Conversations whose session info is known already (modern info is noted once per conversation and side). */
  private readonly notedClients = new Set<string>();
  private readonly notedServers = new Set<string>();

  /**
   * Whether an event may tell something of its session (initialize, or a modern envelope or
   * server info not noted yet), judged without parsing it: the rest, nearly every frame, is
   * left unparsed.
   */
  private maySayInfo(event: FrameEvent): boolean {
    const { summary } = event;
    if (summary.kind === 'request') {
      if (summary.method === 'initialize') return true;
      return event.direction === 'c2s' && !this.notedClients.has(event.sessionId) && mayHold(event, META.protocolVersion);
    }
    if (summary.kind === 'response') {
      if (event.requestMethod === 'initialize') return true;
      return event.direction === 's2c' && !this.notedServers.has(event.sessionId) && (event.requestMethod === 'server/discover' || mayHold(event, META.serverInfo));
    }
    return false;
  }

  /** The modern half of noteSessionInfo; true when the event was a modern message it looked at. */
  private noteModernInfo(event: FrameEvent): boolean {
    const { summary } = event;
    if (summary.kind === 'request' && event.direction === 'c2s') {
      const envelope = envelopeOf(event.message);
      if (!envelope) return false;
      if (this.notedClients.has(event.sessionId) || (!envelope.clientInfo && !envelope.protocolVersion)) return true;
      this.notedClients.add(event.sessionId);
      const redacted = envelopeOf(this.redactor.redact(event.message, event.text).value) ?? envelope;
      this.sessionUpdate(event, { clientInfo: redacted.clientInfo, clientCapabilities: redacted.clientCapabilities, protocolVersion: redacted.protocolVersion }, { clientInfo: redacted.clientInfo, protocolVersion: redacted.protocolVersion });
      return true;
    }
    if (summary.kind !== 'response' || event.direction !== 's2c' || !isObject(event.message) || !isObject(event.message.result)) return false;
    if (this.notedServers.has(event.sessionId)) return serverInfoOf(event.message) !== undefined;
    const result = event.message.result;
    const discovered = event.requestMethod === 'server/discover';
    const info = serverInfoOf(event.message) ?? (discovered && isObject(result.serverInfo) ? result.serverInfo : undefined);
    if (!info) return false;
    this.notedServers.add(event.sessionId);
    const redacted = this.redactor.redact(event.message, event.text).value;
    const redactedResult = isObject(redacted) && isObject(redacted.result) ? redacted.result : result;
    const serverInfo = serverInfoOf(redacted) ?? (isObject(redactedResult.serverInfo) ? redactedResult.serverInfo : info);
    this.sessionUpdate(event, { serverInfo, serverCapabilities: discovered ? redactedResult.capabilities : undefined }, { serverInfo });
    return true;
  }

  private sessionUpdate(event: FrameEvent, session: SessionInfo['session'], tape: SessionInfo['tape']): void {
    const info = { sessionKey: event.sessionId, session, tape };
    // Until the conversation is more than a probe there is no tape to note it on; the probe's own
    // frames still carry it.
    if (!this.info && !this.conversing) this.pendingInfo.push(info);
    else this.infos.push(info);
  }

  private pendingInfo: SessionInfo[] = [];

  /** Inside the write's transaction, after the frames (so the session row exists). */
  private writeSessionInfo(tape: TapeInfo, info: SessionInfo): void {
    const sessionId = this.store.sessionRow(tape.id, info.sessionKey, String(tape.transport));
    this.store.updateTape(tape.id, info.tape);
    this.store.updateSession(sessionId, info.session);
  }
}

/** A frame as the queue keeps it: its data, and its message only if it was parsed already (else parsed again when needed). */
class QueuedFrame implements FrameEvent {
  readonly sessionId: string;
  readonly transport: FrameEvent['transport'];
  readonly direction: FrameEvent['direction'];
  readonly at: number;
  readonly text: string;
  readonly summary: FrameEvent['summary'];
  readonly original?: string;
  readonly action: string;
  readonly flags: string[];
  readonly latencyMs?: number;
  readonly requestMethod?: string;
  readonly note?: string;
  private parsed: unknown;
  private read: boolean;

  constructor(event: FrameEvent) {
    this.sessionId = event.sessionId;
    this.transport = event.transport;
    this.direction = event.direction;
    this.at = event.at;
    this.text = event.text;
    this.summary = event.summary;
    this.original = event.original;
    this.action = event.action;
    this.flags = event.flags;
    this.latencyMs = event.latencyMs;
    this.requestMethod = event.requestMethod;
    this.note = event.note;
    this.read = !isUnread(event);
    this.parsed = this.read ? event.message : undefined;
  }

  get message(): unknown {
    if (!this.read) {
      this.read = true;
      this.parsed = parseOrUndefined(this.text);
    }
    return this.parsed;
  }
}

/** A frame that may belong to a probe-only conversation: server/discover, and whatever the server says. */
function isProbeFrame(event: FrameEvent): boolean {
  return event.direction === 's2c' || (event.summary.kind === 'request' && event.summary.method === 'server/discover');
}

const eventSize = (event: FrameEvent) => event.text.length + (event.original?.length ?? 0);
const frameSize = (frame: NewFrame) => frame.message.length + (frame.original?.length ?? 0);

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
