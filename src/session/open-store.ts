/**
 * `--sessions` values to stores: `memory` (default), `sqlite` (beside the tape store) or
 * `sqlite:FILE`, and `redis://HOST:PORT/DB`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SessionStore } from './store.js';
import { MemorySessionStore } from './stores/memory.js';
import { SqliteSessionStore } from './stores/sqlite.js';
// The Redis client is loaded only for a redis:// store: it is a good part of the start-up time.
import type { RedisSessionStore } from './stores/redis.js';

export interface OpenSessionStoreOptions {
  /** The tape store file; `sqlite` puts sessions.db beside it. */
  tapeStore: string;
  ttlMs?: number;
  onStatus?: (status: 'down' | 'up', detail: string) => void;
  /** For read-only use: a missing SQLite file is an error, not created. */
  mustExist?: boolean;
}

/** True for a `--sessions` value naming a Redis server (whose store is a RedisSessionStore). */
export function isRedisSpec(spec: string | undefined): boolean {
  return spec !== undefined && (spec.startsWith('redis://') || spec.startsWith('rediss://'));
}

export async function openSessionStore(spec: string | undefined, options: OpenSessionStoreOptions): Promise<SessionStore> {
  const value = spec ?? 'memory';
  if (value === 'memory') return new MemorySessionStore();
  if (value === 'sqlite' || value.startsWith('sqlite:')) {
    const file = value === 'sqlite' ? join(dirname(options.tapeStore), 'sessions.db') : value.slice('sqlite:'.length);
    if (options.mustExist && !existsSync(file)) throw new Error(`no session store at ${file} (a proxy started with --sessions ${value} creates it)`);
    return new SqliteSessionStore(file);
  }
  if (isRedisSpec(value)) {
    const { RedisSessionStore } = await import('./stores/redis.js');
    const store: RedisSessionStore = new RedisSessionStore({ url: value, ttlMs: options.ttlMs, onStatus: options.onStatus });
    try {
      await store.ready();
    } catch (error) {
      await store.close();
      throw new Error(`cannot reach Redis at ${value}: ${(error as Error).message}`);
    }
    return store;
  }
  throw new Error(`--sessions takes memory, sqlite, sqlite:FILE or redis://HOST:PORT/DB, got "${value}"`);
}
