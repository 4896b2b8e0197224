/** Rate limits: the bucket on its own, and through mcp-tap record in front of the real server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { RateLimitInterceptor } from '../src/interceptors/rate-limit.js';
import { parseRate } from '../src/rules/rate.js';
import { summarize } from '../src/core/jsonrpc.js';
import type { InterceptContext } from '../src/core/context.js';
import { SessionManager } from '../src/session/manager.js';
import { TapeStore } from '../src/tape/store.js';
import { CLI, EVERYTHING, tempDir } from './support/paths.js';

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function request(sessionId: string, method = 'tools/call', direction: 'c2s' | 's2c' = 'c2s'): InterceptContext {
  const message = { jsonrpc: '2.0', id: 1, method };
  return { sessionId, transport: 'stdio', direction, raw: JSON.stringify(message), message, summary: summarize(message), receivedAt: 0, flags: [] };
}

describe('RateLimitInterceptor', () => {
  it('parses rates', () => {
    expect(parseRate('20/s')).toBe(20);
    expect(parseRate('120/min')).toBe(2);
    expect(parseRate('3600/h')).toBe(1);
    expect(() => parseRate('fast')).toThrow(/not a rate/);
  });

  it('lets a burst through, refuses the rest with when to retry, per session', () => {
    const limiter = new RateLimitInterceptor({ perSession: { perSecond: 1, burst: 2 } });
    expect(limiter.intercept(request('a'))).toBeUndefined();
    expect(limiter.intercept(request('a'))).toBeUndefined();
    const refused = limiter.intercept(request('a'));
    expect(refused).toMatchObject({ type: 'block', code: -32003 });
    expect((refused as { reason: string }).reason).toMatch(/rate limited: over 1\/s per session; retry after \d+ ms/);
    // Another session has its own bucket; notifications and server requests are never limited.
    expect(limiter.intercept(request('b'))).toBeUndefined();
    const notification = request('a');
    notification.summary = { kind: 'notification', method: 'x', hasId: false };
    expect(limiter.intercept(notification)).toBeUndefined();
    expect(limiter.intercept(request('a', 'roots/list', 's2c'))).toBeUndefined();
  });

  it('applies method overrides and a global limit', () => {
    const limiter = new RateLimitInterceptor({ perSession: { perSecond: 100 }, methods: { 'resources/*': { perSecond: 1, burst: 1 } }, global: { perSecond: 0.01, burst: 3 } });
    expect(limiter.intercept(request('a', 'resources/read'))).toBeUndefined();
    expect((limiter.intercept(request('a', 'resources/read')) as { reason: string }).reason).toMatch(/for resources\/\*/);
    expect(limiter.intercept(request('b', 'tools/call'))).toBeUndefined();
    expect((limiter.intercept(request('c', 'tools/call')) as { reason: string }).reason).toMatch(/for all sessions/);
  });

  it('keeps its state in the session, so a resumed session brings its bucket along', async () => {
    const sessions = new SessionManager({ idleTimeoutMs: 0 });
    const session = await sessions.create('stdio');
    const first = new RateLimitInterceptor({ perSession: { perSecond: 0.01, burst: 1 }, sessions });
    expect(first.intercept(request(session.id))).toBeUndefined();
    expect(sessions.peek(session.id)!.metadata.rateLimit).toBeDefined();
    // Another process (a new interceptor) sees the bucket already empty.
    const second = new RateLimitInterceptor({ perSession: { perSecond: 0.01, burst: 1 }, sessions });
    expect(second.intercept(request(session.id))).toMatchObject({ type: 'block' });
    await sessions.close();
  });
});

describe('mcp-tap record --rate', () => {
  it('refuses calls over the limit with a clear error, records them, and lets calls through again later', async () => {
    const store = join(dir, 'rate.db');
    const client = new Client({ name: 'rate', version: '1.0.0' });
    // 30/min refills a token every 2 s: slow enough that a loaded machine cannot blur the burst.
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'record', '-q', '--store', store, '--name', 'rate', '--rate', '30/min', '--burst', '3', '--', process.execPath, EVERYTHING, 'stdio'], stderr: 'ignore' }));
    let refusedCount = 0;
    try {
      const call = (message: string) =>
        client.callTool({ name: 'echo', arguments: { message } }).then(
          () => 'ok',
          (error: Error) => error.message,
        );
      // initialize took the first token; two more calls fit in the burst.
      expect([await call('m0'), await call('m1')]).toEqual(['ok', 'ok']);
      const outcomes = await Promise.all([call('m2'), call('m3'), call('m4'), call('m5')]);
      const refused = outcomes.filter((o) => o !== 'ok');
      refusedCount = refused.length;
      expect(refusedCount).toBeGreaterThanOrEqual(3);
      for (const message of refused) expect(message).toMatch(/rate limited: over 30\/min per session; retry after \d+ ms/);
      // Waiting as long as the error says lets the next call through.
      const retryAfter = Math.max(...refused.map((m) => Number(/retry after (\d+) ms/.exec(m)![1])));
      await new Promise((r) => setTimeout(r, retryAfter + 100));
      expect(JSON.stringify(await client.callTool({ name: 'echo', arguments: { message: 'later' } }))).toContain('Echo: later');
    } finally {
      await client.close();
    }
    const tapes = TapeStore.open(store, { readonly: true });
    const frames = tapes.frames(tapes.requireTape('rate').id);
    tapes.close();
    const blocked = frames.filter((f) => f.action === 'block' && f.kind === 'request' && f.method === 'tools/call');
    // Each refusal went back to the client as an error, on the tape too.
    expect(frames.filter((f) => f.action === 'block' && f.kind === 'error' && f.direction === 's2c')).toHaveLength(refusedCount);
    expect(blocked).toHaveLength(refusedCount);
    expect(blocked[0]!.note).toMatch(/rate limited/);
  });
});
