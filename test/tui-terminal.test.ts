/**
 * The terminal UI in a real terminal (tmux panes) on real proxies and real peers: `record --tui`
 * drawing on /dev/tty in colour and following resizes, asking before it quits with a message
 * held; `mcp-tap attach` re-sending and composing requests against server-everything (2025) and
 * the SDK v2 server (2026-07-28, with its rounds and streams); a stored tape browsed read-only.
 * Needs tmux.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { listRunningProxies } from '../src/control/state.js';
import { TapeStore } from '../src/tape/store.js';
import { CLI, EVERYTHING, ROOT, tempDir } from './support/paths.js';
import { recordModernScenario } from './support/eras.js';
import { paneCommand, Tmux } from './support/tmux.js';
import { until } from './support/wait.js';

const dir = tempDir('mcp-tap-tui-terminal-');
const tmux = new Tmux('tui');
const children: ChildProcess[] = [];
const clients: Client[] = [];

afterAll(async () => {
  tmux.kill();
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

/** The driver in the pane (test/fixtures/tui-driver.mjs): orders go in, answers come back, one JSON line each. */
class Driver {
  private readonly answers: ((line: string) => void)[] = [];

  private constructor(private readonly socket: Socket) {
    createInterface({ input: socket }).on('line', (line) => this.answers.shift()?.(line));
  }

  static async connect(path: string): Promise<Driver> {
    await until(() => existsSync(path), 'the driver to listen');
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = createConnection(path, () => resolve(s));
      s.once('error', reject);
    });
    return new Driver(socket);
  }

  order(order: object): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.answers.push((line) => resolve(JSON.parse(line) as Record<string, unknown>));
      this.socket.write(`${JSON.stringify(order)}\n`);
    });
  }
}

const lines = (screen: string) => screen.split('\n');
const width = (screen: string) => Math.max(...lines(screen).map((line) => Array.from(line).length));
/** Lines that open a pane's box: two of them side by side share a line, stacked they are two lines. */
const boxTops = (screen: string) => lines(screen).filter((line) => line.startsWith('╭'));

describe('mcp-tap record --tui, in a terminal', () => {
  it('draws in colour on /dev/tty, follows a resize, and asks before it quits with a message held', async () => {
    const socket = join(dir, 'driver.sock');
    const stateDir = join(dir, 'state-tui');
    const record = [CLI, 'record', '-q', '--store', join(dir, 'tui.db'), '--tui', '--break', '~t echo & ~k request', '--', process.execPath, EVERYTHING, 'stdio'];
    tmux.start('tui', paneCommand({ MCP_TAP_STATE_DIR: stateDir, TERM: 'xterm-256color' }, [process.execPath, join(ROOT, 'test', 'fixtures', 'tui-driver.mjs'), socket, '--', ...record]));
    await tmux.until('tui', (text) => text.includes('breakpoints: #1 ~t echo & ~k request'), 'the UI on the terminal');
    const driver = await Driver.connect(socket);
    expect(await driver.order({ call: { name: 'get-sum', arguments: { a: 2, b: 3 } } })).toMatchObject({ result: { content: [{ text: expect.stringContaining('5') }] } });

    // Colour, and the selected row shown inverse: judged from the terminal the UI draws on.
    const coloured = await tmux.until('tui', (text) => text.includes('tools/call get-sum'), 'the call listed', { escapes: true });
    const ESC = '\u001B';
    expect(coloured).toMatch(new RegExp(`${ESC}\\[(\\d+;)*36m`));
    expect(coloured).toMatch(new RegExp(`${ESC}\\[(\\d+;)*7m[^\\n]*tools/call get-sum`));

    // A resize: the screen is drawn again to the new size, the panes stacked below 120 columns.
    expect(boxTops(tmux.screen('tui'))).toHaveLength(1);
    tmux.resize('tui', 90, 40);
    const narrow = await tmux.until('tui', (text) => boxTops(text).length >= 2 && boxTops(text).every((line) => line.endsWith('╮')), 'the stacked drawing');
    expect(width(narrow)).toBeLessThanOrEqual(90);
    expect(narrow).toContain('tools/call get-sum');

    // A held call, then q: asked; r releases it and removes the breakpoint, and says so on the terminal.
    const held = driver.order({ call: { name: 'echo', arguments: { message: 'waited' } } });
    await tmux.until('tui', (text) => text.includes('1 held'), 'the held call');
    tmux.keys('tui', 'q');
    await tmux.until('tui', (text) => text.includes('quit?') && text.includes('1 message is held and 1 breakpoint is armed'), 'the question');
    tmux.keys('tui', 'r');
    expect(await held).toMatchObject({ result: { content: [{ text: 'Echo: waited' }] } });
    const after = await tmux.until('tui', (text) => text.includes('UI closed'), 'the UI gone');
    expect(after.replace(/\n/g, '')).toContain('mcp-tap: UI closed: resumed 1 held message and removed 1 breakpoint');
    // The proxy runs on without the UI, and without the breakpoint.
    expect(await driver.order({ call: { name: 'echo', arguments: { message: 'free' } } })).toMatchObject({ result: { content: [{ text: 'Echo: free' }] } });
    expect(listRunningProxies(stateDir)).toHaveLength(1);
    await driver.order({ close: true });
  });
});

/** An $EDITOR: a node script given the file; `body` is run with `file` and `fs` in scope. */
function editor(name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `import fs from 'node:fs';\nconst file = process.argv[2];\n${body}\n`);
  return `${process.execPath} ${file}`;
}

/** Fills a composed tools/call's arguments, whatever the tool. */
const FILL_ARGUMENTS = editor(
  'fill',
  `const m = JSON.parse(fs.readFileSync(file, 'utf8'));
if (m.params.name === 'get-sum') m.params.arguments = { a: 2, b: 3 };
if (m.params.name === 'echo') m.params.arguments = { message: 'composed in the UI' };
fs.writeFileSync(file, JSON.stringify(m, null, 2));`,
);

describe('mcp-tap attach: re-send and compose', () => {
  it('re-sends a 2025 call to server-everything and composes a tools/call; the client never sees either answer', async () => {
    const stateDir = join(dir, 'state-resend');
    const store = join(dir, 'resend.db');
    const client = new Client({ name: 'resend-e2e', version: '1.0.0' }, { capabilities: {} });
    clients.push(client);
    const errors: string[] = [];
    client.onerror = (error) => errors.push(error.message);
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'record', '-q', '--store', store, '--name', 'resend', '--', process.execPath, EVERYTHING, 'stdio'],
        env: { ...(process.env as Record<string, string>), MCP_TAP_STATE_DIR: stateDir },
        stderr: 'ignore',
      }),
    );
    await until(() => listRunningProxies(stateDir)[0], 'the proxy');
    expect(await client.callTool({ name: 'echo', arguments: { message: 'original' } })).toMatchObject({ content: [{ text: 'Echo: original' }] });

    tmux.start('resend', paneCommand({ MCP_TAP_STATE_DIR: stateDir, EDITOR: FILL_ARGUMENTS, VISUAL: '' }, [process.execPath, CLI, 'attach']));
    await tmux.until('resend', (text) => /tools\/call echo .* ok/.test(text), 'the UI with the call');
    // The server may say its tools changed after the call: the call is found by its text, not assumed newest.
    tmux.type('resend', '/original');
    tmux.keys('resend', 'Enter');
    await tmux.until('resend', (text) => text.includes('found "original"'), 'the call selected');
    tmux.keys('resend', 'r');
    const resent = await tmux.until('resend', (text) => text.includes('re-sent tools/call echo as id "mcp-tap-1"') && /"mcp-.* ok · resent/.test(text), 'the re-sent call answered');
    expect(resent).toContain('"text": "Echo: original"');

    // Compose: the UI asks the server for its tools first (none were listed), then the editor fills the arguments.
    tmux.type('resend', ':compose get-sum');
    tmux.keys('resend', 'Enter');
    const composed = await tmux.until('resend', (text) => text.includes('sent tools/call get-sum as id') && text.includes('The sum of 2 and 3 is 5'), 'the composed call answered');
    expect(composed).toMatch(/tools\/call get-sum .* ok · resent/);

    // The client was told nothing of it, and carries on.
    expect(await client.callTool({ name: 'echo', arguments: { message: 'after' } })).toMatchObject({ content: [{ text: 'Echo: after' }] });
    tmux.keys('resend', 'q');
    await tmux.until('resend', (text) => text.includes('detached from'), 'the UI to quit');
    await client.close();
    expect(errors).toEqual([]);
    await until(() => listRunningProxies(stateDir).length === 0, 'the proxy to end');
    const tapes = TapeStore.open(store, { readonly: true });
    try {
      const frames = tapes.frames(tapes.requireTape('resend').id).filter((f) => f.flags.includes('resent'));
      expect(frames.map((f) => [f.direction, f.method])).toEqual([
        ['c2s', 'tools/call'],
        ['s2c', 'tools/call'],
        ['c2s', 'tools/list'],
        ['s2c', 'tools/list'],
        ['c2s', 'tools/call'],
        ['s2c', 'tools/call'],
      ]);
    } finally {
      tapes.close();
    }
  });

  it('shows a 2026-07-28 conversation of the SDK v2 peers as exchanges, rounds and streams, and composes a call in it', async () => {
    const stateDir = join(dir, 'state-modern');
    const { child: proxy } = await recordModernScenario(join(dir, 'modern.db'), stateDir);
    children.push(proxy);

    tmux.start('modern', paneCommand({ MCP_TAP_STATE_DIR: stateDir, EDITOR: FILL_ARGUMENTS, VISUAL: '' }, [process.execPath, CLI, 'attach']), { columns: 200, rows: 60 });
    const screen = await tmux.until('modern', (text) => text.includes('resources/read counter://value'), 'the conversation');
    // The multi round-trip call as its rounds, the listen stream, progress with its call.
    expect(screen).toMatch(/tools\/call confirm .*input required · round 1/);
    expect(screen).toMatch(/tools\/call confirm .*ok · round 2/);
    expect(screen).toMatch(/subscriptions\/listen .*stream closed · \d+ sent/);
    expect(screen).toMatch(/tools\/call count .*ok · 3 notes/);
    tmux.type('modern', ':compose echo');
    tmux.keys('modern', 'Enter');
    const composed = await tmux.until('modern', (text) => text.includes('sent tools/call echo as id') && text.includes('echo: composed in the UI'), 'the composed call answered');
    // Made in the conversation's name: the modern envelope is on the request.
    expect(composed).toContain('"io.modelcontextprotocol/protocolVersion": "2026-07-28"');
    tmux.keys('modern', 'q');
    await tmux.until('modern', (text) => text.includes('detached from'), 'the UI to quit');
  });
});

describe('a stored tape in the UI', () => {
  it('mcp-tap tapes show NAME --tui and attach --tape NAME browse it read-only', async () => {
    const store = join(dir, 'resend.db');
    for (const [pane, argv] of [
      ['show', [process.execPath, CLI, 'tapes', 'show', 'resend', '--store', store, '--tui']],
      ['attach-tape', [process.execPath, CLI, 'attach', '--tape', 'resend', '--store', store]],
    ] as const) {
      tmux.start(pane, paneCommand({}, [...argv]));
      const screen = await tmux.until(pane, (text) => text.includes('tape resend (read-only)') && text.includes('tools/call get-sum'), 'the tape');
      expect(screen).toMatch(/\+\d+\.\d{3}s +→ initialize/);
      expect(screen).toMatch(/tools\/call echo .* ok · resent/);
      tmux.keys(pane, 'r');
      await tmux.until(pane, (text) => text.includes('read-only: "resend" is a stored tape'), 'the refusal');
      tmux.keys(pane, 'q');
      await tmux.until(pane, (text) => !text.includes('read-only'), 'the UI to quit');
    }
  });
});
