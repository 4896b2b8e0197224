/**
 * SSE events shared through Redis, so a client whose stream dropped on one proxy process can
 * resume on another: each session's events go to a capped list (with the session's TTL), and are
 * published so a process resuming a stream it does not own can follow it live.
 */
import type { Redis } from 'ioredis';
import { EventTracker, parseEventId, type EventLog, type ResumedEvents, type TrackedEvent } from './event-tracker.js';

export interface RedisEventLogOptions {
  redis: Redis;
  prefix?: string;
  capacity: number;
  ttlMs?: number;
  onError?: (error: Error) => void;
}

interface Published extends TrackedEvent {
  origin: string;
}

export class RedisEventLog implements EventLog {
  private readonly local: EventTracker;
  private readonly prefix: string;
  private readonly origin = Math.random().toString(36).slice(2, 10);
  private subscriber?: Redis;
  private readonly followers = new Map<string, Set<(event: Published) => void>>();

  constructor(private readonly options: RedisEventLogOptions) {
    this.local = new EventTracker(options.capacity);
    this.prefix = options.prefix ?? 'mcp-tap:';
  }

  private key(sessionId: string): string {
    return `${this.prefix}events:${sessionId}`;
  }

  track(sessionId: string, streamId: string, data: string): string {
    const id = this.local.track(sessionId, streamId, data);
    const text = JSON.stringify({ id, streamId, data, origin: this.origin } satisfies Published);
    const key = this.key(sessionId);
    const batch = this.options.redis.multi().rpush(key, text).ltrim(key, -this.options.capacity, -1);
    if (this.options.ttlMs) batch.pexpire(key, this.options.ttlMs);
    batch.publish(key, text);
    // Written behind: the event already went to the client; Redis is for whoever resumes later.
    batch.exec().catch((error: Error) => this.options.onError?.(error));
    return id;
  }

  async after(sessionId: string, lastEventId: string): Promise<ResumedEvents | undefined> {
    const local = this.local.afterSync(sessionId, lastEventId);
    if (local) return local;
    const parsed = parseEventId(lastEventId);
    if (!parsed) return undefined;
    const stored = (await this.options.redis.lrange(this.key(sessionId), 0, -1)).map((text) => JSON.parse(text) as Published);
    if (!stored.some((e) => e.streamId === parsed.streamId)) return undefined;
    const events = stored.filter((e) => e.streamId === parsed.streamId && parseEventId(e.id)!.n > parsed.n);
    const first = stored.find((e) => e.streamId === parsed.streamId);
    return { streamId: parsed.streamId, events, gap: first ? parseEventId(first.id)!.n > parsed.n + 1 : false };
  }

  async follow(sessionId: string, streamId: string, onEvent: (event: TrackedEvent) => void): Promise<() => void> {
    const channel = this.key(sessionId);
    if (!this.subscriber) {
      // Its own connection (a subscribed one can do nothing else), allowed to queue until connected.
      this.subscriber = this.options.redis.duplicate({ enableOfflineQueue: true });
      this.subscriber.on('error', (error: Error) => this.options.onError?.(error));
      this.subscriber.on('message', (from: string, text: string) => {
        const event = JSON.parse(text) as Published;
        if (event.origin === this.origin) return;
        for (const listener of this.followers.get(from) ?? []) listener(event);
      });
    }
    const listener = (event: Published) => {
      if (event.streamId === streamId) onEvent(event);
    };
    let listeners = this.followers.get(channel);
    if (!listeners) {
      listeners = new Set();
      this.followers.set(channel, listeners);
      listeners.add(listener);
      await this.subscriber.subscribe(channel);
    } else {
      listeners.add(listener);
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        this.followers.delete(channel);
        void this.subscriber?.unsubscribe(channel).catch(() => undefined);
      }
    };
  }

  free(sessionId: string): void {
    this.local.free(sessionId);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
  }
}
