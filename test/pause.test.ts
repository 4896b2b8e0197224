/** PauseController: holds are independent, decided once, listed while held, and continue on timeout. */
import { describe, expect, it } from 'vitest';
import { PauseController, type PauseResolution } from '../src/core/pause.js';

const held = (method = 'ping', id = 1) => ({
  sessionId: 's',
  direction: 'c2s' as const,
  summary: { kind: 'request' as const, method, id, hasId: true },
  message: { jsonrpc: '2.0', id, method },
  raw: JSON.stringify({ jsonrpc: '2.0', id, method }),
});

/** Whether a promise has settled yet, checked after pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('PauseController', () => {
  it('lists what is held, with what a person needs to decide', () => {
    const pauses = new PauseController(60_000);
    void pauses.hold({ ...held('tools/call', 7), reason: 'breakpoint on tools/call' });
    void pauses.hold(held('ping', 8), 1_000);
    const [first, second] = pauses.list();
    expect(first).toMatchObject({ pauseId: 1, sessionId: 's', direction: 'c2s', reason: 'breakpoint on tools/call', summary: { method: 'tools/call', id: 7 } });
    expect(first!.deadline - first!.pausedAt).toBe(60_000);
    expect(second!.deadline - second!.pausedAt).toBe(1_000);
    expect(pauses.size).toBe(2);
    pauses.resumeAll();
  });

  it('resolves each hold with its own decision, once; the others stay held', async () => {
    const pauses = new PauseController();
    const a = pauses.hold(held('a'));
    const b = pauses.hold(held('b'));
    const c = pauses.hold(held('c'));
    const edited = { jsonrpc: '2.0', id: 1, method: 'edited' };
    expect(pauses.resume(2, { type: 'modify', message: edited })).toBe(true);
    expect(pauses.resume(2)).toBe(false);
    expect(pauses.resume(99)).toBe(false);
    expect((await b).decision).toEqual({ type: 'modify', message: edited });
    expect(await settled(a)).toBe(false);
    expect(await settled(c)).toBe(false);
    expect(pauses.list().map((p) => p.summary.method)).toEqual(['a', 'c']);

    expect(pauses.resume(3, { type: 'mock', response: { ok: true } })).toBe(true);
    expect((await c).decision).toEqual({ type: 'mock', response: { ok: true } });
    expect(pauses.resumeAll({ type: 'drop', reason: 'shutting down' })).toBe(1);
    expect(await a).toMatchObject({ decision: { type: 'drop', reason: 'shutting down' }, timedOut: false });
    expect(pauses.size).toBe(0);
    expect(pauses.resumeAll()).toBe(0);
  });

  it('announces each hold and each decision', async () => {
    const pauses = new PauseController();
    const events: string[] = [];
    pauses.on('paused', (p) => events.push(`paused ${p.pauseId} ${p.summary.method}`));
    pauses.on('resumed', (p, r) => events.push(`resumed ${p.pauseId} ${r.decision.type}${r.timedOut ? ' (timed out)' : ''}`));
    pauses.once('paused', (p) => events.push(`first pause ${p.pauseId}`));
    const a = pauses.hold(held('a'));
    const b = pauses.hold(held('b'), 20);
    pauses.resume(1, { type: 'drop' });
    await a;
    await b;
    expect(events).toEqual(['paused 1 a', 'first pause 1', 'paused 2 b', 'resumed 1 drop', 'resumed 2 continue (timed out)']);
  });

  it('continues a message whose pause times out, and says so; its own timeout beats the default', async () => {
    const pauses = new PauseController(60_000);
    const patient = pauses.hold(held('patient'));
    const resolution = await pauses.hold(held('hasty'), 20);
    expect(resolution).toMatchObject({ timedOut: true, decision: { type: 'continue' } });
    expect(resolution.heldMs).toBeGreaterThanOrEqual(0);
    expect(pauses.list().map((p) => p.summary.method)).toEqual(['patient']);
    expect(await settled(patient)).toBe(false);
    pauses.resumeAll();
    expect((await patient).timedOut).toBe(false);
  });

  it('uses its default timeout when a hold names none', async () => {
    const pauses = new PauseController(20);
    expect((await pauses.hold(held())).timedOut).toBe(true);
  });

  it('treats a timeout longer than a timer can wait as a very long wait, not as none', async () => {
    const pauses = new PauseController();
    const forever = pauses.hold(held(), Number.POSITIVE_INFINITY);
    const long = pauses.hold(held(), 2 ** 40);
    // Node fires an over-long timer at once; a paused message must stay paused.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await settled(forever)).toBe(false);
    expect(await settled(long)).toBe(false);
    expect(pauses.size).toBe(2);
    pauses.resumeAll();
    expect((await forever).timedOut).toBe(false);
  });

  it('stops a hold\'s timer while a person works on it, and starts it again with the time it had left', async () => {
    const pauses = new PauseController();
    const updates: string[] = [];
    pauses.on('updated', (p) => updates.push(p.timer));
    const hold = pauses.hold(held(), 60);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(pauses.stopTimer(1)).toBe(true);
    expect(pauses.stopTimer(1)).toBe(false);
    // Well past the deadline: still held.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await settled(hold)).toBe(false);
    expect(pauses.startTimer(1)).toBe(true);
    const left = pauses.list()[0]!.deadline - Date.now();
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(45);
    expect((await hold).timedOut).toBe(true);
    expect(updates).toEqual(['stopped', 'running']);
    expect(pauses.startTimer(1)).toBe(false);
  });

  it('drops a held request its sender cancels, owing it no answer; keeps it, marked, when asked to', async () => {
    const pauses = new PauseController();
    const other = pauses.hold({ ...held('tools/call', 5), sessionId: 'other' });
    const mine = pauses.hold(held('tools/call', 5));
    expect(pauses.cancel('s', 'c2s', 6)).toBeUndefined();
    expect(pauses.cancel('s', 's2c', 5)).toBeUndefined();
    expect(pauses.cancel('s', 'c2s', 5, 'user gave up')).toBe('dropped');
    expect(await mine).toMatchObject({ cancelled: true, decision: { type: 'drop', answer: false, reason: 'cancelled by its client while held (user gave up)' } });
    expect(await settled(other)).toBe(false);
    pauses.resumeAll();

    const keeping = new PauseController(60_000, { keepCancelled: true });
    const kept = keeping.hold(held('tools/call', 5));
    expect(keeping.cancel('s', 'c2s', 5)).toBe('kept');
    expect(keeping.list()[0]!.cancelled).toMatchObject({ at: expect.any(Number) });
    expect(await settled(kept)).toBe(false);
    keeping.resumeAll();
  });

  it('keeps a message when a listener fails: the hold is still listed and still decided', async () => {
    const pauses = new PauseController();
    const original = console.error;
    const logged: string[] = [];
    console.error = (line: string) => void logged.push(line);
    try {
      pauses.on('paused', () => {
        throw new Error('ui went away');
      });
      pauses.on('resumed', () => {
        throw new Error('ui still gone');
      });
      const hold = pauses.hold(held());
      expect(pauses.size).toBe(1);
      expect(pauses.resume(1, { type: 'drop', reason: 'decided anyway' })).toBe(true);
      expect((await hold).decision).toEqual({ type: 'drop', reason: 'decided anyway' });
      // A timeout fires from a timer: a throwing listener there must not take the process down.
      const timed: PauseResolution = await pauses.hold(held(), 10);
      expect(timed.timedOut).toBe(true);
    } finally {
      console.error = original;
    }
    expect(logged.join('\n')).toMatch(/ui went away/);
    expect(logged.join('\n')).toMatch(/ui still gone/);
  });
});
