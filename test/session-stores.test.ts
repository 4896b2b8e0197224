/**
 * One behaviour for every session store: the same suite runs against memory, SQLite and a real
 * redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MemorySessionStore } from '../src/session/stores/memory.js';
import { SqliteSessionStore } from '../src/session/stores/sqlite.js';
import { RedisSessionStore } from '../src/session/stores/redis.js';
import { SessionManager } from '../src/session/manager.js';
import type { SessionStore } from '../src/session/store.js';
import type { Session } from '../src/session/session.js';
import { tempDir } from './support/paths.js';
import { redisForFile, type RunningRedis } from './support/redis.js';

let dir: string;
let redis: RunningRedis;
let redisDb = 0;

beforeAll(async () => {
  dir = tempDir();
  redis = await redisForFile();
});

afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface StoreFactory {
  name: string;
  /** A fresh, empty store; `reopen` gives another handle on the same data (a restart, another process). */
  make(ttlMs?: number): Promise<{ store: SessionStore; reopen(): Promise<SessionStore> }>;
}

const factories: StoreFactory[] = [
  {
    name: 'memory',
    async make() {
      const store = new MemorySessionStore();
      return { store, reopen: async () => store };
    },
  },
  {
    name: 'sqlite',
    async make() {
      const file = join(dir, `sessions-${Math.random().toString(36).slice(2)}.db`);
      return { store: new SqliteSessionStore(file), reopen: async () => new SqliteSessionStore(file) };
    },
  },
  {
    name: 'redis',
    async make(ttlMs) {
      // A database of its own per test keeps tests apart on one server.
      const url = redis.url.replace(/\/0$/, `/${++redisDb % 16}`);
      const store = new RedisSessionStore({ url, ttlMs, prefix: `t${redisDb}:` });
      await store.ready();
      await store.redis.flushdb();
      const reopen = async () => {
        const again = new RedisSessionStore({ url, ttlMs, prefix: `t${redisDb}:` });
        await again.ready();
        return again;
      };
      return { store, reopen };
    },
  },
];

function sample(id: string, lastActiveAt = Date.now()): Session {
  return {
    id,
    transport: 'streamable-http',
    upstream: 'http://127.0.0.1:3001/mcp',
    upstreamSessionId: 'upstream-1',
    protocolVersion: '2025-11-25',
    clientInfo: { name: 'client', version: '1.0.0' },
    serverInfo: { name: 'server', version: '2.0.0' },
    clientCapabilities: { roots: { listChanged: true } },
    serverCapabilities: { tools: {} },
    metadata: { team: 'blue', nested: { ok: true } },
    counters: { c2s: 3, s2c: 4 },
    createdAt: lastActiveAt - 1000,
    lastActiveAt,
  };
}

for (const factory of factories) {
  describe(`${factory.name} session store`, () => {
    it('saves, loads, lists and deletes sessions with everything they hold', async () => {
      const { store } = await factory.make();
      await store.save(sample('a'));
      await store.save(sample('b'));
      expect(await store.load('a')).toEqual(sample('a', (await store.load('a'))!.lastActiveAt));
      expect((await store.list()).map((s) => s.id).sort()).toEqual(['a', 'b']);
      await store.delete('a');
      expect(await store.load('a')).toBeUndefined();
      expect((await store.list()).map((s) => s.id)).toEqual(['b']);
      await store.close();
    });

    it('hands out copies: changing a loaded session does not change the stored one', async () => {
      const { store } = await factory.make();
      await store.save(sample('c'));
      const loaded = (await store.load('c'))!;
      loaded.metadata.team = 'red';
      expect((await store.load('c'))!.metadata.team).toBe('blue');
      await store.close();
    });

    it('serves a session to a manager that did not create it (after a restart, or from another process)', async () => {
      const { store, reopen } = await factory.make();
      const first = new SessionManager({ store, idleTimeoutMs: 0 });
      const created = await first.create('streamable-http', { metadata: { user: 'ada' } });
      first.update(created.id, (s) => {
        s.protocolVersion = '2025-11-25';
        s.counters.c2s = 5;
      });
      await first.flush();
      const second = new SessionManager({ store: await reopen(), idleTimeoutMs: 0 });
      const found = await second.get(created.id);
      expect(found?.metadata.user).toBe('ada');
      expect(found?.protocolVersion).toBe('2025-11-25');
      expect(found?.counters.c2s).toBe(5);
      await second.cleanup(created.id);
      expect(await (await reopen()).load(created.id)).toBeUndefined();
      await first.close();
    });

    it('expires idle sessions', async () => {
      const { store } = await factory.make(300);
      const manager = new SessionManager({ store, idleTimeoutMs: 300, sweepIntervalMs: 60_000 });
      const idle = await manager.create('stdio');
      const busy = await manager.create('stdio');
      const now = Date.now();
      manager.update(busy.id, () => undefined);
      (manager.peek(idle.id) as Session).lastActiveAt = now - 10_000;
      await manager.flush();
      await manager.sweepIdle(now + 200);
      expect(manager.peek(idle.id)).toBeUndefined();
      expect(manager.peek(busy.id)).toBeDefined();
      if (factory.name !== 'memory') {
        // A session only the store knows (its process is gone) expires too: by sweep or by TTL.
        await store.save(sample('orphan', now - 10_000));
        await new Promise((r) => setTimeout(r, factory.name === 'redis' ? 400 : 0));
        await manager.sweepIdle(now + 200);
        expect(await store.load('orphan')).toBeUndefined();
      }
      await manager.close();
    });
  });
}
