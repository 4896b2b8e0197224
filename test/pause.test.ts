/** PauseController: holds are independent, decided once, and continue on timeout. */
import { describe, expect, it } from 'vitest';
import { PauseController } from '../src/core/pause.js';

const held = { sessionId: 's', direction: 'c2s' as const, summary: { kind: 'request' as const, method: 'ping', id: 1, hasId: true }, message: {}, raw: '{}' };

describe('PauseController', () => {
  it('lists what is held and resolves each hold with its own decision', async () => {
    const pauses = new PauseController();
    const events: string[] = [];
    pauses.on('paused', (p) => events.push(`paused ${p.pauseId}`));
    pauses.on('resumed', (p, r) => events.push(`resumed ${p.pauseId} ${r.decision.type}`));
    const a = pauses.hold(held);
    const b = pauses.hold(held);
    expect(pauses.list().map((p) => p.pauseId)).toEqual([1, 2]);
    expect(pauses.resume(2, { type: 'drop', reason: 'no' })).toBe(true);
    expect(pauses.resume(2)).toBe(false);
    expect((await b).decision).toEqual({ type: 'drop', reason: 'no' });
    expect(pauses.size).toBe(1);
    expect(pauses.resumeAll()).toBe(1);
    expect((await a).decision).toEqual({ type: 'continue' });
    expect(events).toEqual(['paused 1', 'paused 2', 'resumed 2 drop', 'resumed 1 continue']);
  });

  it('continues a message whose pause times out, and says so', async () => {
    const pauses = new PauseController(30);
    const resolution = await pauses.hold(held);
    expect(resolution.timedOut).toBe(true);
    expect(resolution.decision).toEqual({ type: 'continue' });
    expect(pauses.size).toBe(0);
  });
});
