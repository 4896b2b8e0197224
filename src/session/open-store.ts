/**
 * `--sessions` values to stores: `memory` (default), `sqlite` (beside the tape store) or
 * `sqlite:FILE`, and `redis://HOST:PORT/DB`.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SessionStore } from './store.js';
import { MemorySessionStore } from './stores/memory.js';
import { SqliteSessionStore } from './stores/sqlite.js';
import { RedisSessionStore } from './stores/redis.js';

export interface OpenSessionStoreOptions {
  /** The tape store file; `sqlite` puts sessions.db beside it. */
  tapeStore: string;
  ttlMs?: number;
  onStatus?: (status: 'down' | 'up', detail: string) => void;
  /** For read-only use: a missing SQLite file is an error, not created. */
  mustExist?: boolean;
}

export async function openSessionStore(spec: string | undefined, options: OpenSessionStoreOptions): Promise<SessionStore> {
  const value = spec ?? 'memory';
  if (value === 'memory') return new MemorySessionStore();
  if (value === 'sqlite' || value.startsWith('sqlite:')) {
    const file = value === 'sqlite' ? join(dirname(options.tapeStore), 'sessions.db') : value.slice('sqlite:'.length);
    if (options.mustExist && !existsSync(file)) throw new Error(`no session store at ${file} (a proxy started with --sessions ${value} creates it)`);
    return new SqliteSessionStore(file);
  }
  if (value.startsWith('redis://') || value.startsWith('rediss://')) {
    const store = new RedisSessionStore({ url: value, ttlMs: options.ttlMs, onStatus: options.onStatus });
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
