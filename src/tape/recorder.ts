/**
 * Turns FrameEvents into tape frames. Events are queued as they are and written in batches (one
 * SQLite transaction each) on a short timer, so the message path only pays for an array push:
 * redaction and building the row happen in the batch, off the message path; a full queue is
 * written at once, which keeps it bounded. `flush()` is synchronous, so it is safe to call from
 * exit and signal handlers.
 */
import type { FrameEvent } from '../core/context.js';
import { isObject, type JsonValue } from '../core/jsonrpc.js';
import { Redactor } from './redact.js';
import type { TapeStore } from './store.js';
import type { NewFrame, TapeInfo } from './types.js';

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
  private nextSeq: number;
  private readonly redactor: Redactor;
  private readonly startedAt: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueue: number;
  private closed = false;
  /** Frames written so far, for summaries. */
  written = 0;

  constructor(
    readonly store: TapeStore,
    readonly tape: TapeInfo,
    private readonly options: TapeRecorderOptions = {},
  ) {
    this.redactor = options.redactor ?? new Redactor();
    this.startedAt = options.startedAt ?? performance.now();
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.maxQueue = options.maxQueue ?? 512;
    this.nextSeq = store.lastSeq(tape.id) + 1;
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
    this.noteSessionInfo(event);
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
    const events = this.queue;
    this.queue = [];
    const batch = this.retry.length === 0 ? events.map((e) => this.toFrame(e)) : this.retry.concat(events.map((e) => this.toFrame(e)));
    this.retry = [];
    try {
      this.store.appendFrames(this.tape.id, String(this.tape.transport), batch, this.nextSeq);
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
    this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    try {
      this.store.updateTape(this.tape.id, { endedAt: new Date().toISOString() });
    } catch (error) {
      this.options.onError?.(error as Error);
    }
  }

  /** Keeps the tape's and session's client/server info as initialize reveals them. */
  private noteSessionInfo(event: FrameEvent): void {
    if (!isObject(event.message)) return;
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
}

function str(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
