/**
 * Breakpoints through the control channel of a real `mcp-tap record` between the SDK client and
 * the real server-everything: the proxy is found by its state file, attached to with the control
 * client, and what the client receives and what the tape says are both checked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { connectControl, type ControlClient } from '../src/control/client.js';
import { listRunningProxies } from '../src/control/state.js';
import type { FrameView, PausedView, ProxyStateFile, ServerMessage } from '../src/control/protocol.js';
import { TapeStore } from '../src/tape/store.js';
import type { TapeFrame } from '../src/tape/types.js';
import { runCli } from './support/cli.js';
import { CLI, EVERYTHING, tempDir } from './support/paths.js';
import { until } from './support/wait.js';

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** State files present, read straight from the directory (listRunningProxies would tidy away a dead proxy's file). */
const stateFiles = (stateDir: string) => readdirSync(stateDir).filter((name) => name.endsWith('.json'));

const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

/** What a control client has heard, with waits on it. */
class Watcher {
  readonly messages: ServerMessage[] = [];
  private used = new Set<number>();

  constructor(readonly control: ControlClient) {
    control.onmessage = (message) => this.messages.push(message);
  }

  /** The next paused message (not returned before) that matches. */
  paused(test: (p: PausedView) => boolean, what: string): Promise<PausedView> {
    return until(() => {
      for (const m of this.messages) {
        if (m.type === 'paused' && !this.used.has(m.paused.pauseId) && test(m.paused)) {
          this.used.add(m.paused.pauseId);
          return m.paused;
        }
      }
      return undefined;
    }, what);
  }

  frames(): FrameView[] {
    return this.messages.flatMap((m) => (m.type === 'frame' ? [m.frame] : m.type === 'hello' ? m.frames : []));
  }
}

interface Recording {
  client: Client;
  state: ProxyStateFile;
  stateDir: string;
  watcher: Watcher;
  control: ControlClient;
  /** Stops the client (and so the proxy) and returns the tape. */
  finish(): Promise<TapeFrame[]>;
}

/** `mcp-tap record EXTRA -- server-everything`, the SDK client on its stdio, the control client attached. */
async function record(name: string, extra: string[]): Promise<Recording> {
  const store = join(dir, `${name}.db`);
  const stateDir = join(dir, `state-${name}`);
  const client = new Client({ name: 'control-test', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'record', '-q', '--store', store, '--name', name, ...extra, '--', process.execPath, EVERYTHING, 'stdio'],
      env: { ...(process.env as Record<string, string>), MCP_TAP_STATE_DIR: stateDir },
      stderr: 'ignore',
    }),
  );
  const state = await until(() => listRunningProxies(stateDir)[0], 'the state file');
  const control = await connectControl(state);
  const watcher = new Watcher(control);
  return {
    client,
    state,
    stateDir,
    watcher,
    control,
    finish: async () => {
      control.close();
      await client.close();
      await until(() => stateFiles(stateDir).length === 0, 'the proxy to remove its state file');
      const tapes = TapeStore.open(store, { readonly: true });
      try {
        return tapes.frames(tapes.requireTape(name).id);
      } finally {
        tapes.close();
      }
    },
  };
}

const callFrame = (frames: TapeFrame[], marker: string) => frames.find((f) => f.direction === 'c2s' && f.kind === 'request' && (f.message.includes(marker) || (f.original ?? '').includes(marker)));
const answersTo = (frames: TapeFrame[], request: TapeFrame) => frames.filter((f) => f.id === request.id && f.direction === 's2c' && f.seq > request.seq);

/** The paused message's text with other tool arguments. */
function withArguments(paused: PausedView, args: object): string {
  const message = JSON.parse(paused.text) as { params: { arguments: object } };
  return JSON.stringify({ ...message, params: { ...message.params, arguments: args } });
}

describe('mcp-tap record --break, through the control channel', () => {
  it('edits a paused call: the client gets the answer to the edited call, the tape holds both texts', async () => {
    const t = await record('edit', ['--break', '~t echo']);
    let frames: TapeFrame[];
    try {
      expect(t.control.hello.proxy).toMatchObject({ id: t.state.id, pid: t.state.pid, title: 'record server-everything', tape: 'edit' });
      expect(t.control.hello.proxy).not.toHaveProperty('token');
      expect(t.control.hello.breakpoints).toEqual([{ id: 1, expression: '~t echo', enabled: true, hits: 0 }]);
      expect(t.control.hello.sessions).toHaveLength(1);
      // The handshake happened before we attached: it is in the history.
      expect(t.control.hello.frames.map((f) => f.method)).toContain('initialize');

      const call = t.client.callTool({ name: 'echo', arguments: { message: 'original' } });
      const request = await t.watcher.paused((p) => p.kind === 'request', 'the echo call to pause');
      expect(request).toMatchObject({ direction: 'c2s', method: 'tools/call', toolName: 'echo', reason: 'breakpoint 1: ~t echo' });

      // A wrong edit is refused and the call stays held.
      await expect(t.control.request({ cmd: 'edit', pauseId: request.pauseId, text: '{"jsonrpc":"2.0",' })).rejects.toThrow(/not JSON.*still paused/);
      await expect(t.control.request({ cmd: 'edit', pauseId: request.pauseId, text: JSON.stringify({ jsonrpc: '2.0', id: request.id, result: {} }) })).rejects.toThrow(
        /is a request, the edit is a response/,
      );
      expect(((await t.control.request({ cmd: 'list' })) as { paused: PausedView[] }).paused.map((p) => p.pauseId)).toEqual([request.pauseId]);

      await t.control.request({ cmd: 'edit', pauseId: request.pauseId, text: withArguments(request, { message: 'edited' }) });
      // `~t echo` also matches the answer to the call.
      const answer = await t.watcher.paused((p) => p.kind === 'response', 'the echo answer to pause');
      expect(answer.text).toContain('Echo: edited');
      await t.control.request({ cmd: 'resume', pauseId: answer.pauseId });
      expect(textOf(await call)).toBe('Echo: edited');
      expect(t.watcher.messages).toContainEqual({ type: 'resumed', pauseId: request.pauseId, outcome: 'modify', timedOut: false });
      const streamed = await until(() => t.watcher.frames().find((f) => f.kind === 'request' && f.toolName === 'echo'), 'the edited frame');
      expect(streamed).toMatchObject({ action: 'pause>modify', original: expect.stringContaining('original'), text: expect.stringContaining('edited') });
    } finally {
      frames = await t.finish();
    }
    const sent = callFrame(frames, 'original')!;
    expect(sent.action).toBe('pause>modify');
    expect(sent.original).toContain('"original"');
    expect(sent.message).toContain('"edited"');
    expect(sent.message).not.toContain('"original"');
    expect(answersTo(frames, sent).map((f) => f.message)).toEqual([expect.stringContaining('Echo: edited')]);
  });

  it('drops and mocks paused calls, lets other calls flow meanwhile, and changes breakpoints while running', async () => {
    const t = await record('decide', ['--break', '~t echo & ~k request']);
    let frames: TapeFrame[];
    try {
      const dropped = t.client.callTool({ name: 'echo', arguments: { message: 'to-drop' } }).then(
        () => 'answered',
        (error: Error) => error.message,
      );
      const toDrop = await t.watcher.paused(() => true, 'the call to drop');
      // While it is held, unrelated calls of the same session go through.
      expect(textOf(await t.client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }))).toMatch(/5/);
      await t.control.request({ cmd: 'drop', pauseId: toDrop.pauseId, reason: 'not this one' });
      expect(await dropped).toMatch(/not this one/);

      const mocked = t.client.callTool({ name: 'echo', arguments: { message: 'to-mock' } });
      const toMock = await t.watcher.paused(() => true, 'the call to mock');
      await expect(t.control.request({ cmd: 'mock', pauseId: toMock.pauseId, text: 'not json' })).rejects.toThrow(/not JSON/);
      await t.control.request({ cmd: 'mock', pauseId: toMock.pauseId, text: JSON.stringify({ content: [{ type: 'text', text: 'from the mock' }] }) });
      expect(textOf(await mocked)).toBe('from the mock');
      // The proxy's own answers name the tool they stand in for, so `~t echo` finds how each call ended.
      const made = await until(() => {
        const found = t.watcher.frames().filter((f) => f.direction === 's2c' && f.flags.includes('synthesized'));
        return found.length === 2 && found;
      }, 'the dropped and the mocked answer');
      expect(made.map((f) => [f.kind, f.toolName, f.requestMethod])).toEqual([
        ['error', 'echo', 'tools/call'],
        ['response', 'echo', 'tools/call'],
      ]);

      // Clear the breakpoint: echo flows; set another: it pauses what it names.
      await t.control.request({ cmd: 'unbreak', breakpointId: 'all' });
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'free' } }))).toBe('Echo: free');
      await expect(t.control.request({ cmd: 'break', expression: '~t get-sum &' })).rejects.toThrow(/\^/);
      expect(await t.control.request({ cmd: 'break', expression: '~t get-sum & ~d c2s' })).toEqual({ id: 2, expression: '~t get-sum & ~d c2s', enabled: true, hits: 0 });
      await until(() => t.watcher.messages.find((m) => m.type === 'breakpoints' && m.breakpoints.length === 1), 'the breakpoints broadcast');
      const sum = t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 1 } });
      const held = await t.watcher.paused((p) => p.toolName === 'get-sum', 'get-sum to pause');
      await t.control.request({ cmd: 'resume', pauseId: 'all' });
      expect(textOf(await sum)).toMatch(/2/);
      expect(held.reason).toBe('breakpoint 2: ~t get-sum & ~d c2s');
    } finally {
      frames = await t.finish();
    }
    const drop = callFrame(frames, 'to-drop')!;
    expect(drop.action).toBe('pause>block');
    expect(answersTo(frames, drop)).toMatchObject([{ kind: 'error', flags: ['synthesized'] }]);
    const mock = callFrame(frames, 'to-mock')!;
    expect(mock.action).toBe('pause>mock');
    // The server never saw the mocked call: its only answer is the proxy's.
    const mockAnswers = answersTo(frames, mock);
    expect(mockAnswers).toHaveLength(1);
    expect(mockAnswers[0]!).toMatchObject({ action: 'mock', flags: ['synthesized'] });
    expect(mockAnswers[0]!.message).toContain('from the mock');
  });

  it('drops a held call its client cancels: no answer to anyone, the cancel goes no further, the tape says so', async () => {
    const t = await record('cancel', ['--break', '~t echo & ~k request']);
    let frames: TapeFrame[];
    try {
      const abort = new AbortController();
      const call = t.client.callTool({ name: 'echo', arguments: { message: 'never mind' } }, undefined, { signal: abort.signal }).then(
        () => 'answered',
        (error: Error) => `rejected: ${error.message}`,
      );
      const held = await t.watcher.paused(() => true, 'the call to pause');
      abort.abort('the person gave up');
      expect(await call).toMatch(/^rejected: .*the person gave up/);
      await until(() => t.watcher.messages.find((m) => m.type === 'resumed' && m.pauseId === held.pauseId), 'the hold to end');
      expect(t.watcher.messages).toContainEqual({ type: 'resumed', pauseId: held.pauseId, outcome: 'drop', timedOut: false, cancelled: true });
      // Every viewer saw the cancel on the held entry before it went.
      expect(t.watcher.messages.some((m) => m.type === 'paused' && m.paused.pauseId === held.pauseId && m.paused.cancelled !== undefined)).toBe(true);
      // The frame that ends the hold takes the place the hold was given.
      const released = await until(() => t.watcher.frames().find((f) => f.pauseId === held.pauseId), 'the dropped call frame');
      expect(released).toMatchObject({ action: 'pause>block', heldSeq: held.seq });
      // The session goes on (the breakpoint still holds echo calls; other tools pass).
      expect(textOf(await t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }))).toMatch(/3/);
    } finally {
      frames = await t.finish();
    }
    const dropped = callFrame(frames, 'never mind')!;
    expect(dropped).toMatchObject({ action: 'pause>block', note: expect.stringContaining('cancelled by its client while held') });
    expect(answersTo(frames, dropped)).toEqual([]);
    const cancel = frames.find((f) => f.method === 'notifications/cancelled')!;
    expect(cancel).toMatchObject({ action: 'block', note: expect.stringContaining('the other side never saw it') });
    expect(cancel.seq).toBeGreaterThan(dropped.seq);
  });

  it('with --keep-cancelled-holds keeps a held call its client cancels, marked, for a person to decide', async () => {
    const t = await record('keep-cancelled', ['--break', '~t echo & ~k request', '--keep-cancelled-holds']);
    try {
      const abort = new AbortController();
      const call = t.client.callTool({ name: 'echo', arguments: { message: 'kept' } }, undefined, { signal: abort.signal }).catch(() => 'rejected');
      const held = await t.watcher.paused(() => true, 'the call to pause');
      abort.abort('changed my mind');
      expect(await call).toBe('rejected');
      await until(() => t.watcher.messages.find((m) => m.type === 'paused' && m.paused.pauseId === held.pauseId && m.paused.cancelled), 'the cancel on the hold');
      const listed = (await t.control.request({ cmd: 'list' })) as { paused: PausedView[] };
      expect(listed.paused).toMatchObject([{ pauseId: held.pauseId, cancelled: { reason: 'changed my mind' } }]);
      await t.control.request({ cmd: 'resume', pauseId: held.pauseId });
    } finally {
      await t.finish();
    }
  });

  it('sends a request again for a console: its answer goes to the console and the tape, never to the client', async () => {
    const t = await record('send', []);
    let frames: TapeFrame[];
    const errors: string[] = [];
    t.client.onerror = (error) => errors.push(error.message);
    try {
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'first' } }))).toBe('Echo: first');
      const recorded = await until(() => t.watcher.frames().find((f) => f.kind === 'request' && f.toolName === 'echo'), 'the echo call');
      const sessionId = t.control.hello.sessions[0]!.id;
      const again = JSON.parse(recorded.text) as { params: { arguments: { message: string } } };
      again.params.arguments.message = 'again';
      const { id } = (await t.control.request({ cmd: 'send', sessionId, text: JSON.stringify(again) })) as { id: string };
      expect(id).toMatch(/^mcp-tap-\d+$/);
      const answer = await until(() => t.watcher.frames().find((f) => f.kind === 'response' && f.id === id), 'the answer to the re-sent call');
      expect(answer).toMatchObject({ flags: ['resent'], toolName: 'echo', text: expect.stringContaining('Echo: again') });
      expect(t.watcher.frames().find((f) => f.kind === 'request' && f.id === id)).toMatchObject({ flags: ['resent'] });
      await expect(t.control.request({ cmd: 'send', sessionId: 'nobody', text: JSON.stringify(again) })).rejects.toThrow(/no open conversation "nobody"/);
      await expect(t.control.request({ cmd: 'send', sessionId, text: '{"jsonrpc":"2.0","method":"notifications/initialized"}' })).rejects.toThrow(/must be a JSON-RPC request/);
      // The client was told nothing of it, and carries on.
      expect(textOf(await t.client.callTool({ name: 'echo', arguments: { message: 'last' } }))).toBe('Echo: last');
    } finally {
      frames = await t.finish();
    }
    expect(errors).toEqual([]);
    const resent = frames.filter((f) => f.flags.includes('resent'));
    expect(resent.map((f) => [f.direction, f.kind])).toEqual([
      ['c2s', 'request'],
      ['s2c', 'response'],
    ]);
    expect(resent[1]!.message).toContain('Echo: again');
  });

  it('edits a paused answer before the client sees it', async () => {
    const t = await record('answer', ['--break', '~d s2c & ~t echo']);
    let frames: TapeFrame[];
    try {
      const call = t.client.callTool({ name: 'echo', arguments: { message: 'asked' } });
      const answer = await t.watcher.paused(() => true, 'the echo answer');
      expect(answer).toMatchObject({ direction: 's2c', kind: 'response' });
      const message = JSON.parse(answer.text) as { result: { content: { text: string }[] } };
      message.result.content[0]!.text = 'Echo: rewritten';
      await t.control.request({ cmd: 'edit', pauseId: answer.pauseId, text: JSON.stringify(message) });
      expect(textOf(await call)).toBe('Echo: rewritten');
    } finally {
      frames = await t.finish();
    }
    const edited = frames.find((f) => f.direction === 's2c' && f.action === 'pause>modify')!;
    expect(edited.message).toContain('Echo: rewritten');
    expect(edited.original).toContain('Echo: asked');
  });

  it('lets a paused call continue by itself after --pause-timeout, and the tape says so', async () => {
    const t = await record('timeout', ['--break', '~t echo & ~k request', '--pause-timeout', '1']);
    let frames: TapeFrame[];
    try {
      const started = Date.now();
      const call = t.client.callTool({ name: 'echo', arguments: { message: 'waited' } });
      const paused = await t.watcher.paused(() => true, 'the call to pause');
      expect(paused.deadline - paused.pausedAt).toBe(1000);
      expect(textOf(await call)).toBe('Echo: waited');
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(t.watcher.messages).toContainEqual({ type: 'resumed', pauseId: paused.pauseId, outcome: 'continue', timedOut: true });
    } finally {
      frames = await t.finish();
    }
    const sent = callFrame(frames, 'waited')!;
    expect(sent.action).toBe('pause');
    expect(sent.flags).toContain('pause-timeout');
    expect(sent.note).toMatch(/pause timed out after \d+ ms/);
  });

  it('refuses a wrong token, a browser (Origin header) and other paths; lists the proxy for attach', async () => {
    const t = await record('auth', []);
    try {
      await expect(connectControl({ ...t.state, token: 'f'.repeat(64) })).rejects.toThrow(/token was refused/);
      const status = (url: string, headers: Record<string, string>) =>
        new Promise<number>((resolve) => {
          const ws = new WebSocket(url, { headers });
          ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.on('open', () => {
            ws.close();
            resolve(101);
          });
          ws.on('error', () => undefined);
        });
      const bearer = { Authorization: `Bearer ${t.state.token}` };
      expect(await status(t.state.url, { ...bearer, Origin: 'http://127.0.0.1' })).toBe(403);
      expect(await status(t.state.url, {})).toBe(401);
      expect(await status(t.state.url.replace('/control', '/other'), bearer)).toBe(404);
      expect(await status(t.state.url, bearer)).toBe(101);
      expect(t.state.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/control$/);

      const listed = await runCli(['proxies', '--json'], { env: { MCP_TAP_STATE_DIR: t.stateDir } });
      expect(listed.code).toBe(0);
      const proxies = JSON.parse(listed.stdout) as ProxyStateFile[];
      expect(proxies).toEqual([expect.objectContaining({ id: t.state.id, pid: t.state.pid, url: t.state.url, title: 'record server-everything', tape: 'auth' })]);
      expect(listed.stdout).not.toContain(t.state.token);
      const table = await runCli(['proxies'], { env: { MCP_TAP_STATE_DIR: t.stateDir } });
      expect(table.stdout).toMatch(new RegExp(`${t.state.id}\\s+${t.state.pid}\\s+record server-everything\\s+auth`));
    } finally {
      await t.finish();
    }
  });

  it('fails at start on a wrong --break, with the column; --no-control writes no state file', async () => {
    const bad = await runCli(['record', '--store', join(dir, 'bad.db'), '--break', '~t echo & (', '--', process.execPath, EVERYTHING, 'stdio']);
    expect(bad.code).toBe(2);
    // The caret stands under the column the message names, whatever comes before the expression.
    const column = Number(/column (\d+)/.exec(bad.stderr)?.[1]);
    const lines = bad.stderr.split('\n');
    const at = lines.findIndex((line) => line.endsWith('~t echo & ('));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(lines[at + 1]!.indexOf('^')).toBe(lines[at]!.indexOf('~t echo & (') + column - 1);

    const stateDir = join(dir, 'state-none');
    const client = new Client({ name: 'no-control', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'record', '-q', '--no-control', '--store', join(dir, 'none.db'), '--', process.execPath, EVERYTHING, 'stdio'],
        env: { ...(process.env as Record<string, string>), MCP_TAP_STATE_DIR: stateDir },
        stderr: 'ignore',
      }),
    );
    try {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'x' } }))).toBe('Echo: x');
      expect(listRunningProxies(stateDir)).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('mcp-tap replay --break', () => {
  it('opens the control channel too, and holds a replayed call until resumed', async () => {
    const store = join(dir, 'replay.db');
    const recorder = new Client({ name: 'to-replay', version: '1.0.0' });
    await recorder.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'record', '-q', '--no-control', '--store', store, '--name', 'tape', '--', process.execPath, EVERYTHING, 'stdio'], stderr: 'ignore' }));
    await recorder.callTool({ name: 'echo', arguments: { message: 'replayed' } });
    await recorder.close();

    const stateDir = join(dir, 'state-replay');
    const client = new Client({ name: 'to-replay', version: '1.0.0' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'replay', 'tape', '-q', '--store', store, '--break', '~t echo & ~k request'],
        env: { ...(process.env as Record<string, string>), MCP_TAP_STATE_DIR: stateDir },
        stderr: 'ignore',
      }),
    );
    let control: ControlClient | undefined;
    try {
      const state = await until(() => listRunningProxies(stateDir)[0], 'the state file');
      expect(state).toMatchObject({ title: 'replay tape', tape: 'tape' });
      control = await connectControl(state);
      const watcher = new Watcher(control);
      let answered = false;
      const call = client.callTool({ name: 'echo', arguments: { message: 'replayed' } }).finally(() => (answered = true));
      const paused = await watcher.paused(() => true, 'the replayed call');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(answered).toBe(false);
      await control.request({ cmd: 'resume', pauseId: paused.pauseId });
      expect(textOf(await call)).toBe('Echo: replayed');
    } finally {
      control?.close();
      await client.close();
    }
    await until(() => stateFiles(stateDir).length === 0, 'the proxy to remove its state file');
  });
});

describe('mcp-tap record --listen --break', () => {
  it('pauses and edits a call made over Streamable HTTP', async () => {
    const stateDir = join(dir, 'state-http');
    const store = join(dir, 'http.db');
    const child: ChildProcess = spawn(process.execPath, [CLI, 'record', '--store', store, '--name', 'http', '--listen', '127.0.0.1:0', '--break', '~t echo & ~k request', '--', process.execPath, EVERYTHING, 'stdio'], {
      env: { ...process.env, MCP_TAP_STATE_DIR: stateDir },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const client = new Client({ name: 'http-control', version: '1.0.0' });
    let control: ControlClient | undefined;
    try {
      const url = await until(() => /Streamable HTTP\s+(http:\S+)/.exec(stderr)?.[1], `the listen address (stderr: ${stderr})`);
      await client.connect(new StreamableHTTPClientTransport(new URL(url)));
      const state = await until(() => listRunningProxies(stateDir)[0], 'the state file');
      control = await connectControl(state);
      const watcher = new Watcher(control);
      const call = client.callTool({ name: 'echo', arguments: { message: 'over-http' } });
      const paused = await watcher.paused(() => true, 'the call over HTTP');
      expect(control.hello.sessions.map((s) => s.id)).toContain(paused.sessionId);
      await control.request({ cmd: 'edit', pauseId: paused.pauseId, text: withArguments(paused, { message: 'edited-over-http' }) });
      expect(textOf(await call)).toBe('Echo: edited-over-http');
    } finally {
      control?.close();
      await client.close().catch(() => undefined);
      child.kill('SIGTERM');
      await exited;
    }
    expect(stateFiles(stateDir)).toEqual([]);
    const tapes = TapeStore.open(store, { readonly: true });
    const frames = tapes.frames(tapes.requireTape('http').id);
    tapes.close();
    const sent = callFrame(frames, 'over-http')!;
    expect(sent.action).toBe('pause>modify');
    expect(sent.original).toContain('"over-http"');
    expect(sent.message).toContain('edited-over-http');
  });
});
