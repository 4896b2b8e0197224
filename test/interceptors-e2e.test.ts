/**
 * Every interceptor action, both directions, through a real proxy between the SDK client and the
 * real server-everything; the tape is checked for what it says happened.
 */
import { describe, expect, it } from 'vitest';
import type { InterceptAction } from '../src/core/actions.js';
import type { Interceptor } from '../src/core/chain.js';
import type { InterceptContext } from '../src/core/context.js';
import { isObject } from '../src/core/jsonrpc.js';
import { inprocProxy } from './support/inproc.js';

/** An interceptor from a predicate and an action. */
function when(name: string, test: (ctx: InterceptContext) => boolean, action: (ctx: InterceptContext) => InterceptAction | Promise<InterceptAction>): Interceptor {
  return { name, intercept: (ctx) => (test(ctx) ? action(ctx) : undefined) };
}
const isToolCall = (tool: string) => (ctx: InterceptContext) =>
  ctx.summary.kind === 'request' && ctx.summary.method === 'tools/call' && isObject(ctx.message) && isObject(ctx.message.params) && ctx.message.params.name === tool;
const answers = (tool: string) => (ctx: InterceptContext) =>
  ctx.summary.kind === 'response' && ctx.request?.method === 'tools/call' && isObject(ctx.request.params) && ctx.request.params.name === tool;
const textOf = (result: unknown) => ((result as { content: { text: string }[] }).content[0]!.text);
const waitFor = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe('continue', () => {
  it('passes everything and records it as continue', async () => {
    const t = await inprocProxy([]);
    try {
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'plain' } }))).toBe('Echo: plain');
      const call = t.frames().find((f) => f.message.includes('"plain"') && f.kind === 'request');
      expect(call?.action).toBe('continue');
    } finally {
      await t.close();
    }
  });
});

describe('modify', () => {
  it('client to server: the server gets the rewritten request; the tape keeps both', async () => {
    const t = await inprocProxy([
      when('rewrite', isToolCall('echo'), (ctx) => {
        const message = structuredClone(ctx.message) as { params: { arguments: { message: string } } };
        message.params.arguments.message = 'b';
        return { type: 'modify', message };
      }),
    ]);
    try {
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'a' } }))).toBe('Echo: b');
      const call = t.frames().find((f) => f.kind === 'request' && f.method === 'tools/call')!;
      expect(call.action).toBe('modify');
      expect(JSON.parse(call.message).params.arguments.message).toBe('b');
      expect(JSON.parse(call.original!).params.arguments.message).toBe('a');
    } finally {
      await t.close();
    }
  });

  it('server to client: the client gets the rewritten answer', async () => {
    const t = await inprocProxy([
      when('rewrite-answer', answers('echo'), () => ({ type: 'modify', message: { jsonrpc: '2.0', id: 0, result: { content: [{ type: 'text', text: 'rewritten' }] } } })),
    ]);
    try {
      // The id of a modified answer is the interceptor's business; here it keeps the original id.
      const chain = t.proxy.chain;
      chain.unregister('rewrite-answer');
      chain.register(
        when('rewrite-answer', answers('echo'), (ctx) => ({ type: 'modify', message: { jsonrpc: '2.0', id: ctx.summary.id!, result: { content: [{ type: 'text', text: 'rewritten' }] } } })),
      );
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'x' } }))).toBe('rewritten');
    } finally {
      await t.close();
    }
  });
});

describe('block', () => {
  it('client to server: the client gets an error with the reason, the server never sees it, others go on', async () => {
    const t = await inprocProxy([when('no-sums', isToolCall('get-sum'), () => ({ type: 'block', reason: 'sums are off today' }))]);
    try {
      await expect(t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } })).rejects.toThrow(/sums are off today/);
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'still here' } }))).toBe('Echo: still here');
      const frames = t.frames();
      const blocked = frames.find((f) => f.kind === 'request' && f.message.includes('get-sum'))!;
      expect(blocked.action).toBe('block');
      const reply = frames.find((f) => f.seq > blocked.seq && f.kind === 'error')!;
      expect(reply.direction).toBe('s2c');
      expect(reply.flags).toContain('synthesized');
      // The server answered nothing about get-sum: no upstream response exists for that id.
      expect(frames.filter((f) => f.id === blocked.id && f.kind === 'response')).toHaveLength(0);
    } finally {
      await t.close();
    }
  });

  it('server to client: a blocked roots/list request is answered to the server with an error; the client is never asked', async () => {
    const t = await inprocProxy([when('no-roots', (ctx) => ctx.summary.method === 'roots/list' && ctx.summary.kind === 'request', () => ({ type: 'block', reason: 'roots are private' }))]);
    try {
      await waitFor(() => t.frames().some((f) => f.method === 'roots/list' && f.kind === 'error'));
      const frames = t.frames();
      const reply = frames.find((f) => f.method === 'roots/list' && f.kind === 'error')!;
      expect(reply.direction).toBe('c2s');
      expect(reply.message).toContain('roots are private');
      expect(t.rootsAsked()).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('server to client: a blocked notification is dropped, the call still completes', async () => {
    const t = await inprocProxy([when('no-progress', (ctx) => ctx.summary.method === 'notifications/progress', () => ({ type: 'block', reason: 'quiet' }))]);
    try {
      let progress = 0;
      const result = await t.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: () => progress++ });
      expect(textOf(result)).toContain('Long running operation completed');
      expect(progress).toBe(0);
      expect(t.frames().filter((f) => f.method === 'notifications/progress').every((f) => f.action === 'block')).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('a blocked answer becomes an error for the requester', async () => {
    const t = await inprocProxy([when('no-echo-answers', answers('echo'), () => ({ type: 'block', reason: 'answer withheld' }))]);
    try {
      await expect(t.client.callTool({ name: 'echo', arguments: { message: 'x' } })).rejects.toThrow(/answer withheld/);
    } finally {
      await t.close();
    }
  });
});

describe('mock', () => {
  it('client to server: the client gets the mocked result, the server never gets the request', async () => {
    const t = await inprocProxy([when('mock-echo', isToolCall('echo'), () => ({ type: 'mock', response: { content: [{ type: 'text', text: 'mocked echo' }] } }))]);
    try {
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'x' } }))).toBe('mocked echo');
      const frames = t.frames();
      const call = frames.find((f) => f.kind === 'request' && f.message.includes('"echo"'))!;
      expect(call.action).toBe('mock');
      const answer = frames.find((f) => f.kind === 'response' && f.id === call.id && f.seq > call.seq)!;
      expect(answer.flags).toContain('synthesized');
    } finally {
      await t.close();
    }
  });

  it('server to client: a mocked roots/list answer goes to the server; the client is never asked', async () => {
    const t = await inprocProxy([
      when('mock-roots', (ctx) => ctx.summary.method === 'roots/list' && ctx.summary.kind === 'request', () => ({ type: 'mock', response: { roots: [{ uri: 'file:///mocked', name: 'mocked' }] } })),
    ]);
    try {
      await waitFor(() => t.frames().some((f) => f.method === 'roots/list' && f.kind === 'response'));
      const answer = t.frames().find((f) => f.method === 'roots/list' && f.kind === 'response')!;
      expect(answer.direction).toBe('c2s');
      expect(answer.message).toContain('file:///mocked');
      expect(t.rootsAsked()).toBe(0);
      // The server took the mocked roots: its get-roots-list tool reports them.
      expect(JSON.stringify(await t.client.callTool({ name: 'get-roots-list', arguments: {} }))).toContain('file:///mocked');
    } finally {
      await t.close();
    }
  });
});

describe('pause', () => {
  it('holds a message without holding up others; resumed edited, the client gets the edited result', async () => {
    const t = await inprocProxy([when('hold-echo', isToolCall('echo'), () => ({ type: 'pause' }))]);
    try {
      const held = t.client.callTool({ name: 'echo', arguments: { message: 'original' } });
      await waitFor(() => t.proxy.pauses.size === 1);
      const [paused] = t.proxy.pauses.list();
      expect(paused!.summary.method).toBe('tools/call');
      // A later call overtakes the paused one.
      expect(JSON.stringify(await t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 1 } }))).toContain('2');
      const edited = structuredClone(paused!.message) as { params: { arguments: { message: string } } };
      edited.params.arguments.message = 'edited';
      expect(t.proxy.pauses.resume(paused!.pauseId, { type: 'modify', message: edited })).toBe(true);
      expect(textOf(await held)).toBe('Echo: edited');
      const call = t.frames().find((f) => f.kind === 'request' && f.message.includes('edited'))!;
      expect(call.action).toBe('pause>modify');
      expect(call.original).toContain('original');
    } finally {
      await t.close();
    }
  });

  it('resumes as is, drops (the client gets an error), mocks, and continues on timeout', async () => {
    const t = await inprocProxy([when('hold-echo', isToolCall('echo'), () => ({ type: 'pause', timeoutMs: 300 }))]);
    try {
      const call = (message: string) => t.client.callTool({ name: 'echo', arguments: { message } });
      const next = async () => {
        await waitFor(() => t.proxy.pauses.size === 1);
        return t.proxy.pauses.list()[0]!.pauseId;
      };
      const asIs = call('as is');
      t.proxy.pauses.resume(await next());
      expect(textOf(await asIs)).toBe('Echo: as is');
      const dropped = call('drop me');
      t.proxy.pauses.resume(await next(), { type: 'drop', reason: 'not today' });
      await expect(dropped).rejects.toThrow(/not today/);
      const mocked = call('mock me');
      t.proxy.pauses.resume(await next(), { type: 'mock', response: { content: [{ type: 'text', text: 'from the UI' }] } });
      expect(textOf(await mocked)).toBe('from the UI');
      expect(textOf(await call('waits'))).toBe('Echo: waits');
      const timedOut = t.frames().find((f) => f.kind === 'request' && f.message.includes('waits'))!;
      expect(timedOut.flags).toContain('pause-timeout');
      expect(timedOut.note).toMatch(/pause timed out/);
    } finally {
      await t.close();
    }
  });

  it('pauses an answer on its way back, too', async () => {
    const t = await inprocProxy([when('hold-answer', answers('echo'), () => ({ type: 'pause' }))]);
    try {
      const held = t.client.callTool({ name: 'echo', arguments: { message: 'back' } });
      await waitFor(() => t.proxy.pauses.size === 1);
      expect(t.proxy.pauses.list()[0]!.direction).toBe('s2c');
      t.proxy.pauses.resumeAll();
      expect(textOf(await held)).toBe('Echo: back');
    } finally {
      await t.close();
    }
  });
});

describe('delay', () => {
  it('delays then continues, or delays then blocks, and notes the delay', async () => {
    const t = await inprocProxy([
      when('slow-echo', isToolCall('echo'), () => ({ type: 'delay', ms: 150, then: { type: 'continue' } })),
      when('slow-block', isToolCall('get-sum'), () => ({ type: 'delay', ms: 50, then: { type: 'block', reason: 'after a pause for thought' } })),
    ]);
    try {
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'late' } }))).toBe('Echo: late');
      await expect(t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } })).rejects.toThrow(/after a pause for thought/);
      const frames = t.frames();
      expect(frames.find((f) => f.message.includes('"late"') && f.kind === 'request')!.note).toMatch(/delayed 150 ms/);
      expect(frames.find((f) => f.message.includes('get-sum') && f.kind === 'request')!.action).toBe('delay>block');
    } finally {
      await t.close();
    }
  });
});

describe('interceptors that are asynchronous or broken', () => {
  it('waits for a promise, and lets the message through when an interceptor throws', async () => {
    const t = await inprocProxy([
      { name: 'async', intercept: async (ctx) => (isToolCall('get-sum')(ctx) ? { type: 'mock', response: { content: [{ type: 'text', text: 'async mock' }] } } : undefined) },
      { name: 'broken', intercept: (ctx) => { if (isToolCall('echo')(ctx)) throw new Error('bug in a rule'); } },
    ]);
    try {
      expect(textOf(await t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }))).toBe('async mock');
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'survives' } }))).toBe('Echo: survives');
      const call = t.frames().find((f) => f.message.includes('survives') && f.kind === 'request')!;
      expect(call.note).toMatch(/interceptor broken failed: bug in a rule/);
    } finally {
      await t.close();
    }
  });
});

describe('pending requests', () => {
  it('when the server dies mid-call, the client gets an error naming it, and the tape records it', async () => {
    const t = await inprocProxy([]);
    try {
      const call = t.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 } });
      await waitFor(() => t.frames().some((f) => f.method === 'tools/call' && f.kind === 'request'));
      t.upstream.child.kill('SIGKILL');
      await expect(call).rejects.toThrow(/server was killed by SIGKILL before answering tools\/call/);
      const synthesized = t.frames().find((f) => f.flags.includes('upstream-closed'))!;
      expect(synthesized.direction).toBe('s2c');
      expect(synthesized.latencyMs).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });
});
