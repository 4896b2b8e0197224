/**
 * SSE event ids and the bounded per-session replay buffer behind `Last-Event-ID` resumption.
 * An id names its stream and its place in the session ("<stream>.<n>"), so a reconnecting client
 * gets what it missed on that stream only. Each session keeps at most `capacity` events and at
 * most `sessionBytes` of them, and all sessions together at most `totalBytes`; the oldest go
 * first and are counted.
 */

export interface TrackedEvent {
  id: string;
  streamId: string;
  /** The JSON-RPC message text carried by the event. */
  data: string;
}

interface SessionBuffer {
  events: TrackedEvent[];
  /** Index of the oldest live entry in `events` (a ring without reallocation on every drop). */
  head: number;
  next: number;
  dropped: number;
  /** Characters held by the live entries (JSON text is nearly all one byte a character). */
  bytes: number;
}

export const DEFAULT_EVENT_BUFFER = 1000;
export const DEFAULT_SESSION_BUFFER_BYTES = 16 * 1024 * 1024;
export const DEFAULT_TOTAL_BUFFER_BYTES = 256 * 1024 * 1024;

export interface EventBudget {
  /** What one session may keep. Default 16 MiB. */
  sessionBytes?: number;
  /** What all sessions together may keep. Default 256 MiB. */
  totalBytes?: number;
}

export interface ResumedEvents {
  streamId: string;
  events: TrackedEvent[];
  /** Some of what followed the client's last event was already dropped from the buffer. */
  gap: boolean;
}

/**
 * Where SSE events are numbered and kept for resumption. `track` is synchronous (the id goes out
 * with the event at once); looking back may need a round trip to a shared store.
 */
export interface EventLog {
  track(sessionId: string, streamId: string, data: string): string;
  after(sessionId: string, lastEventId: string): Promise<ResumedEvents | undefined>;
  /**
   * Live events of a stream written by other processes (a shared log only). Resolves, with a
   * stop function, once events published from then on will be delivered.
   */
  follow?(sessionId: string, streamId: string, onEvent: (event: TrackedEvent) => void): Promise<() => void>;
  free(sessionId: string): void;
  close?(): Promise<void>;
}

export function parseEventId(id: string): { streamId: string; n: number } | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const n = Number(id.slice(dot + 1));
  return Number.isSafeInteger(n) ? { streamId: id.slice(0, dot), n } : undefined;
}

export class EventTracker implements EventLog {
  private readonly sessions = new Map<string, SessionBuffer>();
  private readonly sessionBytes: number;
  private readonly totalBytes: number;
  private total = 0;

  constructor(
    readonly capacity: number = DEFAULT_EVENT_BUFFER,
    budget: EventBudget = {},
  ) {
    this.sessionBytes = budget.sessionBytes ?? DEFAULT_SESSION_BUFFER_BYTES;
    this.totalBytes = budget.totalBytes ?? DEFAULT_TOTAL_BUFFER_BYTES;
  }

  /** Characters held for all sessions. */
  get heldBytes(): number {
    return this.total;
  }

  /** Numbers an event and keeps it for replay; returns its SSE id. */
  track(sessionId: string, streamId: string, data: string): string {
    let buffer = this.sessions.get(sessionId);
    if (!buffer) {
      buffer = { events: [], head: 0, next: 1, dropped: 0, bytes: 0 };
      this.sessions.set(sessionId, buffer);
    }
    const id = `${streamId}.${buffer.next++}`;
    if (this.capacity <= 0) return id;
    buffer.events.push({ id, streamId, data });
    buffer.bytes += data.length;
    this.total += data.length;
    while (buffer.events.length - buffer.head > this.capacity || buffer.bytes > this.sessionBytes) this.dropOldest(buffer);
    // Over the shared budget, the session holding the most gives up its oldest (the scan runs
    // only then, which the default budget makes rare).
    while (this.total > this.totalBytes) {
      const from = this.largest();
      if (!from) break;
      this.dropOldest(from);
    }
    return id;
  }

  private dropOldest(buffer: SessionBuffer): void {
    const event = buffer.events[buffer.head];
    if (!event) return;
    buffer.events[buffer.head] = undefined as unknown as TrackedEvent;
    buffer.head++;
    buffer.dropped++;
    buffer.bytes -= event.data.length;
    this.total -= event.data.length;
    // Compact once the dead prefix is as large as the live part.
    if (buffer.head >= Math.max(1, buffer.events.length - buffer.head)) {
      buffer.events = buffer.events.slice(buffer.head);
      buffer.head = 0;
    }
  }

  private largest(): SessionBuffer | undefined {
    let found: SessionBuffer | undefined;
    for (const buffer of this.sessions.values()) if (buffer.bytes > (found?.bytes ?? 0)) found = buffer;
    return found;
  }

  /**
   * The events after `lastEventId` on the same stream. `undefined` when the id is not one of
   * ours for this session; `missed` counts events of that stream that were already dropped.
   */
  async after(sessionId: string, lastEventId: string): Promise<ResumedEvents | undefined> {
    return this.afterSync(sessionId, lastEventId);
  }

  afterSync(sessionId: string, lastEventId: string): ResumedEvents | undefined {
    const parsed = parseEventId(lastEventId);
    const buffer = this.sessions.get(sessionId);
    if (!parsed || !buffer || parsed.n >= buffer.next) return undefined;
    const events: TrackedEvent[] = [];
    const oldest = buffer.events[buffer.head];
    const oldestN = oldest ? parseEventId(oldest.id)!.n : buffer.next;
    for (let i = buffer.head; i < buffer.events.length; i++) {
      const event = buffer.events[i]!;
      if (event.streamId === parsed.streamId && parseEventId(event.id)!.n > parsed.n) events.push(event);
    }
    // Some of what followed the client's last event may have been dropped already.
    return { streamId: parsed.streamId, events, gap: oldestN > parsed.n + 1 };
  }

  stats(sessionId: string): { buffered: number; dropped: number } {
    const buffer = this.sessions.get(sessionId);
    return buffer ? { buffered: buffer.events.length - buffer.head, dropped: buffer.dropped } : { buffered: 0, dropped: 0 };
  }

  /** Frees a session's buffer (session ended or expired). */
  free(sessionId: string): void {
    this.total -= this.sessions.get(sessionId)?.bytes ?? 0;
    this.sessions.delete(sessionId);
  }

  get sessionCount(): number {
    return this.sessions.size;
  }
}
