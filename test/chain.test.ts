/** InterceptorChain on its own: order, modification, the synchronous fast path, observers. */
import { describe, expect, it } from 'vitest';
import { InterceptorChain, type Interceptor } from '../src/core/chain.js';
import type { FrameEvent, InterceptContext } from '../src/core/context.js';
import { summarize } from '../src/core/jsonrpc.js';

function ctx(message: unknown): InterceptContext {
  return { sessionId: 's', transport: 'stdio', direction: 'c2s', raw: JSON.stringify(message), message, summary: summarize(message), receivedAt: 0, flags: [] };
}
const ping = { jsonrpc: '2.0', id: 1, method: 'ping' };

describe('InterceptorChain', () => {
  it('registers, refuses duplicate names, and unregisters', () => {
    const chain = new InterceptorChain();
    chain.register({ name: 'a' }).register({ name: 'b' });
    expect(chain.names()).toEqual(['a', 'b']);
    expect(() => chain.register({ name: 'a' })).toThrow(/already registered/);
    expect(chain.unregister('a')).toBe(true);
    expect(chain.unregister('a')).toBe(false);
    expect(chain.names()).toEqual(['b']);
  });

  it('runs in order; later interceptors see an earlier modification; the first block wins', () => {
    const seen: string[] = [];
    const chain = new InterceptorChain();
    chain.register({ name: 'rename', intercept: () => ({ type: 'modify', message: { ...ping, method: 'renamed' } }) });
    chain.register({ name: 'look', intercept: (c) => void seen.push(c.summary.method!) });
    chain.register({ name: 'stop', intercept: () => ({ type: 'block', reason: 'no' }) });
    chain.register({ name: 'never', intercept: () => void seen.push('never') });
    const verdict = chain.intercept(ctx(ping));
    expect(verdict).not.toBeInstanceOf(Promise);
    expect(seen).toEqual(['renamed']);
    expect(verdict).toMatchObject({ type: 'block', reason: 'no', modified: true, trail: ['modify', 'block'] });
  });

  it('stays synchronous when every interceptor is, and goes asynchronous only when one returns a promise', async () => {
    const sync = new InterceptorChain();
    sync.register({ name: 'a', intercept: () => undefined }).register({ name: 'b', intercept: () => ({ type: 'continue' }) });
    expect(sync.intercept(ctx(ping))).not.toBeInstanceOf(Promise);
    const mixed = new InterceptorChain();
    mixed.register({ name: 'a', intercept: async () => ({ type: 'continue' }) }).register({ name: 'b', intercept: () => ({ type: 'mock', response: { ok: 1 } }) });
    const verdict = mixed.intercept(ctx(ping));
    expect(verdict).toBeInstanceOf(Promise);
    expect(await verdict).toMatchObject({ type: 'mock', response: { ok: 1 } });
  });

  it('notifies observers, and one failing observer does not stop the others', () => {
    const chain = new InterceptorChain();
    const got: string[] = [];
    const broken: Interceptor = { name: 'broken', observe: () => { throw new Error('x'); } };
    chain.register(broken).register({ name: 'ok', observe: (e) => void got.push(e.action) });
    const original = console.error;
    console.error = () => undefined;
    try {
      chain.notify({ action: 'continue' } as FrameEvent);
    } finally {
      console.error = original;
    }
    expect(got).toEqual(['continue']);
  });
});
