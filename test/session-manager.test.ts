/** Sessions through their life: created, found, changed, listed, expired, cleaned up. */
import { afterEach, describe, expect, it } from 'vitest';
import { SessionManager } from '../src/session/manager.js';
import { MemorySessionStore } from '../src/session/stores/memory.js';
import type { Session } from '../src/session/session.js';

const managers: SessionManager[] = [];

/** A manager whose background sweep never fires during a test: tests sweep with a clock of their own. */
function manager(idleTimeoutMs = 0) {
  const store = new MemorySessionStore();
  const m = new SessionManager({ store, idleTimeoutMs, sweepIntervalMs: 3_600_000 });
  managers.push(m);
  const cleaned: [string, string][] = [];
  m.on('cleanup', (session, reason) => cleaned.push([session.id, reason]));
  return { m, store, cleaned };
}

afterEach(async () => {
  for (const m of managers.splice(0)) await m.close();
});

describe('SessionManager with the memory store', () => {
  it('creates sessions with unique ids, zero counters and what it was given', async () => {
    const { m, store } = manager();
    const created: Session[] = [];
    m.on('created', (s) => created.push(s));
    const a = await m.create('stdio', { upstream: 'node server.js', metadata: { team: 'tools' } });
    const b = await m.create('streamable-http');
    expect(a.id).not.toBe(b.id);
    expect(a).toMatchObject({ transport: 'stdio', upstream: 'node server.js', metadata: { team: 'tools' }, counters: { c2s: 0, s2c: 0 } });
    expect(b.metadata).toEqual({});
    expect(a.lastActiveAt).toBe(a.createdAt);
    expect(created.map((s) => s.id)).toEqual([a.id, b.id]);
    // Saved at once, not only when first changed.
    expect(await store.load(a.id)).toEqual(a);
  });

  it('keeps an id it is given (a session resumed under its old id)', async () => {
    const { m } = manager();
    const s = await m.create('streamable-http', { id: 'resumed-1' });
    expect(s.id).toBe('resumed-1');
    expect(m.peek('resumed-1')).toBe(s);
  });

  it('finds live sessions with peek and get; get also finds what only the store still has', async () => {
    const { m } = manager();
    const s = await m.create('stdio');
    expect(m.peek(s.id)).toBe(s);
    expect(await m.get(s.id)).toBe(s);
    expect(m.peek('nope')).toBeUndefined();
    expect(await m.get('nope')).toBeUndefined();
    // Released (another process may resume it): peek no longer sees it, get loads it back.
    m.release(s.id);
    expect(m.peek(s.id)).toBeUndefined();
    const loaded = await m.get(s.id);
    expect(loaded).toEqual(s);
    expect(loaded).not.toBe(s);
    expect(m.peek(s.id)).toBe(loaded);
  });

  it('updates in place, marks activity, and writes the change to the store', async () => {
    const { m, store } = manager();
    const s = await m.create('stdio', { createdAt: 1000, lastActiveAt: 1000 });
    const updated = m.update(s.id, (session) => {
      session.counters.c2s += 2;
      session.protocolVersion = '2025-11-25';
      session.clientInfo = { name: 'client', version: '1.0.0' };
      session.metadata.user = 'ada';
    });
    expect(updated).toBe(s);
    expect(s.lastActiveAt).toBeGreaterThan(1000);
    expect(m.update('nope', () => undefined)).toBeUndefined();
    // Writes are batched; list() (and flush()) write them first.
    const listed = await m.list();
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: s.id, counters: { c2s: 2, s2c: 0 }, protocolVersion: '2025-11-25', clientInfo: { name: 'client' }, metadata: { user: 'ada' } });
    expect((await store.load(s.id))?.metadata).toEqual({ user: 'ada' });
  });

  it('lists every session, live or only stored', async () => {
    const { m } = manager();
    const a = await m.create('stdio');
    const b = await m.create('websocket');
    m.release(b.id);
    expect((await m.list()).map((s) => s.id).sort()).toEqual([a.id, b.id].sort());
    expect(m.liveCount).toBe(1);
  });

  it('the store hands out copies: changing a loaded session changes nothing stored', async () => {
    const { m, store } = manager();
    const s = await m.create('stdio');
    const copy = (await store.load(s.id))!;
    copy.metadata.tampered = true;
    expect((await store.load(s.id))?.metadata).toEqual({});
  });

  it('cleans up a session: gone from memory and store, with a cleanup event naming the reason', async () => {
    const { m, store, cleaned } = manager();
    const s = await m.create('stdio');
    m.update(s.id, (session) => session.counters.s2c++);
    expect(await m.cleanup(s.id, 'client went away')).toBe(true);
    expect(cleaned).toEqual([[s.id, 'client went away']]);
    expect(m.peek(s.id)).toBeUndefined();
    expect(await m.get(s.id)).toBeUndefined();
    expect(await store.load(s.id)).toBeUndefined();
    // The pending batched write does not bring it back.
    await m.flush();
    expect(await m.list()).toEqual([]);
    // Cleaning up what is not there says so, and tells nobody.
    expect(await m.cleanup(s.id)).toBe(false);
    expect(cleaned).toHaveLength(1);
  });

  it('cleans up a released session the store still holds', async () => {
    const { m, cleaned } = manager();
    const s = await m.create('stdio');
    m.release(s.id);
    expect(await m.cleanup(s.id)).toBe(true);
    expect(cleaned).toEqual([[s.id, 'closed']]);
    expect(await m.list()).toEqual([]);
  });

  it('expires sessions idle longer than idleTimeoutMs, and only those', async () => {
    const { m, cleaned } = manager(50);
    const idle = await m.create('stdio');
    const busy = await m.create('stdio');
    const now = Date.now();
    idle.lastActiveAt = now - 1000;
    busy.lastActiveAt = now;
    expect(await m.sweepIdle(now)).toBe(1);
    expect(cleaned).toEqual([[idle.id, 'idle']]);
    expect(m.peek(idle.id)).toBeUndefined();
    expect(await m.get(idle.id)).toBeUndefined();
    expect(m.peek(busy.id)).toBe(busy);
    // Exactly at the timeout a session is not yet idle; past it, it is.
    expect(await m.sweepIdle(now + 50)).toBe(0);
    expect(await m.sweepIdle(now + 51)).toBe(1);
    expect(cleaned.map(([, reason]) => reason)).toEqual(['idle', 'idle']);
    expect(await m.list()).toEqual([]);
  });

  it('counts activity as an update: a session kept busy does not expire', async () => {
    const { m, cleaned } = manager(50);
    const s = await m.create('stdio');
    s.lastActiveAt = Date.now() - 1000;
    m.update(s.id, (session) => session.counters.c2s++);
    expect(await m.sweepIdle(Date.now())).toBe(0);
    expect(cleaned).toEqual([]);
  });

  it('never expires anything with idleTimeoutMs 0', async () => {
    const { m, cleaned } = manager(0);
    const s = await m.create('stdio');
    s.lastActiveAt = 0;
    expect(await m.sweepIdle(Date.now())).toBe(0);
    expect(m.peek(s.id)).toBe(s);
    expect(cleaned).toEqual([]);
  });

  it('expires idle sessions on its own, on its sweep interval', async () => {
    const m = new SessionManager({ idleTimeoutMs: 20, sweepIntervalMs: 10 });
    managers.push(m);
    const s = await m.create('stdio');
    const [session, reason] = await new Promise<[Session, string]>((resolve) => m.once('cleanup', (...args) => resolve(args)));
    expect(session.id).toBe(s.id);
    expect(reason).toBe('idle');
  });
});
