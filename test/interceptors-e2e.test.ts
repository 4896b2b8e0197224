/**
 * Every interceptor action, both directions, through a real proxy between the SDK client and the
 * real server-everything; the tape is checked for what it says happened.
 */
import { describe, expect, it } from 'vitest';
import type { InterceptAction } from '../src/core/actions.js';
import type { Interceptor } from '../src/core/chain.js';
import type { InterceptContext } from '../src/core/context.js';
import { ErrorCode, isObject } from '../src/core/jsonrpc.js';
import type { TapeFrame } from '../src/tape/types.js';
import { inprocProxy, type InprocProxy } from './support/inproc.js';

/** An interceptor from a predicate and an action. */
function when(name: string, test: (ctx: InterceptContext) => boolean, action: (ctx: InterceptContext) => InterceptAction | Promise<InterceptAction>): Interceptor {
  return { name, intercept: (ctx) => (test(ctx) ? action(ctx) : undefined) };
}

const toolOf = (params: unknown) => (isObject(params) ? params.name : undefined);
/** A tools/call request for `tool`. */
const callsTool = (tool: string) => (ctx: InterceptContext) =>
  ctx.summary.kind === 'request' && ctx.summary.method === 'tools/call' && isObject(ctx.message) && toolOf(ctx.message.params) === tool;
/** The server's answer to a tools/call of `tool`. */
const answers = (tool: string) => (ctx: InterceptContext) =>
  ctx.direction === 's2c' && ctx.summary.kind === 'response' && ctx.request?.method === 'tools/call' && toolOf(ctx.request.params) === tool;
const isRequest = (method: string) => (ctx: InterceptContext) => ctx.summary.kind === 'request' && ctx.summary.method === method;

const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;
const echoed = (text: string) => ({ content: [{ type: 'text', text }] });

/** The tools/call request frame whose arguments carry `marker`. */
const callFrame = (marker: string) => (f: TapeFrame) => f.direction === 'c2s' && f.kind === 'request' && f.message.includes(marker);
/** Every frame with the JSON-RPC id of `request` in the other direction: its answers. */
const answersTo = (frames: TapeFrame[], request: TapeFrame) => frames.filter((f) => f.id === request.id && f.direction !== request.direction && f.seq > request.seq);

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Runs `body` against a fresh proxy and always shuts it down. */
async function through(interceptors: Interceptor[], body: (t: InprocProxy) => Promise<void>, options?: Parameters<typeof inprocProxy>[1]): Promise<void> {
  const t = await inprocProxy(interceptors, options);
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

/** Tracks whether a promise has settled, without consuming its rejection. */
function watch<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

describe('continue', () => {
  it('passes everything both ways and records every frame as continue, answers with their latency', () =>
    through([{ name: 'watcher', intercept: () => ({ type: 'continue' }) }], async (t) => {
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'plain' } }))).toBe('Echo: plain');
      // The server's own request comes through too, and the client's handler answers it.
      await t.frame((f) => f.direction === 'c2s' && f.kind === 'response' && f.method === 'roots/list', 'the client answer to roots/list');
      expect(t.rootsAsked()).toBe(1);
      const frames = t.frames();
      expect(frames.map((f) => f.action)).toEqual(frames.map(() => 'continue'));
      expect(frames.find(callFrame('plain'))).toBeDefined();
      const responses = frames.filter((f) => f.kind === 'response');
      expect(responses.map((f) => f.method)).toEqual(expect.arrayContaining(['initialize', 'tools/call', 'roots/list']));
      for (const response of responses) {
        expect(response.latencyMs, `latency of the ${response.method} answer`).toBeGreaterThanOrEqual(0);
        expect(response.original).toBeUndefined();
      }
    }));
});

describe('modify', () => {
  it('client to server: the server gets the rewritten request; the tape keeps both', () =>
    through(
      [
        when('rewrite', callsTool('echo'), (ctx) => {
          const message = structuredClone(ctx.message) as { params: { arguments: { message: string } } };
          message.params.arguments.message = 'b';
          return { type: 'modify', message };
        }),
      ],
      async (t) => {
        expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'a' } }))).toBe('Echo: b');
        const frames = t.frames();
        const call = frames.find((f) => f.kind === 'request' && f.method === 'tools/call')!;
        expect(call.action).toBe('modify');
        expect(JSON.parse(call.message).params.arguments.message).toBe('b');
        expect(JSON.parse(call.original!).params.arguments.message).toBe('a');
        // The server's answer is to what it was sent, and passes untouched.
        const [answer] = answersTo(frames, call);
        expect(answer).toMatchObject({ kind: 'response', action: 'continue' });
        expect(answer!.message).toContain('Echo: b');
      },
    ));

  it('server to client: the client gets the rewritten answer; the tape keeps the server original', () =>
    through(
      [when('rewrite-answer', answers('echo'), (ctx) => ({ type: 'modify', message: { jsonrpc: '2.0', id: ctx.summary.id!, result: echoed('rewritten') } }))],
      async (t) => {
        expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'x' } }))).toBe('rewritten');
        const frames = t.frames();
        const [answer, ...more] = answersTo(frames, frames.find(callFrame('"x"'))!);
        expect(more).toEqual([]);
        expect(answer).toMatchObject({ direction: 's2c', kind: 'response', method: 'tools/call', action: 'modify' });
        expect(answer!.message).toContain('rewritten');
        expect(answer!.original).toContain('Echo: x');
      },
    ));
});

describe('block', () => {
  it('client to server: the client gets an error with the reason, the server never sees it, others go on', () =>
    through([when('no-sums', callsTool('get-sum'), () => ({ type: 'block', reason: 'sums are off today' }))], async (t) => {
      await expect(t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } })).rejects.toMatchObject({
        code: ErrorCode.Blocked,
        message: expect.stringContaining('sums are off today'),
      });
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'still here' } }))).toBe('Echo: still here');
      const frames = t.frames();
      const blocked = frames.find(callFrame('get-sum'))!;
      expect(blocked).toMatchObject({ action: 'block', note: 'sums are off today' });
      // The only answer is the proxy's: the server never answered, because it never got it.
      const replies = answersTo(frames, blocked);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatchObject({ direction: 's2c', kind: 'error', method: 'tools/call', action: 'block' });
      expect(replies[0]!.flags).toContain('synthesized');
      expect(replies[0]!.message).toContain('sums are off today');
    }));

  it('server to client: a blocked roots/list request is answered to the server with an error; the client is never asked', () =>
    through([when('no-roots', isRequest('roots/list'), () => ({ type: 'block', reason: 'roots are private' }))], async (t) => {
      const reply = await t.frame((f) => f.method === 'roots/list' && f.kind === 'error', 'the error answering roots/list');
      expect(reply).toMatchObject({ direction: 'c2s', action: 'block' });
      expect(reply.flags).toContain('synthesized');
      expect(reply.message).toContain('roots are private');
      const asked = t.frames().find((f) => f.method === 'roots/list' && f.kind === 'request')!;
      expect(asked).toMatchObject({ direction: 's2c', action: 'block', id: reply.id });
      // The server took the error: it has no roots, and asking again is blocked again.
      const listed = await t.client.callTool({ name: 'get-roots-list', arguments: {} });
      expect(textOf(listed)).toMatch(/no roots are currently configured/);
      expect(t.rootsAsked()).toBe(0);
    }));

  it('server to client: a blocked notification is dropped; the call it belongs to still completes', () =>
    through([when('no-progress', (ctx) => ctx.summary.method === 'notifications/progress', () => ({ type: 'block', reason: 'quiet' }))], async (t) => {
      let progress = 0;
      const result = await t.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, {
        onprogress: () => progress++,
      });
      expect(textOf(result)).toContain('Long running operation completed');
      expect(progress).toBe(0);
      const notes = t.frames().filter((f) => f.method === 'notifications/progress');
      expect(notes.length).toBeGreaterThan(0);
      for (const note of notes) expect(note).toMatchObject({ direction: 's2c', action: 'block' });
      // Nothing is owed for a notification: the proxy made no reply.
      expect(t.frames().filter((f) => f.flags.includes('synthesized'))).toEqual([]);
    }));

  it('a blocked answer becomes an error for the requester', () =>
    through([when('no-echo-answers', answers('echo'), () => ({ type: 'block', reason: 'answer withheld' }))], async (t) => {
      await expect(t.client.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toMatchObject({
        code: ErrorCode.Blocked,
        message: expect.stringContaining('answer withheld'),
      });
      const frames = t.frames();
      const [real, replacement, ...more] = answersTo(frames, frames.find(callFrame('"x"'))!);
      expect(more).toEqual([]);
      expect(real).toMatchObject({ direction: 's2c', kind: 'response', action: 'block' });
      expect(real!.message).toContain('Echo: x');
      expect(replacement).toMatchObject({ direction: 's2c', kind: 'error', action: 'block' });
      expect(replacement!.flags).toContain('synthesized');
      // The session goes on.
      expect(JSON.stringify(await t.client.callTool({ name: 'get-sum', arguments: { a: 2, b: 2 } }))).toContain('4');
    }));
});

describe('mock', () => {
  it('client to server: the client gets the mocked result, the server never gets the request', () =>
    through([when('mock-echo', callsTool('echo'), () => ({ type: 'mock', response: echoed('mocked echo') }))], async (t) => {
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'x' } }))).toBe('mocked echo');
      const frames = t.frames();
      const call = frames.find(callFrame('"echo"'))!;
      expect(call.action).toBe('mock');
      const replies = answersTo(frames, call);
      expect(replies).toHaveLength(1);
      expect(replies[0]).toMatchObject({ direction: 's2c', kind: 'response', method: 'tools/call', action: 'mock' });
      expect(replies[0]!.flags).toContain('synthesized');
      expect(replies[0]!.message).toContain('mocked echo');
    }));

  it('server to client: a mocked roots/list answer goes to the server; the client is never asked', () =>
    through([when('mock-roots', isRequest('roots/list'), () => ({ type: 'mock', response: { roots: [{ uri: 'file:///mocked', name: 'mocked' }] } }))], async (t) => {
      const answer = await t.frame((f) => f.method === 'roots/list' && f.kind === 'response', 'the mocked roots/list answer');
      expect(answer).toMatchObject({ direction: 'c2s', action: 'mock' });
      expect(answer.flags).toContain('synthesized');
      expect(answer.message).toContain('file:///mocked');
      // The server took the mocked roots: its get-roots-list tool reports them.
      expect(textOf(await t.client.callTool({ name: 'get-roots-list', arguments: {} }))).toContain('file:///mocked');
      expect(t.rootsAsked()).toBe(0);
    }));
});

describe('pause', () => {
  it('holds a message without holding up others; resumed edited, the client gets the edited result', () =>
    through([when('hold-echo', callsTool('echo'), () => ({ type: 'pause', reason: 'look at echoes' }))], async (t) => {
      const held = watch(t.client.callTool({ name: 'echo', arguments: { message: 'original' } }));
      await until(() => t.proxy.pauses.size === 1, 'the echo to be paused');
      const [paused] = t.proxy.pauses.list();
      expect(paused).toMatchObject({ direction: 'c2s', reason: 'look at echoes', summary: { kind: 'request', method: 'tools/call' } });
      expect(paused!.raw).toContain('original');
      // A call made after the paused one completes while it is still held.
      expect(textOf(await t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 1 } }))).toContain('2');
      expect(held.settled()).toBe(false);
      expect(t.frames().find(callFrame('original'))).toBeUndefined();

      const edited = structuredClone(paused!.message) as { params: { arguments: { message: string } } };
      edited.params.arguments.message = 'edited';
      expect(t.proxy.pauses.resume(paused!.pauseId, { type: 'modify', message: edited })).toBe(true);
      expect(textOf(await held.promise)).toBe('Echo: edited');
      expect(t.proxy.pauses.size).toBe(0);
      const call = t.frames().find(callFrame('edited'))!;
      expect(call.action).toBe('pause>modify');
      expect(JSON.parse(call.original!).params.arguments.message).toBe('original');
      expect(call.note).toMatch(/held \d+ ms/);
    }));

  it('resumes as is, drops (the client gets an error), mocks, and continues on timeout', () =>
    through(
      [
        when('hold-echo', callsTool('echo'), (ctx) => {
          const waits = JSON.stringify(ctx.message).includes('waits');
          return { type: 'pause', timeoutMs: waits ? 50 : undefined };
        }),
      ],
      async (t) => {
        const call = (message: string) => t.client.callTool({ name: 'echo', arguments: { message } });
        const next = async () => {
          await until(() => t.proxy.pauses.size === 1, 'the next echo to be paused');
          return t.proxy.pauses.list()[0]!.pauseId;
        };

        const asIs = call('as is');
        expect(t.proxy.pauses.resume(await next())).toBe(true);
        expect(textOf(await asIs)).toBe('Echo: as is');

        const dropped = call('drop me');
        expect(t.proxy.pauses.resume(await next(), { type: 'drop', reason: 'not today' })).toBe(true);
        await expect(dropped).rejects.toMatchObject({ code: ErrorCode.Dropped, message: expect.stringContaining('not today') });

        const mocked = call('mock me');
        expect(t.proxy.pauses.resume(await next(), { type: 'mock', response: echoed('from the UI') })).toBe(true);
        expect(textOf(await mocked)).toBe('from the UI');

        // Nobody decides: it goes on by itself.
        expect(textOf(await call('waits'))).toBe('Echo: waits');
        expect(t.proxy.pauses.size).toBe(0);

        const frames = t.frames();
        expect(frames.find(callFrame('as is'))!.action).toBe('pause');
        const drop = frames.find(callFrame('drop me'))!;
        expect(drop.action).toBe('pause>block');
        expect(answersTo(frames, drop)).toMatchObject([{ kind: 'error', action: 'block', flags: ['synthesized'] }]);
        const mock = frames.find(callFrame('mock me'))!;
        expect(mock.action).toBe('pause>mock');
        expect(answersTo(frames, mock)).toMatchObject([{ kind: 'response', action: 'mock', flags: ['synthesized'] }]);
        const timedOut = frames.find(callFrame('waits'))!;
        expect(timedOut.action).toBe('pause');
        expect(timedOut.flags).toContain('pause-timeout');
        expect(timedOut.note).toMatch(/pause timed out/);
      },
    ));

  it('pauses an answer on its way back; edited there, the client sees the edit', () =>
    through([when('hold-answer', answers('echo'), () => ({ type: 'pause' }))], async (t) => {
      const held = watch(t.client.callTool({ name: 'echo', arguments: { message: 'back' } }));
      await until(() => t.proxy.pauses.size === 1, 'the echo answer to be paused');
      const [paused] = t.proxy.pauses.list();
      expect(paused).toMatchObject({ direction: 's2c', summary: { kind: 'response' } });
      expect(paused!.raw).toContain('Echo: back');
      expect(textOf(await t.client.callTool({ name: 'get-sum', arguments: { a: 3, b: 4 } }))).toContain('7');
      expect(held.settled()).toBe(false);

      const edited = { ...(paused!.message as object), result: echoed('edited on the way back') };
      expect(t.proxy.pauses.resume(paused!.pauseId, { type: 'modify', message: edited })).toBe(true);
      expect(textOf(await held.promise)).toBe('edited on the way back');
      const frames = t.frames();
      const [answer] = answersTo(frames, frames.find(callFrame('back'))!);
      expect(answer).toMatchObject({ direction: 's2c', kind: 'response', action: 'pause>modify' });
      expect(answer!.original).toContain('Echo: back');
    }));

  it("pauses the server's own request; mocked by a person, the server gets that answer", () =>
    through([when('hold-roots', isRequest('roots/list'), () => ({ type: 'pause' }))], async (t) => {
      await until(() => t.proxy.pauses.size === 1, 'roots/list to be paused');
      const [paused] = t.proxy.pauses.list();
      expect(paused).toMatchObject({ direction: 's2c', summary: { kind: 'request', method: 'roots/list' } });
      t.proxy.pauses.resume(paused!.pauseId, { type: 'mock', response: { roots: [{ uri: 'file:///chosen', name: 'chosen' }] } });
      const answer = await t.frame((f) => f.method === 'roots/list' && f.kind === 'response', 'the answer to roots/list');
      expect(answer).toMatchObject({ direction: 'c2s', action: 'mock' });
      expect(textOf(await t.client.callTool({ name: 'get-roots-list', arguments: {} }))).toContain('file:///chosen');
      expect(t.rootsAsked()).toBe(0);
    }));
});

describe('delay', () => {
  it('delays then continues, or delays then blocks, and notes the delay', () =>
    through(
      [
        when('slow-echo', callsTool('echo'), () => ({ type: 'delay', ms: 150, then: { type: 'continue' } })),
        when('slow-block', callsTool('get-sum'), () => ({ type: 'delay', ms: 50, then: { type: 'block', reason: 'after a pause for thought' } })),
      ],
      async (t) => {
        expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'late' } }))).toBe('Echo: late');
        await expect(t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } })).rejects.toMatchObject({
          code: ErrorCode.Blocked,
          message: expect.stringContaining('after a pause for thought'),
        });
        const frames = t.frames();
        const late = frames.find(callFrame('"late"'))!;
        expect(late).toMatchObject({ action: 'delay', note: 'delayed 150 ms' });
        expect(answersTo(frames, late)).toMatchObject([{ kind: 'response', action: 'continue' }]);
        const sum = frames.find(callFrame('get-sum'))!;
        expect(sum.action).toBe('delay>block');
        expect(sum.note).toMatch(/delayed 50 ms/);
        expect(sum.note).toMatch(/after a pause for thought/);
        expect(answersTo(frames, sum)).toMatchObject([{ kind: 'error', action: 'block', flags: ['synthesized'] }]);
      },
    ));
});

describe('interceptors that are asynchronous or broken', () => {
  it('waits for a promise without holding up other messages', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await through(
      [
        when('slow-async', callsTool('echo'), async () => {
          await gate;
          return { type: 'continue' };
        }),
        when('async-mock', callsTool('get-sum'), () => Promise.resolve<InterceptAction>({ type: 'mock', response: echoed('async mock') })),
      ],
      async (t) => {
        const first = watch(t.client.callTool({ name: 'echo', arguments: { message: 'gated' } }));
        await until(() => t.proxy.pipeline.busy === 1, 'the echo to wait on its interceptor');
        expect(textOf(await t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }))).toBe('async mock');
        expect(first.settled()).toBe(false);
        release();
        expect(textOf(await first.promise)).toBe('Echo: gated');
        const frames = t.frames();
        expect(frames.find(callFrame('get-sum'))!.seq).toBeLessThan(frames.find(callFrame('gated'))!.seq);
      },
    );
  });

  it('lets the message through when an interceptor throws or rejects, and notes the failure', () =>
    through(
      [
        when('throws', callsTool('echo'), () => {
          throw new Error('bug in a rule');
        }),
        when('rejects', callsTool('get-sum'), () => Promise.reject(new Error('async bug'))),
      ],
      async (t) => {
        expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'survives' } }))).toBe('Echo: survives');
        expect(JSON.stringify(await t.client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } }))).toContain('42');
        const frames = t.frames();
        expect(frames.find(callFrame('survives'))).toMatchObject({ action: 'continue', note: 'interceptor throws failed: bug in a rule' });
        expect(frames.find(callFrame('get-sum'))).toMatchObject({ action: 'continue', note: 'interceptor rejects failed: async bug' });
      },
    ));
});

describe('pending requests', () => {
  it('when the server dies mid-call, the client gets an error naming it, and so does every later request', () =>
    through([], async (t) => {
      const call = t.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } }, undefined, { onprogress: () => undefined });
      // Handled from the start, so a failure elsewhere cannot leave it unobserved.
      call.catch(() => undefined);
      // The server is at work on it once it reports progress.
      await t.frame((f) => f.method === 'notifications/progress', 'progress from the long operation');
      t.upstream.child.kill('SIGKILL');
      await expect(call).rejects.toMatchObject({
        code: ErrorCode.UpstreamClosed,
        message: expect.stringContaining('server was killed by SIGKILL before answering tools/call'),
      });
      const frames = t.frames();
      const request = frames.find(callFrame('trigger-long-running-operation'))!;
      const [failed, ...more] = answersTo(frames, request);
      expect(more).toEqual([]);
      expect(failed).toMatchObject({ direction: 's2c', kind: 'error', method: 'tools/call' });
      expect(failed!.flags).toEqual(expect.arrayContaining(['synthesized', 'upstream-closed']));
      expect(failed!.latencyMs).toBeGreaterThan(0);

      // Later requests are answered at once with the same reason, and recorded.
      await expect(t.client.callTool({ name: 'echo', arguments: { message: 'too late' } })).rejects.toMatchObject({
        code: ErrorCode.UpstreamClosed,
        message: expect.stringContaining('server was killed by SIGKILL'),
      });
      const late = t.frames().find(callFrame('too late'))!;
      expect(answersTo(t.frames(), late)).toMatchObject([{ kind: 'error', flags: ['synthesized', 'undelivered'] }]);
    }));
});
