/**
 * Sessions in Redis, shared by several proxy processes behind one address. Each session is one
 * key with a TTL of the idle timeout, so Redis expires idle sessions itself (no scan per request).
 */
import { Redis } from 'ioredis';
import type { Session } from '../session.js';
import type { SessionStore } from '../store.js';

export interface RedisSessionStoreOptions {
  /** redis://HOST:PORT/DB */
  url: string;
  /** Key prefix, so several deployments can share one Redis. */
  prefix?: string;
  /** Idle time after which Redis drops a session. 0 keeps sessions until deleted. */
  ttlMs?: number;
  /** Told when Redis goes away or comes back. */
  onStatus?: (status: 'down' | 'up', detail: string) => void;
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlMs: number;

  constructor(options: RedisSessionStoreOptions) {
    this.prefix = options.prefix ?? 'mcp-tap:';
    this.ttlMs = options.ttlMs ?? 0;
    this.redis = new Redis(options.url, {
      // Fail commands fast while Redis is away instead of queueing them without bound.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      lazyConnect: false,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    let down = false;
    this.redis.on('error', (error: Error) => {
      if (!down) options.onStatus?.('down', error.message);
      down = true;
    });
    this.redis.on('ready', () => {
      if (down) options.onStatus?.('up', 'reconnected');
      down = false;
    });
  }

  /** Resolves once connected (or rejects with why not). */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private key(id: string): string {
    return `${this.prefix}session:${id}`;
  }

  async load(id: string): Promise<Session | undefined> {
    const text = await this.redis.get(this.key(id));
    return text ? (JSON.parse(text) as Session) : undefined;
  }

  async save(session: Session): Promise<void> {
    const text = JSON.stringify(session);
    if (this.ttlMs > 0) await this.redis.set(this.key(session.id), text, 'PX', this.ttlMs);
    else await this.redis.set(this.key(session.id), text);
  }

  async saveMany(sessions: Session[]): Promise<void> {
    const batch = this.redis.multi();
    for (const session of sessions) {
      const text = JSON.stringify(session);
      if (this.ttlMs > 0) batch.set(this.key(session.id), text, 'PX', this.ttlMs);
      else batch.set(this.key(session.id), text);
    }
    await batch.exec();
  }

  async delete(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }

  /** Walks the keyspace with SCAN: for listing, never on the message path. */
  async list(): Promise<Session[]> {
    const sessions: Session[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}session:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) {
        for (const text of await this.redis.mget(keys)) if (text) sessions.push(JSON.parse(text) as Session);
      }
    } while (cursor !== '0');
    return sessions.sort((a, b) => a.lastActiveAt - b.lastActiveAt);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
