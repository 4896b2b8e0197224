/**
 * Sessions that outlive a proxy process: a restart with the SQLite store, two proxies sharing a
 * real redis-server behind one address, and a kill -9 that must not corrupt anything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startHttpProxy } from '../src/proxy/http.js';
import { SessionManager } from '../src/session/manager.js';
import { SqliteSessionStore } from '../src/session/stores/sqlite.js';
import { RedisSessionStore } from '../src/session/stores/redis.js';
import { RedisEventLog } from '../src/session/redis-event-log.js';
import { silentLogger } from '../src/core/log.js';
import { TapeStore } from '../src/tape/store.js';
import { CLI, tempDir } from './support/paths.js';
import { freePort, startEverything, type RunningServer } from './support/servers.js';
import { redisForFile, startRedis, type RunningRedis } from './support/redis.js';

let upstream: RunningServer;
let redis: RunningRedis;
let dir: string;

beforeAll(async () => {
  // One after the other, so the two free-port picks can never hand out the same port.
  upstream = await startEverything('streamableHttp');
  redis = await redisForFile();
  dir = tempDir();
});

afterAll(async () => {
  await Promise.all([upstream?.stop(), redis?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const echoText = async (client: Client, message: string) =>
  ((await client.callTool({ name: 'echo', arguments: { message } })).content as { text: string }[])[0]!.text;

describe('a restart with the sqlite session store', () => {
  it('keeps the client session: same Mcp-Session-Id, calls keep working after the proxy comes back', async () => {
    const port = await freePort();
    const sessionsFile = join(dir, 'restart-sessions.db');
    const start = async (name: string) => {
      const store = TapeStore.open(join(dir, 'restart-tapes.db'));
      const proxy = await startHttpProxy({
        listen: { host: '127.0.0.1', port },
        upstream: { kind: 'streamable', url: upstream.url },
        sessions: new SessionManager({ store: new SqliteSessionStore(sessionsFile) }),
        logger: silentLogger,
        record: { store, tape: { name, transport: 'streamable' } },
      });
      return { proxy, close: async () => (await proxy.close({ drainTimeoutMs: 2000 }), store.close()) };
    };
    const first = await start('before-restart');
    const transport = new StreamableHTTPClientTransport(new URL(first.proxy.urls.streamableHttp));
    const client = new Client({ name: 'restart', version: '1.0.0' });
    await client.connect(transport);
    expect(await echoText(client, 'one')).toBe('Echo: one');
    const sessionId = transport.sessionId;
    await first.close();
    // A real restart takes a moment; in one process the client's pool must first see its
    // keep-alive socket close, or it reuses a dead one.
    await new Promise((r) => setTimeout(r, 50));

    const second = await start('after-restart');
    try {
      expect(await echoText(client, 'two')).toBe('Echo: two');
      expect(transport.sessionId).toBe(sessionId);
      expect(second.proxy.links.has(sessionId!)).toBe(true);
    } finally {
      await client.close();
      await second.close();
    }
  });

  it('survives kill -TERM of the CLI: exit 0, tape complete, session resumed by the next process', async () => {
    const port = await freePort();
    const store = join(dir, 'cli-restart.db');
    const run = (name: string): Promise<ChildProcess> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [CLI, 'record', '--store', store, '--name', name, '--listen', `127.0.0.1:${port}`, '--sessions', 'sqlite', '--url', upstream.url], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr!.on('data', (chunk: Buffer) => {
          err += chunk.toString();
          if (err.includes('Streamable HTTP')) resolve(child);
        });
        child.once('exit', (code) => reject(new Error(`proxy exited early (${code}): ${err}`)));
      });
    let child = await run('cli-first');
    const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
    const client = new Client({ name: 'cli-restart', version: '1.0.0' });
    await client.connect(transport);
    expect(await echoText(client, 'before')).toBe('Echo: before');
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const tapes = TapeStore.open(store, { readonly: true });
    const frames = tapes.frames(tapes.requireTape('cli-first').id);
    expect(frames.some((f) => f.direction === 's2c' && f.message.includes('Echo: before'))).toBe(true);
    tapes.close();

    child = await run('cli-second');
    try {
      expect(await echoText(client, 'after')).toBe('Echo: after');
    } finally {
      await client.close();
      child.kill('SIGTERM');
    }
  });

  it('kill -9 leaves the tape and session stores intact and readable', async () => {
    const port = await freePort();
    const store = join(dir, 'kill9.db');
    const child = spawn(process.execPath, [CLI, 'record', '--store', store, '--name', 'kill9', '--listen', `127.0.0.1:${port}`, '--sessions', 'sqlite', '--url', upstream.url], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve) => child.stderr!.on('data', (chunk: Buffer) => chunk.toString().includes('Streamable HTTP') && resolve()));
    const client = new Client({ name: 'kill9', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    for (let i = 0; i < 5; i++) await echoText(client, `m${i}`);
    // Give the batched writers their moment: what was acknowledged this long ago must be on disk.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await client.close().catch(() => undefined);
    for (const file of [store, join(dir, 'sessions.db')]) {
      const db = new Database(file, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }
    const tapes = TapeStore.open(store, { readonly: true });
    const frames = tapes.frames(tapes.requireTape('kill9').id);
    expect(frames.filter((f) => f.direction === 's2c' && f.message.includes('Echo: m')).length).toBe(5);
    tapes.close();
    const sessions = new SqliteSessionStore(join(dir, 'sessions.db'));
    expect((await sessions.list()).length).toBeGreaterThanOrEqual(1);
    await sessions.close();
  });
});

describe('two proxies sharing Redis', () => {
  it('serve one session to a client whose requests alternate between them', async () => {
    const make = async () =>
      startHttpProxy({
        listen: { host: '127.0.0.1', port: 0 },
        upstream: { kind: 'streamable', url: upstream.url },
        sessions: new SessionManager({ store: await readyRedisStore(redis.url) }),
        logger: silentLogger,
      });
    const [a, b] = await Promise.all([make(), make()]);
    const ports = [a.address.port, b.address.port];
    let turn = 0;
    const hits = [0, 0];
    // A round-robin load balancer in front of the two, as a fetch wrapper.
    const roundRobin: typeof fetch = (input, init) => {
      const which = turn++ % 2;
      hits[which]!++;
      const url = new URL(input instanceof Request ? input.url : String(input));
      url.port = String(ports[which]);
      return fetch(url, init);
    };
    const transport = new StreamableHTTPClientTransport(new URL(a.urls.streamableHttp), { fetch: roundRobin });
    const client = new Client({ name: 'round-robin', version: '1.0.0' });
    try {
      await client.connect(transport);
      for (let i = 0; i < 6; i++) expect(await echoText(client, `rr${i}`)).toBe(`Echo: rr${i}`);
      const sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
      expect(JSON.stringify(sum)).toContain('42');
      expect(hits[0]).toBeGreaterThan(2);
      expect(hits[1]).toBeGreaterThan(2);
      expect(a.links.has(transport.sessionId!)).toBe(true);
      expect(b.links.has(transport.sessionId!)).toBe(true);
    } finally {
      await client.close();
      await Promise.all([a.close({ drainTimeoutMs: 1000 }), b.close({ drainTimeoutMs: 1000 })]);
    }
  });

  it('answers 404 for a session no store knows', async () => {
    const proxy = await startHttpProxy({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { kind: 'streamable', url: upstream.url },
      sessions: new SessionManager({ store: await readyRedisStore(redis.url) }),
      logger: silentLogger,
    });
    try {
      const res = await fetch(proxy.urls.streamableHttp, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': 'never-seen' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      });
      expect(res.status).toBe(404);
    } finally {
      await proxy.close({ drainTimeoutMs: 100 });
    }
  });
});

async function readyRedisStore(url: string): Promise<RedisSessionStore> {
  const store = new RedisSessionStore({ url });
  await store.ready();
  return store;
}

describe('resumption across processes', () => {
  it('a client whose stream dropped on one proxy resumes on the other with Last-Event-ID and misses nothing', async () => {
    const make = async () => {
      const store = await readyRedisStore(redis.url);
      return startHttpProxy({
        listen: { host: '127.0.0.1', port: 0 },
        upstream: { kind: 'streamable', url: upstream.url },
        sessions: new SessionManager({ store }),
        events: new RedisEventLog({ redis: store.redis, capacity: 100 }),
        logger: silentLogger,
      });
    };
    const [a, b] = await Promise.all([make(), make()]);
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    try {
      const init = await fetch(a.urls.streamableHttp, {
        method: 'POST',
        headers,
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
      const sessionId = init.headers.get('mcp-session-id')!;
      await init.text();
      await fetch(a.urls.streamableHttp, { method: 'POST', headers: { ...headers, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }).then((r) => r.text());
      const controller = new AbortController();
      const call = await fetch(a.urls.streamableHttp, {
        method: 'POST',
        headers: { ...headers, 'mcp-session-id': sessionId },
        body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 1.5, steps: 5 }, _meta: { progressToken: 't' } } }),
        signal: controller.signal,
      });
      const first = await readSseUntil(call, (events) => events.length >= 1);
      controller.abort();
      await new Promise((r) => setTimeout(r, 400));
      // The load balancer sends the reconnecting client to the other process.
      const resumed = await fetch(b.urls.streamableHttp, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'last-event-id': first[0]!.id! } });
      expect(resumed.status).toBe(200);
      const rest = await readSseUntil(resumed, (events) => events.some((e) => (JSON.parse(e.data) as { id?: number }).id === 5));
      const progress = [...first, ...rest].map((e) => JSON.parse(e.data) as { method?: string; params?: { progress: number } }).filter((m) => m.method === 'notifications/progress').map((m) => m.params!.progress);
      expect(progress).toEqual([1, 2, 3, 4, 5]);
      expect(rest.at(-1)!.data).toContain('Long running operation completed');
    } finally {
      await Promise.all([a.close({ drainTimeoutMs: 500 }), b.close({ drainTimeoutMs: 500 })]);
    }
  });
});

describe('Redis going away', () => {
  it('keeps live sessions working, refuses new ones with a clear 503, and recovers when Redis is back', async () => {
    const own = await startRedis();
    const store = await readyRedisStore(own.url);
    const errors: string[] = [];
    const proxy = await startHttpProxy({
      listen: { host: '127.0.0.1', port: 0 },
      upstream: { kind: 'streamable', url: upstream.url },
      sessions: new SessionManager({ store, onStoreError: (error) => errors.push(error.message) }),
      logger: silentLogger,
    });
    const client = new Client({ name: 'redis-away', version: '1.0.0' });
    const initialize = () =>
      fetch(proxy.urls.streamableHttp, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(proxy.urls.streamableHttp)));
      await own.stop();
      // The session lives in this process: its calls do not wait on Redis.
      expect(await echoText(client, 'redis is down')).toBe('Echo: redis is down');
      const refused = await initialize();
      expect(refused.status).toBe(503);
      expect(await refused.text()).toMatch(/session store is unavailable/);
      await new Promise((r) => setTimeout(r, 300));
      expect(errors.some((e) => /session store is unavailable/.test(e))).toBe(true);
      const back = await startRedis(own.port);
      try {
        let status = 0;
        for (let i = 0; i < 40 && status !== 200; i++) {
          await new Promise((r) => setTimeout(r, 100));
          const res = await initialize();
          status = res.status;
          await res.text();
        }
        expect(status).toBe(200);
        expect(await echoText(client, 'and back')).toBe('Echo: and back');
      } finally {
        await client.close();
        await proxy.close({ drainTimeoutMs: 500 });
        await back.stop();
      }
    } catch (error) {
      await own.stop();
      throw error;
    }
  });
});

async function readSseUntil(res: Response, stop: (events: { id?: string; data: string }[]) => boolean) {
  const events: { id?: string; data: string }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!stop(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: { id?: string; data: string } = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) event.id = line.slice(4);
        if (line.startsWith('data: ')) event.data += line.slice(6);
      }
      if (event.data) events.push(event);
    }
  }
  await reader.cancel().catch(() => undefined);
  return events;
}
