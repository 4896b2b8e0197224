/** Breakpoints, state files and the control hub on their own (no processes, no sockets). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize, type Direction } from '../src/core/jsonrpc.js';
import type { InterceptContext, PendingRequest } from '../src/core/context.js';
import { InterceptorChain } from '../src/core/chain.js';
import { PauseController } from '../src/core/pause.js';
import { BreakpointInterceptor } from '../src/interceptors/breakpoints.js';
import { FilterSyntaxError } from '../src/filter/index.js';
import { SessionManager } from '../src/session/manager.js';
import { ControlHub } from '../src/control/hub.js';
import { FrameHistory, frameView } from '../src/control/views.js';
import { findRunningProxy, listRunningProxies, processAlive, stateDir, writeStateFile } from '../src/control/state.js';
import { CONTROL_PROTOCOL_VERSION, type ProxyStateFile, type ServerMessage } from '../src/control/protocol.js';
import { frameEventFor } from '../src/core/frame-event.js';
import { tempDir } from './support/paths.js';

function ctx(message: object, direction: Direction = 'c2s', request?: PendingRequest): InterceptContext {
  return { sessionId: 's1', transport: 'stdio', direction, raw: JSON.stringify(message), message, summary: summarize(message), receivedAt: 0, request, flags: [] };
}

const echoCall = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } };
const echoAnswer = { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'Echo: hi' }] } };
const echoPending: PendingRequest = { id: 7, method: 'tools/call', sentAt: 0, params: echoCall.params };

describe('BreakpointInterceptor', () => {
  it('does nothing without breakpoints', () => {
    const breakpoints = new BreakpointInterceptor();
    expect(breakpoints.size).toBe(0);
    expect(breakpoints.intercept(ctx(echoCall))).toBeUndefined();
  });

  it('pauses what matches, in either direction, naming the breakpoint', () => {
    const breakpoints = new BreakpointInterceptor(['~m initialize', '~t echo']);
    expect(breakpoints.intercept(ctx(echoCall))).toEqual({ type: 'pause', reason: 'breakpoint 2: ~t echo' });
    // The answer is matched by the request it answers.
    expect(breakpoints.intercept(ctx(echoAnswer, 's2c', echoPending))).toEqual({ type: 'pause', reason: 'breakpoint 2: ~t echo' });
    expect(breakpoints.intercept(ctx({ jsonrpc: '2.0', id: 1, method: 'tools/list' }))).toBeUndefined();
    const onlyAnswers = new BreakpointInterceptor(['~d s2c & ~t echo']);
    expect(onlyAnswers.intercept(ctx(echoCall))).toBeUndefined();
    expect(onlyAnswers.intercept(ctx(echoAnswer, 's2c', echoPending))).toMatchObject({ type: 'pause' });
  });

  it('adds, removes and clears, telling listeners each time', () => {
    const breakpoints = new BreakpointInterceptor();
    const seen: string[][] = [];
    breakpoints.on('changed', (list) => seen.push(list.map((b) => `${b.id}:${b.expression}`)));
    expect(breakpoints.add('~t echo')).toEqual({ id: 1, expression: '~t echo', enabled: true, hits: 0 });
    breakpoints.add('~m ping');
    expect(breakpoints.remove(1)).toBe(true);
    expect(breakpoints.remove(1)).toBe(false);
    expect(breakpoints.intercept(ctx(echoCall))).toBeUndefined();
    expect(breakpoints.clear()).toBe(1);
    expect(seen).toEqual([['1:~t echo'], ['1:~t echo', '2:~m ping'], ['2:~m ping'], []]);
  });

  it('refuses a wrong expression with its column and keeps the list as it was', () => {
    const breakpoints = new BreakpointInterceptor(['~t echo']);
    let error: unknown;
    try {
      breakpoints.add('~t echo & (');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FilterSyntaxError);
    expect((error as FilterSyntaxError).column).toBeGreaterThan(1);
    expect(breakpoints.list()).toEqual([{ id: 1, expression: '~t echo', enabled: true, hits: 0 }]);
    expect(() => new BreakpointInterceptor(['~zz'])).toThrow(FilterSyntaxError);
  });

  it('disables and enables one breakpoint, keeping it listed, and counts what each held', () => {
    const breakpoints = new BreakpointInterceptor(['~t echo', '~m tools/*']);
    expect(breakpoints.intercept(ctx(echoCall))).toEqual({ type: 'pause', reason: 'breakpoint 1: ~t echo' });
    expect(breakpoints.setEnabled(1, false)).toBe(true);
    expect(breakpoints.armed).toBe(1);
    // The next breakpoint that matches holds it instead.
    expect(breakpoints.intercept(ctx(echoCall))).toEqual({ type: 'pause', reason: 'breakpoint 2: ~m tools/*' });
    breakpoints.setEnabled(2, false);
    expect(breakpoints.intercept(ctx(echoCall))).toBeUndefined();
    expect(breakpoints.list()).toEqual([
      { id: 1, expression: '~t echo', enabled: false, hits: 1 },
      { id: 2, expression: '~m tools/*', enabled: false, hits: 1 },
    ]);
    breakpoints.setEnabled(1, true);
    expect(breakpoints.intercept(ctx(echoCall))).toMatchObject({ reason: 'breakpoint 1: ~t echo' });
    expect(breakpoints.setEnabled(9, true)).toBe(false);
  });

  it('pauses through the chain until the pause controller decides', async () => {
    const pauses = new PauseController();
    const chain = new InterceptorChain(pauses).register(new BreakpointInterceptor(['~t echo']));
    const verdict = chain.intercept(ctx(echoCall));
    expect(verdict).toBeInstanceOf(Promise);
    expect(pauses.list()[0]).toMatchObject({ reason: 'breakpoint 1: ~t echo', direction: 'c2s' });
    pauses.resume(pauses.list()[0]!.pauseId);
    expect(await verdict).toMatchObject({ type: 'continue', trail: ['pause'] });
  });
});

describe('state files', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(tempDir(), 'run');
  });
  afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

  const state = (id: string, pid = process.pid, startedAt = Date.now()): ProxyStateFile => ({
    id,
    pid,
    url: 'ws://127.0.0.1:1/control',
    token: 'secret',
    title: `record ${id}`,
    startedAt,
    cwd: '/',
    protocolVersion: CONTROL_PROTOCOL_VERSION,
  });

  it('picks the directory from MCP_TAP_STATE_DIR, then XDG_RUNTIME_DIR, then the home directory', () => {
    expect(stateDir({ MCP_TAP_STATE_DIR: '/x/y', XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/x/y');
    expect(stateDir({ XDG_RUNTIME_DIR: '/run/user/1' })).toBe('/run/user/1/mcp-tap');
    expect(stateDir({})).toMatch(/\.mcp-tap\/run$/);
  });

  it('writes an owner-only file in an owner-only directory, and removes it', () => {
    const handle = writeStateFile(state('abc123'), dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(handle.file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['abc123.json']);
    expect(listRunningProxies(dir)).toEqual([state('abc123', process.pid, handle.state.startedAt)]);
    expect(findRunningProxy('abc', dir).id).toBe('abc123');
    handle.remove();
    handle.remove();
    expect(existsSync(handle.file)).toBe(false);
    expect(() => findRunningProxy('abc', dir)).toThrow(/no mcp-tap proxy is running/);
  });

  it('narrows a directory that already existed wider', () => {
    const handle = writeStateFile(state('one'), dir);
    handle.remove();
    spawnSync('chmod', ['755', dir]);
    writeStateFile(state('two'), dir).remove();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('leaves a shared (sticky) directory as it is, and still writes the file owner-only', () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared, { recursive: true });
    chmodSync(shared, 0o1777);
    const handle = writeStateFile(state('three'), shared);
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(statSync(handle.file).mode & 0o777).toBe(0o600);
    handle.remove();
  });

  it('skips and removes the files of processes that are gone, and skips files it cannot read', () => {
    // A pid that surely is not running: a child that has already exited.
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    expect(processAlive(dead)).toBe(false);
    const live = writeStateFile(state('live', process.pid, 2), dir);
    writeStateFile(state('dead', dead, 1), dir);
    writeFileSync(join(dir, 'junk.json'), '{ half a fi', { mode: 0o600 });
    expect(listRunningProxies(dir).map((p) => p.id)).toEqual(['live']);
    expect(readdirSync(dir).sort()).toEqual(['junk.json', 'live.json']);
    live.remove();
  });

  it('lists nothing when the directory does not exist', () => {
    expect(listRunningProxies(join(dir, 'nowhere'))).toEqual([]);
  });
});

describe('ControlHub', () => {
  function hub(historySize = 3) {
    const pauses = new PauseController(60_000);
    const sessions = new SessionManager({ idleTimeoutMs: 0 });
    const breakpoints = new BreakpointInterceptor();
    const chain = new InterceptorChain(pauses).register(breakpoints);
    const control = new ControlHub({ pauses, sessions, breakpoints, historySize, describe: () => ({ id: 'x', pid: 1, url: '', title: 't', startedAt: 0, cwd: '/', protocolVersion: 1 }) });
    chain.register(control);
    return { pauses, sessions, breakpoints, chain, control };
  }
  const frame = (text: string) => frameEventFor({ sessionId: 's1', transport: 'stdio', direction: 'c2s', text });

  it('keeps a bounded history for hello, and a slow peer is told what it missed instead of buffering', () => {
    const { chain, control } = hub();
    for (let i = 1; i <= 5; i++) chain.notify(frame(JSON.stringify({ jsonrpc: '2.0', method: `n${i}` })));
    const sent: ServerMessage[] = [];
    let unsent = 0;
    control.attach({ send: (text) => sent.push(JSON.parse(text) as ServerMessage), unsent: () => unsent });
    const hello = sent[0] as Extract<ServerMessage, { type: 'hello' }>;
    expect(hello.type).toBe('hello');
    expect(hello.frames.map((f) => [f.seq, f.method])).toEqual([
      [3, 'n3'],
      [4, 'n4'],
      [5, 'n5'],
    ]);
    unsent = 10 * 1024 * 1024;
    chain.notify(frame(JSON.stringify({ jsonrpc: '2.0', method: 'missed1' })));
    chain.notify(frame(JSON.stringify({ jsonrpc: '2.0', method: 'missed2' })));
    expect(sent).toHaveLength(1);
    unsent = 0;
    chain.notify(frame(JSON.stringify({ jsonrpc: '2.0', method: 'seen' })));
    expect(sent.slice(1)).toMatchObject([{ type: 'skipped', frames: 2 }, { type: 'frame', frame: { seq: 8, method: 'seen' } }]);
  });

  it('bounds the history by text size too', () => {
    const history = new FrameHistory(100, 50);
    for (let i = 0; i < 10; i++) history.push(frameView(frame(JSON.stringify({ jsonrpc: '2.0', method: 'm'.repeat(10) })), i));
    expect(history.size).toBeLessThan(10);
    expect(history.toArray().at(-1)!.seq).toBe(9);
  });

  it('carries out commands and refuses bad ones with a reason, leaving the message held', async () => {
    const { chain, control, pauses, breakpoints } = hub();
    const run = (command: object) => control.execute(JSON.stringify({ ref: 1, ...command })) as Extract<ServerMessage, { type: 'result' }>;
    expect(run({ cmd: 'break', expression: '~t echo &' })).toMatchObject({ ok: false, error: expect.stringContaining('^') });
    expect(run({ cmd: 'break', expression: '~t echo' })).toEqual({ type: 'result', ref: 1, ok: true, data: { id: 1, expression: '~t echo', enabled: true, hits: 0 } });
    const verdict = chain.intercept(ctx(echoCall));
    const pauseId = pauses.list()[0]!.pauseId;
    expect(run({ cmd: 'edit', pauseId, text: '{nope' })).toMatchObject({ ok: false, error: expect.stringMatching(/not JSON.*still paused/) });
    expect(run({ cmd: 'edit', pauseId, text: JSON.stringify(echoAnswer) })).toMatchObject({ ok: false, error: expect.stringMatching(/is a request, the edit is a response/) });
    expect(run({ cmd: 'edit', pauseId, text: JSON.stringify({ ...echoCall, id: 8 }) })).toMatchObject({ ok: false, error: expect.stringMatching(/id must stay 7/) });
    expect(run({ cmd: 'edit', pauseId, text: JSON.stringify({ id: 7, method: 'x' }) })).toMatchObject({ ok: false, error: expect.stringMatching(/not a JSON-RPC 2.0 message/) });
    expect(pauses.size).toBe(1);
    const edited = { ...echoCall, params: { name: 'echo', arguments: { message: 'changed' } } };
    expect(run({ cmd: 'edit', pauseId, text: JSON.stringify(edited) })).toMatchObject({ ok: true });
    expect(await verdict).toMatchObject({ type: 'continue', modified: true, message: edited, trail: ['pause', 'modify'] });
    expect(run({ cmd: 'resume', pauseId })).toMatchObject({ ok: false, error: expect.stringMatching(/not paused/) });
    expect(run({ cmd: 'unbreak', breakpointId: 9 })).toMatchObject({ ok: false });
    expect(run({ cmd: 'unbreak', breakpointId: 'all' })).toMatchObject({ ok: true, data: { removed: 1 } });
    expect(breakpoints.size).toBe(0);
    expect(run({ cmd: 'frobnicate' })).toMatchObject({ ok: false, error: 'unknown command "frobnicate"' });
  });

  it('gives a hold its place in wire order, and the frame that ends it that place as heldSeq', async () => {
    const { chain, control, pauses } = hub(10);
    const sent: ServerMessage[] = [];
    control.attach({ send: (text) => sent.push(JSON.parse(text) as ServerMessage), unsent: () => 0 });
    control.execute(JSON.stringify({ ref: 1, cmd: 'break', expression: '~t echo' }));
    chain.notify(frame(JSON.stringify({ jsonrpc: '2.0', method: 'before' })));
    const verdict = chain.intercept(ctx(echoCall));
    chain.notify(frame(JSON.stringify({ jsonrpc: '2.0', method: 'after' })));
    const paused = sent.find((m) => m.type === 'paused') as Extract<ServerMessage, { type: 'paused' }>;
    expect(paused.paused).toMatchObject({ seq: 2, timer: 'running' });
    pauses.resume(paused.paused.pauseId);
    const v = await verdict;
    // What the pipeline reports once the hold is over (it copies the hold's id onto the frame).
    chain.notify({ ...frame(JSON.stringify(echoCall)), action: v.trail.join('>'), pauseId: paused.paused.pauseId });
    const frames = sent.flatMap((m) => (m.type === 'frame' ? [m.frame] : []));
    expect(frames.map((f) => [f.seq, f.method, f.heldSeq])).toEqual([
      [1, 'before', undefined],
      [3, 'after', undefined],
      [4, 'tools/call', 2],
    ]);
  });

  it('stops a hold\'s timer for a peer, says so to every peer, and starts it again when that peer goes away', () => {
    const { chain, control, pauses } = hub();
    const seen: ServerMessage[] = [];
    control.attach({ send: (text) => seen.push(JSON.parse(text) as ServerMessage), unsent: () => 0 });
    let answer: ServerMessage | undefined;
    const editor = control.attach({ send: (text) => (answer = JSON.parse(text) as ServerMessage), unsent: () => 0 });
    control.execute(JSON.stringify({ ref: 1, cmd: 'break', expression: '~t echo' }));
    void chain.intercept(ctx(echoCall));
    const pauseId = pauses.list()[0]!.pauseId;
    editor.receive(JSON.stringify({ ref: 5, cmd: 'timer', pauseId, running: false }));
    expect(answer).toMatchObject({ type: 'result', ref: 5, ok: true });
    expect(pauses.list()[0]!.timer).toBe('stopped');
    expect(seen.filter((m) => m.type === 'paused').map((m) => (m as Extract<ServerMessage, { type: 'paused' }>).paused.timer)).toEqual(['running', 'stopped']);
    editor.detach();
    expect(pauses.list()[0]!.timer).toBe('running');
    pauses.resumeAll();
  });

  it('disables a breakpoint by command, and refuses to send without a pipeline', () => {
    const { control, breakpoints } = hub();
    const run = (command: object) => control.execute(JSON.stringify({ ref: 3, ...command })) as Extract<ServerMessage, { type: 'result' }>;
    run({ cmd: 'break', expression: '~t echo' });
    expect(run({ cmd: 'enable', breakpointId: 1, enabled: false })).toMatchObject({ ok: true });
    expect(breakpoints.list()[0]!.enabled).toBe(false);
    expect(run({ cmd: 'enable', breakpointId: 4, enabled: true })).toMatchObject({ ok: false, error: 'there is no breakpoint 4' });
    expect(run({ cmd: 'send', sessionId: 's1', text: JSON.stringify(echoCall) })).toMatchObject({ ok: false, error: expect.stringMatching(/cannot send/) });
    expect(run({ cmd: 'timer', pauseId: 3, running: false })).toMatchObject({ ok: false, error: expect.stringMatching(/not paused/) });
  });

  it('mocks only a paused request', async () => {
    const { chain, control, pauses } = hub();
    const run = (command: object) => control.execute(JSON.stringify({ ref: 2, ...command })) as Extract<ServerMessage, { type: 'result' }>;
    run({ cmd: 'break', expression: '~t echo' });
    const answer = chain.intercept(ctx(echoAnswer, 's2c', echoPending));
    expect(run({ cmd: 'mock', pauseId: pauses.list()[0]!.pauseId, text: '{}' })).toMatchObject({ ok: false, error: expect.stringMatching(/mock answers a paused request/) });
    run({ cmd: 'resume', pauseId: 'all' });
    await answer;
    const call = chain.intercept(ctx(echoCall));
    expect(run({ cmd: 'mock', pauseId: pauses.list()[0]!.pauseId, text: '{"content":[]}' })).toMatchObject({ ok: true });
    expect(await call).toMatchObject({ type: 'mock', response: { content: [] } });
  });

  it('serves an in-process link with the same messages', async () => {
    const { chain, control, pauses } = hub();
    const link = control.link();
    const seen: ServerMessage[] = [];
    link.onmessage = (message) => seen.push(message);
    await expect(link.request({ cmd: 'break', expression: '~t echo' })).resolves.toEqual({ id: 1, expression: '~t echo', enabled: true, hits: 0 });
    await expect(link.request({ cmd: 'break', expression: '(' })).rejects.toThrow(/column/);
    const verdict = chain.intercept(ctx(echoCall));
    await expect(link.request({ cmd: 'drop', pauseId: pauses.list()[0]!.pauseId, reason: 'not today' })).resolves.toBeUndefined();
    expect(await verdict).toMatchObject({ type: 'block', reason: 'not today' });
    await new Promise((r) => setImmediate(r));
    expect(seen.map((m) => m.type)).toEqual(expect.arrayContaining(['hello', 'breakpoints', 'paused', 'resumed', 'result']));
    expect(seen[0]!.type).toBe('hello');
    link.close();
    await expect(link.request({ cmd: 'list' })).rejects.toThrow(/closed/);
  });
});

describe('createProxy with breakpoints and a control channel', () => {
  it('puts breakpoints after the caller\'s interceptors and hands an in-process UI its channel', async () => {
    const { createProxy } = await import('../src/proxy/create.js');
    const { silentLogger } = await import('../src/core/log.js');
    let opened: import('../src/control/channel.js').ControlChannel | undefined;
    const proxy = createProxy({
      logger: silentLogger,
      interceptors: [{ name: 'rate-limit' }, { name: 'rules' }],
      breakpoints: ['~t echo'],
      control: { title: 'test', listen: false, onOpen: (channel) => (opened = channel) },
    });
    try {
      expect(proxy.chain.names()).toEqual(['mcp', 'rate-limit', 'rules', 'breakpoints', 'control']);
      expect(opened).toBe(proxy.control);
      expect(await proxy.control!.ready).toBeUndefined();
      const link = opened!.link();
      await expect(link.request({ cmd: 'list' })).resolves.toMatchObject({ breakpoints: [{ id: 1, expression: '~t echo' }], proxy: { title: 'test' } });
      link.close();
    } finally {
      await proxy.close();
    }
    expect(proxy.chain.names()).not.toContain('control');
    // Without either option nothing is added.
    const plain = createProxy({ logger: silentLogger });
    expect(plain.chain.names()).toEqual(['mcp']);
    expect(plain.breakpoints).toBeUndefined();
    await plain.close();
  });
});
