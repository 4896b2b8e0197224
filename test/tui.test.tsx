/**
 * The terminal UI, key by key, against an in-memory ControlLink: what it draws of the proxy's
 * messages (exchanges, held messages in place, the detail pane), and which commands each key
 * sends. $EDITOR is a real script that rewrites the file. The real terminal, colour, resizes and
 * real proxies are in tui-terminal.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import type { Key } from 'ink';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { parse as parseYaml } from 'yaml';
import type { BreakpointView, ControlLink, ControlRequest, FrameView, PausedView, ServerMessage } from '../src/control/protocol.js';
import { buildTui, type TuiParts } from '../src/tui/run.js';
import { spawnEditor } from '../src/tui/editor.js';
import { windowTop } from '../src/tui/components/ExchangeList.js';
import { helpColumns, KEYS } from '../src/tui/components/HelpOverlay.js';
import { appendMockRule } from '../src/rules/save.js';
import { splitKeys } from '../src/tui/keys.js';
import { fit, wrapLines } from '../src/tui/text.js';
import { ListView } from '../src/control/list-view.js';
import { ExchangeLog } from '../src/core/exchange.js';
import { exchangeFrameOfView } from '../src/control/exchange-frames.js';
import { composeToolCall, mockResultFor, skeletonOf } from '../src/control/templates.js';
import { compileFilter } from '../src/filter/index.js';
import { inert } from '../src/core/inert.js';
import { tempDir } from './support/paths.js';

/** A ControlLink held in memory: the test plays the proxy. */
class FakeLink implements ControlLink {
  onmessage?: (message: ServerMessage) => void;
  onclose?: (reason: string) => void;
  readonly sent: ControlRequest[] = [];
  closed = false;
  /** What the proxy holds and has armed, as far as the messages it sent say (what `list` answers). */
  private held: PausedView[] = [];
  private breakpoints: BreakpointView[] = [];
  /** What the proxy answers other commands; an Error is a refusal. */
  answer: (command: ControlRequest) => unknown = () => ({});

  request(command: ControlRequest): Promise<unknown> {
    if (command.cmd === 'list') return Promise.resolve({ paused: this.held, breakpoints: this.breakpoints });
    this.sent.push(command);
    const answer = this.answer(command);
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  close(): void {
    this.closed = true;
  }

  emit(...messages: ServerMessage[]): void {
    for (const message of messages) {
      if (message.type === 'hello') [this.held, this.breakpoints] = [message.paused, message.breakpoints];
      if (message.type === 'paused') this.held = [...this.held.filter((p) => p.pauseId !== message.paused.pauseId), message.paused];
      if (message.type === 'resumed') this.held = this.held.filter((p) => p.pauseId !== message.pauseId);
      if (message.type === 'breakpoints') this.breakpoints = message.breakpoints;
      this.onmessage?.(message);
    }
  }

  /** What was sent, without the timer commands that go with every edit of a held message. */
  decisions(): ControlRequest[] {
    return this.sent.filter((c) => c.cmd !== 'timer');
  }
}

const T0 = new Date(2026, 0, 2, 10, 20, 30, 0).getTime();
const SESSION = 'stdio-1';

function frame(seq: number, over: Partial<FrameView> = {}): FrameView {
  return {
    seq,
    time: T0 + seq,
    sessionId: SESSION,
    direction: 'c2s',
    kind: 'request',
    method: 'tools/list',
    id: seq,
    action: 'continue',
    flags: [],
    text: JSON.stringify({ jsonrpc: '2.0', id: seq, method: 'tools/list' }),
    ...over,
  };
}

function call(seq: number, tool: string, args: object = {}, id: number = seq, over: Partial<FrameView> = {}): FrameView {
  return frame(seq, { method: 'tools/call', toolName: tool, id, text: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } }), ...over });
}

const echoCall = (seq: number, message: string, id = seq) => call(seq, 'echo', { message }, id);

function answer(seq: number, id: number, result: object, over: Partial<FrameView> = {}): FrameView {
  return frame(seq, { direction: 's2c', kind: 'response', method: undefined, requestMethod: 'tools/call', id, text: JSON.stringify({ jsonrpc: '2.0', id, result }), ...over });
}

function failure(seq: number, id: number, code: number, message: string, over: Partial<FrameView> = {}): FrameView {
  return frame(seq, { direction: 's2c', kind: 'error', method: undefined, requestMethod: 'tools/call', id, text: JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }), ...over });
}

function held(pauseId: number, seq: number, message: string, id = 40 + pauseId, over: Partial<PausedView> = {}): PausedView {
  return {
    pauseId,
    seq,
    sessionId: SESSION,
    direction: 'c2s',
    kind: 'request',
    method: 'tools/call',
    toolName: 'echo',
    id,
    text: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } }),
    reason: 'breakpoint 1: ~t echo',
    pausedAt: Date.now(),
    deadline: Date.now() + 300_000,
    timer: 'running',
    ...over,
  };
}

function hello(over: Partial<Extract<ServerMessage, { type: 'hello' }>> = {}): ServerMessage {
  return {
    type: 'hello',
    protocolVersion: 2,
    proxy: { id: 'a1b2c3', pid: 1, url: 'ws://127.0.0.1:1/control', title: 'record server-everything', tape: 'everything-7', startedAt: T0, cwd: '/tmp', protocolVersion: 2 },
    breakpoints: [],
    paused: [],
    sessions: [{ id: SESSION, transport: 'stdio', createdAt: T0, lastActiveAt: T0 }],
    frames: [],
    ...over,
  };
}

const KEY = { up: '\u001B[A', down: '\u001B[B', tab: '\t', enter: '\r', escape: '\u001B', backspace: '\u007F', clearLine: '\u0015', ctrlC: '\u0003' };

/** Editor scripts, rules files and exports for this run. */
const dir = tempDir('mcp-tap-tui-');

/** An $EDITOR: a node script given the file; `body` is the code run with `file` and `fs` in scope. */
function editorScript(name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `import fs from 'node:fs';\nconst file = process.argv[2];\n${body}\n`);
  return `"${process.execPath}" "${file}"`;
}

/** Gives the fake terminal a size and tells the UI, as a terminal does on resize. */
function resize(stdout: NodeJS.EventEmitter, columns: number, rows: number): void {
  Object.defineProperty(stdout, 'columns', { value: columns, configurable: true });
  Object.defineProperty(stdout, 'rows', { value: rows, configurable: true });
  stdout.emit('resize');
}

interface Mounted {
  link: FakeLink;
  tui: TuiParts;
  frame: () => string;
  press: (...keys: string[]) => Promise<void>;
  until: (check: (frame: string) => boolean, what: string) => Promise<string>;
  quits: () => (string | undefined)[];
  resize: (columns: number, rows: number) => void;
}

interface MountOptions {
  editor?: string;
  rulesFile?: string;
  columns?: number;
  rows?: number;
  tape?: Parameters<typeof buildTui>[0]['tape'];
}

/** The screen without Ink's own colours, as a person reads it. */
const plain = (text: string) => stripVTControlCharacters(text);

async function mount(messages: ServerMessage[] = [hello()], options: MountOptions = {}): Promise<Mounted> {
  const link = new FakeLink();
  const quits: (string | undefined)[] = [];
  const env = { ...process.env, EDITOR: options.editor ?? 'false', VISUAL: '' };
  const tui = buildTui({ link: options.tape ? undefined : link, tape: options.tape, editor: spawnEditor('ignore', env), rulesFile: options.rulesFile, onQuit: (summary) => quits.push(summary), cwd: dir });
  const app = render(tui.element);
  resize(app.stdout, options.columns ?? 160, options.rows ?? 40);
  link.emit(...messages);
  const current = () => plain(app.lastFrame() ?? '');
  const until = async (check: (frame: string) => boolean, what: string) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const text = current();
      if (check(text)) return text;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen was:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      app.stdin.write(key);
      // Ink reads input on the next tick; give it (and React) a moment.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  await until((text) => text.includes(options.tape ? 'read-only' : 'record server-everything'), 'the first drawing');
  return { link, tui, frame: current, press, until, quits: () => quits, resize: (columns, rows) => resize(app.stdout, columns, rows) };
}

/** The list's rows (the lines between the list's borders that start with a time: a clock, or a tape's offset). */
const listRows = (screen: string) => screen.split('\n').filter((line) => /^│(\d\d:\d\d:\d\d\.\d{3}|\+[\d.ms]+) /.test(line));
/** A row's cells with the runs of spaces squeezed, the detail pane beside it cut off. */
const squeezed = (row: string | undefined) => (row ?? '').split('││')[0]!.replace(/\s+/g, ' ').trim();

afterEach(() => {
  cleanup();
});

describe('exchanges', () => {
  it('lists a request and its answer as one row: time, direction, method and tool, id, outcome, latency, size', async () => {
    const t = await mount([
      hello({
        frames: [
          echoCall(1, 'hi'),
          answer(2, 1, { content: [{ type: 'text', text: 'Echo: hi' }] }, { latencyMs: 12.4 }),
          frame(3, { id: 2 }),
          failure(4, 2, -32602, 'bad params', { requestMethod: 'tools/list', latencyMs: 3 }),
        ],
      }),
    ]);
    const screen = await t.until((s) => s.includes('bad params'), 'the error row');
    expect(screen).toContain('tape everything-7');
    expect(screen).toContain('conversations 1');
    expect(screen).toContain('0 held');
    const rows = listRows(screen);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/10:20:30\.001 → tools\/call echo\s+stdio-1\s+1\s+ok\s+12ms\s+\d+ B/);
    expect(rows[1]).toMatch(/→ tools\/list\s+stdio-1\s+2\s+error -32602 bad params\s+3\.0ms\s+\d+ B/);
    // The newest is selected; the detail shows its request and its answer.
    expect(screen).toContain('── request → from the client');
    expect(screen).toContain('"message": "bad params"');
  });

  it('names how each call ended: isError, blocked, mocked, dropped, cancelled, timed out, held', async () => {
    const frames = [
      call(1, 'failing'),
      answer(2, 1, { isError: true, content: [] }),
      call(3, 'blocked', {}, 3, { action: 'block' }),
      failure(4, 3, -32001, 'no sums', { action: 'block', flags: ['synthesized'], toolName: 'blocked' }),
      call(5, 'mocked', {}, 5, { action: 'pause>mock' }),
      answer(6, 5, { content: [] }, { action: 'mock', flags: ['synthesized'], toolName: 'mocked' }),
      call(7, 'dropped', {}, 7, { action: 'pause>block' }),
      failure(8, 7, -32006, 'not today', { action: 'block', flags: ['synthesized'], toolName: 'dropped' }),
      call(9, 'slow'),
      frame(10, { kind: 'notification', method: 'notifications/cancelled', id: undefined, text: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9, reason: 'Request timed out' } }) }),
      call(11, 'given-up'),
      frame(12, { kind: 'notification', method: 'notifications/cancelled', id: undefined, text: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 11, reason: 'user' } }) }),
    ];
    const t = await mount([hello({ frames, paused: [held(1, 13, 'waiting')] })]);
    const screen = await t.until((s) => s.includes('HELD'), 'the held row');
    const outcome = (tool: string) => squeezed(listRows(screen).find((row) => row.includes(`tools/call ${tool} `)));
    expect(outcome('failing')).toMatch(/ isError /);
    expect(outcome('blocked')).toMatch(/ blocked -32001 no sums/);
    expect(outcome('mocked')).toMatch(/ mocked /);
    expect(outcome('dropped')).toMatch(/ dropped -32006 not today/);
    expect(outcome('slow')).toMatch(/ timed out /);
    expect(outcome('given-up')).toMatch(/ cancelled /);
    expect(outcome('echo')).toMatch(/ HELD /);
  });

  it('keeps the tool name on answers the proxy made, so ~t TOOL finds how the call ended', async () => {
    const frames = [
      call(1, 'echo', {}, 1, { action: 'pause>mock' }),
      answer(2, 1, { content: [] }, { action: 'mock', flags: ['synthesized'], toolName: 'echo' }),
      call(3, 'echo', {}, 3, { action: 'pause>block' }),
      failure(4, 3, -32006, 'dropped in mcp-tap UI', { action: 'block', flags: ['synthesized'], toolName: 'echo' }),
      call(5, 'get-sum'),
      answer(6, 5, { content: [] }),
    ];
    const t = await mount([hello({ frames })]);
    await t.press('f', '~t echo', KEY.enter);
    const screen = await t.until((s) => s.includes('filter: ~t echo'), 'the filter applied');
    const rows = listRows(screen).map(squeezed);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/tools\/call echo .* mocked/);
    expect(rows[1]).toMatch(/tools\/call echo .* dropped -32006/);
    expect(screen).toContain('exchanges 2/3');
  });

  it('expands an exchange into its messages with Enter, and folds it again', async () => {
    const progress = frame(2, { direction: 's2c', kind: 'notification', method: 'notifications/progress', id: undefined, text: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: 1 } }) });
    const request = call(1, 'slow', {}, 1, { text: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', _meta: { progressToken: 't' } } }) });
    const t = await mount([hello({ frames: [request, progress, answer(3, 1, { content: [] }, { latencyMs: 5 })] })]);
    await t.until((s) => s.includes('tools/call slow'), 'the exchange');
    await t.press(KEY.enter);
    let screen = await t.until((s) => s.includes('└ answer'), 'its parts');
    const rows = listRows(screen).map(squeezed);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toMatch(/→ tools\/call slow stdio-1 1 ok · 1 note 5\.0ms \d+ B$/);
    expect(rows[1]).toMatch(/→ ├ request 1 \d+ B$/);
    expect(rows[2]).toMatch(/← ├ notifications\/pro.* \d+ B$/);
    expect(rows[3]).toMatch(/← └ answer 1 5\.0ms \d+ B$/);
    // Selecting a part starts the detail pane at it.
    await t.press('j', 'j');
    screen = await t.until((s) => /│── notifications\/progress/.test(s.split('\n').slice(3, 5).join('\n')) || s.includes('3/4'), 'the part selected');
    expect(screen).toContain('notifications/progress ←');
    await t.press('k', 'k', KEY.enter);
    screen = await t.until((s) => !s.includes('└ answer'), 'folded');
    expect(listRows(screen)).toHaveLength(1);
  });

  it('shows both versions of an edited message, and with d what changed', async () => {
    const changed = echoCall(1, 'after');
    changed.action = 'pause>modify';
    changed.original = echoCall(1, 'before').text;
    const t = await mount([hello({ frames: [changed] })]);
    let screen = await t.until((s) => s.includes('as it arrived'), 'both versions');
    expect(screen).toContain('as sent on (edited; d shows what changed)');
    expect(screen).toContain('"message": "after"');
    expect(screen).toContain('"message": "before"');
    expect(listRows(screen)[0]).toContain('edited');
    await t.press('d');
    screen = await t.until((s) => s.includes('what changed (- as it arrived, + as sent on)'), 'the diff');
    expect(screen).toMatch(/- +"message": "before"/);
    expect(screen).toMatch(/\+ +"message": "after"/);
  });

  it('v shows the messages as sent, not pretty-printed', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'raw text')] })]);
    await t.until((s) => s.includes('"message": "raw text"'), 'the pretty view');
    await t.press('v');
    const screen = await t.until((s) => s.includes('[raw]'), 'the raw view');
    expect(screen).toContain('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"raw text"}}}'.slice(0, 40));
  });
});

describe('held messages', () => {
  it('lists a held message where it arrived, marked, and keeps it there once it is decided; latency leaves the hold out', async () => {
    const t = await mount([hello({ frames: [frame(1, { id: 1 }), answer(2, 1, { tools: [] }, { requestMethod: 'tools/list' })] })]);
    t.link.emit({ type: 'paused', paused: held(1, 3, 'in place', 9, { pausedAt: T0 + 3 }) }, { type: 'frame', frame: frame(4, { id: 2, time: T0 + 4 }) }, { type: 'frame', frame: answer(5, 2, { tools: [] }, { requestMethod: 'tools/list' }) });
    let screen = await t.until((s) => s.includes('1 held'), 'the hold');
    let rows = listRows(screen);
    expect(rows.map((row) => squeezed(row).slice(14))).toEqual([expect.stringMatching(/^→ tools\/list stdio-1 1 ok /), expect.stringMatching(/^→ tools\/call echo stdio-1 9 HELD /), expect.stringMatching(/^→ tools\/list stdio-1 2 ok /)]);
    // Released 4 s later; the answer took 3 ms once the request was sent.
    t.link.emit(
      { type: 'resumed', pauseId: 1, outcome: 'continue', timedOut: false },
      { type: 'frame', frame: { ...echoCall(6, 'in place', 9), time: T0 + 4003, action: 'pause', pauseId: 1, heldSeq: 3 } },
      { type: 'frame', frame: answer(7, 9, { content: [] }, { latencyMs: 3, time: T0 + 4006 }) },
    );
    screen = await t.until((s) => s.includes('0 held') && /tools\/call echo.*\bok\b/.test(s), 'the decision');
    rows = listRows(screen);
    expect(rows).toHaveLength(3);
    expect(squeezed(rows[1])).toMatch(/tools\/call echo stdio-1 9 ok · held 4s 3\.0ms \d+ B$/);
  });

  it('puts a late attach\'s history in wire order: a message that was held goes where it arrived', async () => {
    const t = await mount([hello({ frames: [frame(1, { id: 1 }), frame(3, { id: 3 }), { ...echoCall(4, 'was held', 7), pauseId: 1, heldSeq: 2, action: 'pause' }] })]);
    const screen = await t.until((s) => s.includes('tools/call echo'), 'the history');
    expect(listRows(screen).map((row) => (row.includes('echo') ? 'echo' : 'list'))).toEqual(['list', 'echo', 'list']);
  });

  it('shows a cancel on the held entry, and says the hold was dropped for it', async () => {
    const t = await mount([hello({ paused: [held(1, 1, 'to cancel', 5)] })]);
    await t.until((s) => s.includes('1 held'), 'the hold');
    t.link.emit({ type: 'paused', paused: held(1, 1, 'to cancel', 5, { cancelled: { reason: 'user', at: Date.now() } }) });
    let screen = await t.until((s) => s.includes('CANCELLED'), 'the cancel on the entry');
    expect(screen).toMatch(/#1 → tools\/call echo\s+CANCELLED by its sender/);
    t.link.emit(
      { type: 'frame', frame: frame(2, { kind: 'notification', method: 'notifications/cancelled', id: undefined, action: 'block', text: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5, reason: 'user' } }) }) },
      { type: 'resumed', pauseId: 1, outcome: 'drop', timedOut: false, cancelled: true },
      { type: 'frame', frame: { ...echoCall(3, 'to cancel', 5), action: 'pause>block', pauseId: 1, heldSeq: 1 } },
    );
    screen = await t.until((s) => s.includes('cancelled by its sender and dropped'), 'the status');
    expect(listRows(screen)[0]).toMatch(/tools\/call echo.*cancelled/);
  });

  it('a resumes the held message the selection is on; in the held list, the one picked there', async () => {
    const t = await mount([hello({ frames: [frame(1)], paused: [held(1, 2, 'x'), held(2, 3, 'y')] })]);
    await t.until((s) => s.includes('2 held'), 'the holds');
    // The newest row is the second hold.
    await t.press('a');
    await t.until((s) => s.includes('#2 resumed'), 'the status');
    await t.press(KEY.tab, 'k', 'a');
    await t.until((s) => s.includes('#1 resumed'), 'the status');
    expect(t.link.decisions()).toEqual([
      { cmd: 'resume', pauseId: 2 },
      { cmd: 'resume', pauseId: 1 },
    ]);
  });

  it('A resumes all; x drops; with nothing held they say so and send nothing', async () => {
    const t = await mount([hello({ paused: [held(7, 1, 'x')] })]);
    await t.press('x');
    await t.until((s) => s.includes('#7 dropped'), 'the status');
    t.link.answer = () => new Error('message 7 is not paused');
    await t.press('x');
    await t.until((s) => s.includes('drop refused: message 7 is not paused'), 'the refusal');
    t.link.answer = () => ({});
    await t.press('A');
    await t.until((s) => s.includes('every held message resumed'), 'the status');
    expect(t.link.decisions()).toEqual([{ cmd: 'drop', pauseId: 7, reason: 'dropped in mcp-tap UI' }, { cmd: 'drop', pauseId: 7, reason: 'dropped in mcp-tap UI' }, { cmd: 'resume', pauseId: 'all' }]);
    const empty = await mount();
    await empty.press('a');
    await empty.until((s) => s.includes('nothing is held'), 'the status');
    await empty.press('x', 'e', 'A');
    expect(empty.link.sent).toEqual([]);
  });

  it('e edits the held message in $EDITOR, its timer stopped meanwhile, and sends the edit', async () => {
    const editor = editorScript(
      'edit-ok',
      `const m = JSON.parse(fs.readFileSync(file, 'utf8')); m.params.arguments.message = 'edited by a person'; fs.writeFileSync(file, JSON.stringify(m, null, 2));`,
    );
    const t = await mount([hello({ paused: [held(3, 1, 'original')] })], { editor });
    await t.press('e');
    await t.until((s) => s.includes('#3 sent edited'), 'the edit sent');
    expect(t.link.sent.map((c) => c.cmd)).toEqual(['timer', 'edit']);
    expect(t.link.sent[0]).toEqual({ cmd: 'timer', pauseId: 3, running: false });
    const sent = t.link.sent[1] as Extract<ControlRequest, { cmd: 'edit' }>;
    expect(JSON.parse(sent.text)).toEqual({ jsonrpc: '2.0', id: 43, method: 'tools/call', params: { name: 'echo', arguments: { message: 'edited by a person' } } });
  });

  it('a refused edit keeps the text: the next e opens what the person wrote, and the timer runs again meanwhile', async () => {
    const seen = join(dir, 'seen-by-editor.txt');
    const editor = editorScript(
      'edit-twice',
      `const text = fs.readFileSync(file, 'utf8'); fs.appendFileSync(${JSON.stringify(seen)}, text + '\\n=====\\n');
       if (!text.includes('half-done')) fs.writeFileSync(file, '{"jsonrpc": "2.0", "id": 43, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "half-done"');
       else fs.writeFileSync(file, text + '}}}');`,
    );
    const t = await mount([hello({ paused: [held(3, 1, 'original')] })], { editor });
    await t.press('e');
    const screen = await t.until((s) => s.includes('refused'), 'the refusal');
    expect(screen).toContain('not JSON');
    expect(screen).toContain('e reopens your text');
    expect(screen).toContain('1 held');
    expect(t.link.sent).toEqual([
      { cmd: 'timer', pauseId: 3, running: false },
      { cmd: 'timer', pauseId: 3, running: true },
    ]);
    await t.press('e');
    await t.until((s) => s.includes('#3 sent edited'), 'the second edit sent');
    const [first, second] = readFileSync(seen, 'utf8').split('\n=====\n');
    expect(first).toContain('"message": "original"');
    expect(second).toContain('"message": "half-done"');
    const edit = t.link.sent.find((c) => c.cmd === 'edit') as Extract<ControlRequest, { cmd: 'edit' }>;
    expect(JSON.parse(edit.text).params.arguments.message).toBe('half-done');
  });

  it('e with JSON that is not JSON-RPC says why and sends no edit', async () => {
    const editor = editorScript('edit-not-rpc', `fs.writeFileSync(file, JSON.stringify({ id: 43, method: 'tools/call' }));`);
    const t = await mount([hello({ paused: [held(3, 1, 'original')] })], { editor });
    await t.press('e');
    await t.until((s) => s.includes('not a JSON-RPC message') && s.includes('"jsonrpc" must be "2.0"'), 'the error');
    expect(t.link.decisions()).toEqual([]);
  });

  it('m answers a held request with a mock from the template for its method, and s saves it as a mock rule', async () => {
    const editor = editorScript(
      'mock',
      `const template = JSON.parse(fs.readFileSync(file, 'utf8')); template.content[0].text = 'mocked by a person'; fs.writeFileSync(file, JSON.stringify(template));`,
    );
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, '# rules for the demo\nrules:\n  - match: "~t get-sum"\n    action: block\n    reason: no sums\n');
    const t = await mount([hello({ paused: [held(4, 1, 'question')] })], { editor, rulesFile });
    await t.press('m');
    await t.until((s) => s.includes('#4 answered with the mock'), 'the mock sent');
    const sent = t.link.decisions()[0] as Extract<ControlRequest, { cmd: 'mock' }>;
    expect(sent).toMatchObject({ cmd: 'mock', pauseId: 4 });
    expect(JSON.parse(sent.text)).toEqual({ content: [{ type: 'text', text: 'mocked by a person' }], isError: false });
    await t.press('s');
    await t.until((s) => s.includes('mock rule for "~k request & ~t echo" added'), 'the rule saved');
    const saved = readFileSync(rulesFile, 'utf8');
    expect(saved).toContain('# rules for the demo');
    expect(parseYaml(saved)).toEqual({
      rules: [
        { match: '~t get-sum', action: 'block', reason: 'no sums' },
        { match: '~k request & ~t echo', action: 'mock', result: { content: [{ type: 'text', text: 'mocked by a person' }], isError: false } },
      ],
    });
  });

  it('m refuses a held answer (only requests get mocked)', async () => {
    const heldAnswer: PausedView = { ...held(5, 1, 'x'), direction: 's2c', kind: 'response', method: undefined, requestMethod: 'tools/call', text: '{"jsonrpc":"2.0","id":45,"result":{}}' };
    const t = await mount([hello({ paused: [heldAnswer] })]);
    await t.press('m');
    await t.until((s) => s.includes('only a request can be answered with a mock'), 'the refusal');
    expect(t.link.sent).toEqual([]);
  });
});

describe('reading', () => {
  it('/ finds the next exchange holding the text, n the one after; in the detail pane, the line', async () => {
    const frames = [echoCall(1, 'apple'), echoCall(2, 'banana'), echoCall(3, 'apple pie'), echoCall(4, 'cherry')];
    const t = await mount([hello({ frames })]);
    await t.until((s) => s.includes('"message": "cherry"'), 'the newest selected');
    await t.press('/', 'apple', KEY.enter);
    await t.until((s) => s.includes('"message": "apple"') && s.includes('found "apple"'), 'the first match');
    await t.press('n');
    await t.until((s) => s.includes('"message": "apple pie"'), 'the next match');
    // In the detail pane, the search moves the pane to the line.
    await t.press(KEY.tab, '/', 'jsonrpc', KEY.enter);
    const screen = await t.until((s) => /"jsonrpc" on line \d+ of \d+/.test(s), 'the line found');
    expect(screen).toContain('"jsonrpc": "2.0"');
  });

  it('the detail pane scrolls with the focus on it, and wraps long lines', async () => {
    const long = 'word '.repeat(60).trim();
    const t = await mount([hello({ frames: [echoCall(1, long)] })], { rows: 20 });
    let screen = await t.until((s) => s.includes('"message": "word word'), 'the message');
    // Wrapped: the whole text is on the screen, line by line.
    const words = screen.split('\n').join(' ').match(/word/g)?.length ?? 0;
    expect(words).toBeGreaterThan(20);
    const position = (s: string) => /\[pretty (\d+)-\d+\/\d+\]/.exec(s)?.[1];
    expect(position(screen)).toBe('1');
    await t.press(KEY.tab, 'j', 'j');
    screen = await t.until((s) => position(s) === '3', 'scrolled two lines');
    await t.press('G');
    screen = await t.until((s) => position(s) !== '3', 'the end');
    expect(Number(position(screen))).toBeGreaterThan(3);
  });

  it('makes every peer-controlled string inert: escape sequences, C1 controls and bidi overrides are shown escaped', async () => {
    const evil = 'evil\u001B[2J\u001B[31mpainted';
    const frames = [
      call(1, evil, { note: 'C1 \u009b31m here, bidi \u202edesrever\u202c' }),
      frame(2, { kind: 'notification', method: 'notifications/\u001B]0;title\u0007x', id: undefined, text: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/\u001B]0;title\u0007x' }) }),
    ];
    const t = await mount([hello({ frames, sessions: [{ id: 'sess\u202e', transport: 'stdio', createdAt: T0, lastActiveAt: T0 }] })]);
    const raw = () => t.tui.element && t.frame();
    await t.press('k');
    const screen = await t.until((s) => s.includes('tools/call evil'), 'the row');
    // What the terminal would receive: Ink's own colours aside, no control sequence from the peer.
    expect(raw()).not.toContain('\u001B[2J');
    expect(screen).not.toMatch(/[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(screen).not.toContain('\u0007');
    expect(screen).toContain('tools/call evil\\x1b[2');
    expect(screen).toContain('"name": "evil\\u001b[2J\\u001b[31mpainted"');
    expect(screen).toContain('\\x9b31m');
    expect(screen).toContain('\\u202edesrever\\u202c');
  });

  it('pads by display width: wide characters, emoji and ZWJ sequences keep the columns in line', async () => {
    const tools = ['plain', '日本語のツール', 'emoji 🚀🚀', 'family 👩‍👩‍👧‍👦 here', 'accent é'];
    const frames = tools.flatMap((tool, i) => [call(i * 2 + 1, tool, {}, i + 1), answer(i * 2 + 2, i + 1, { content: [] }, { latencyMs: 1 })]);
    const t = await mount([hello({ frames })]);
    const screen = await t.until((s) => s.includes('accent'), 'the rows');
    const rows = listRows(screen);
    expect(rows).toHaveLength(tools.length);
    // The id column starts at the same display column on every row.
    const idColumn = rows.map((row, i) => stringWidth(row.slice(0, row.indexOf(` ${i + 1}    `))));
    expect(new Set(idColumn).size).toBe(1);
    expect(new Set(rows.map((row) => stringWidth(row))).size).toBe(1);
  });
});

describe('the list under load', () => {
  it('stays bounded to the window with thousands of exchanges, keeping the newest 5000', async () => {
    const t = await mount();
    const frames = Array.from({ length: 6000 }, (_, i) => echoCall(i + 1, `n${i + 1}`));
    t.link.emit(...frames.map((f): ServerMessage => ({ type: 'frame', frame: f })));
    const screen = await t.until((s) => s.includes('exchanges 5000'), 'the exchanges counted');
    expect(screen).toContain('"message": "n6000"');
    expect(screen).toContain('5000/5000');
    expect(screen.split('\n').length).toBeLessThanOrEqual(40);
    expect(t.tui.store.getState().log.size).toBe(5000);
    await t.press('k');
    await t.until((s) => s.includes('4999/5000') && s.includes('"message": "n5999"'), 'one up');
  });

  it('keeps the selection on its exchange while newer ones push the oldest out', async () => {
    const t = await mount([hello({ frames: Array.from({ length: 10 }, (_, i) => echoCall(i + 1, `old${i + 1}`)) })]);
    await t.press('g', 'j');
    await t.until((s) => s.includes('"message": "old2"'), 'the second selected');
    t.link.emit(...Array.from({ length: 6000 }, (_, i): ServerMessage => ({ type: 'frame', frame: echoCall(100 + i, `new${i}`) })));
    const screen = await t.until((s) => s.includes('exchanges 5000'), 'the flood');
    // It did not fall off, and the pane still shows it.
    expect(screen).toContain('"message": "old2"');
    expect(screen).toMatch(/exchanges 1\/5000/);
  });

  it('F freezes the list: new exchanges wait, the selection holds; F again follows', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'one'), echoCall(2, 'two')] })]);
    await t.until((s) => s.includes('"message": "two"'), 'following');
    await t.press('F');
    await t.until((s) => s.includes('FROZEN'), 'frozen');
    t.link.emit({ type: 'frame', frame: echoCall(3, 'three') }, { type: 'frame', frame: echoCall(4, 'four') });
    let screen = await t.until((s) => s.includes('FROZEN +2'), 'the waiting count');
    expect(listRows(screen)).toHaveLength(2);
    expect(screen).toContain('"message": "two"');
    await t.press('F');
    screen = await t.until((s) => !s.includes('FROZEN'), 'following again');
    expect(listRows(screen)).toHaveLength(4);
  });

  it('z clears what is finished and keeps what is open or held', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'done'), answer(2, 1, { content: [] }), echoCall(3, 'waiting')], paused: [held(1, 4, 'held')] })]);
    await t.until((s) => s.includes('1 held'), 'the list');
    await t.press('z');
    const screen = await t.until((s) => s.includes('cleared'), 'cleared');
    expect(listRows(screen)).toHaveLength(2);
    expect(screen).not.toContain('"message": "done"');
  });
});

describe('resizing and help', () => {
  it('redraws to the new size: side by side when wide, stacked when narrow', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'sized')] })]);
    const wide = await t.until((s) => s.includes('"message": "sized"'), 'the first drawing');
    const detailRow = (text: string) => text.split('\n').findIndex((line) => line.includes('→ tools/call echo  ['));
    const listRow = (text: string) => text.split('\n').findIndex((line) => /\d → tools\/call echo/.test(line));
    expect(Math.abs(detailRow(wide) - listRow(wide))).toBeLessThan(3);
    expect(Math.max(...wide.split('\n').map((line) => stringWidth(line)))).toBeLessThanOrEqual(160);
    t.resize(90, 28);
    const narrow = await t.until((s) => Math.max(...s.split('\n').map((line) => stringWidth(line))) <= 90, 'the narrow drawing');
    expect(narrow.split('\n').length).toBeLessThanOrEqual(28);
    expect(detailRow(narrow)).toBeGreaterThan(listRow(narrow) + 3);
  });

  for (const columns of [100, 160]) {
    it(`shows every key in the help at ${columns} columns, nothing cut off`, async () => {
      const t = await mount([hello()], { columns, rows: 30 });
      await t.press('?');
      let screen = await t.until((s) => s.includes('help (any other key closes)'), 'the help');
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        expect(Math.max(...screen.split('\n').map((line) => stringWidth(line)))).toBeLessThanOrEqual(columns);
        seen.push(screen);
        if (!screen.includes('scroll')) break;
        const before = screen;
        await t.press('j', 'j', 'j', 'j', 'j');
        screen = await t.until((s) => s !== before || s.includes(`of `), 'scrolled');
        if (screen === before) break;
      }
      // Every description, wrapped or not, is there in full, column by column (two from 150 columns).
      const columnWidth = columns >= 150 ? Math.floor((columns - 5) / 2) : columns - 4;
      const inside = seen.flatMap((screen) => screen.split('\n').filter((line) => line.startsWith('║ ')));
      const text = inside.map((line) => Array.from(line).slice(2, 2 + columnWidth).join('')).join(' ').replace(/\s+/g, ' ');
      for (const [, what] of KEYS) expect(text).toContain(what.replace(/\s+/g, ' '));
      await t.press('x');
      await t.until((s) => !s.includes('help (any other key closes)'), 'closed');
      expect(t.link.sent).toEqual([]);
    });
  }
});

describe('keys', () => {
  it('f filters the list; a bad expression shows the column error and leaves the list as it was', async () => {
    const frames = [echoCall(1, 'a'), frame(2), echoCall(3, 'b'), frame(4, { kind: 'notification', method: 'notifications/progress', id: undefined })];
    const t = await mount([hello({ frames })]);
    await t.until((s) => s.includes('notifications/progress'), 'every item');
    // Typed fast, the keys arrive in one chunk.
    await t.press('f~t echo', KEY.enter);
    let screen = await t.until((s) => s.includes('filter: ~t echo'), 'the filter applied');
    expect(screen).not.toContain('notifications/progress');
    expect(screen).toContain('exchanges 2/4');
    t.link.emit({ type: 'frame', frame: frame(5) }, { type: 'frame', frame: echoCall(6, 'c') });
    await t.until((s) => s.includes('exchanges 3/6'), 'new ones filtered');
    await t.press('f', KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, '(', KEY.enter);
    screen = await t.until((s) => s.includes('column'), 'the error');
    // The caret stands under the column the message names, past the prompt's label.
    const lines = screen.split('\n');
    const at = lines.findIndex((line) => line.startsWith('filter> ~t ('));
    const expression = lines[at + 1]!;
    const caret = lines[at + 2]!;
    const column = Number(/column (\d+)/.exec(screen)?.[1]);
    expect(caret.indexOf('^')).toBe(expression.indexOf('~t (') + column - 1);
    expect(screen).toContain('exchanges 3/6');
    await t.press(KEY.escape, 'f', KEY.clearLine, KEY.enter);
    screen = await t.until((s) => s.includes('filter cleared'), 'no filter');
    expect(screen).toContain('exchanges 6');
  });

  it('control keys that arrive with other keys act as keys, never typed into the prompt', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'a'), frame(2)] })]);
    // One chunk: open the filter, type, Backspace, type, Enter.
    await t.press(`f~t ech${KEY.backspace}o${KEY.enter}`);
    let screen = await t.until((s) => s.includes('filter: ~t eco'), 'the filter from one chunk');
    expect(screen).not.toContain('\u007f');
    // Ctrl-U in a chunk clears; Tab and Escape in a chunk are keys too.
    await t.press(`f${KEY.clearLine}~t echo\t${KEY.enter}`);
    screen = await t.until((s) => /filter: ~t echo$/m.test(s), 'cleared and typed again');
    expect(listRows(screen)).toHaveLength(1);
    await t.press(`bnot typed\u001B`);
    screen = await t.until((s) => !s.includes('break on>'), 'the prompt closed by Esc');
    expect(t.link.sent).toEqual([]);
  });

  it('b sets a breakpoint from a prompt; a bad expression is refused where it is typed', async () => {
    const t = await mount();
    await t.press('b', '~', 't', ' ', 'e', 'c', 'h', 'o', 'x', KEY.backspace);
    await t.until((s) => s.includes('break on> ~t echo'), 'the typed expression');
    await t.press(KEY.enter);
    await t.until((s) => s.includes('breakpoint set: ~t echo'), 'the status');
    expect(t.link.sent).toEqual([{ cmd: 'break', expression: '~t echo' }]);
    t.link.emit({ type: 'breakpoints', breakpoints: [{ id: 1, expression: '~t echo', enabled: true, hits: 0 }] });
    await t.until((s) => s.includes('breakpoints: #1 ~t echo'), 'the header');
    await t.press('b', '~', 'q', ' ', 'x', KEY.enter);
    const screen = await t.until((s) => s.includes('column 1'), 'the syntax error');
    expect(screen).toMatch(/break on> ~q x/);
    expect(t.link.sent).toHaveLength(1);
  });

  it('B lists the breakpoints and the rules file: Space disables one, x removes one, X all', async () => {
    const t = await mount([
      hello({
        proxy: { id: 'a1b2c3', pid: 1, url: '', title: 'record server-everything', tape: 't', startedAt: T0, cwd: '/tmp', protocolVersion: 2, rulesFile: '/tmp/rules.yaml' },
        breakpoints: [
          { id: 1, expression: '~t echo', enabled: true, hits: 3 },
          { id: 2, expression: '~m ping', enabled: false, hits: 0 },
        ],
      }),
    ]);
    await t.until((s) => s.includes('#2 (off) ~m ping'), 'the header');
    await t.press('B');
    const screen = await t.until((s) => s.includes('Space disable/enable'), 'the list');
    expect(screen).toContain('rules file: /tmp/rules.yaml');
    expect(screen).toMatch(/#1 +on +held +3 +~t echo/);
    expect(screen).toMatch(/#2 +off +held +0 +~m ping/);
    await t.press(' ', 'j', ' ', 'x', 'X', KEY.escape);
    await t.until((s) => !s.includes('Space disable/enable'), 'closed');
    expect(t.link.sent).toEqual([
      { cmd: 'enable', breakpointId: 1, enabled: false },
      { cmd: 'enable', breakpointId: 2, enabled: true },
      { cmd: 'unbreak', breakpointId: 2 },
      { cmd: 'unbreak', breakpointId: 'all' },
    ]);
  });

  it(': runs commands, and says which there are when one is wrong', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'a'), frame(2)] })]);
    await t.press(':', 'disable 1', KEY.enter, ':', 'filter ~m tools/list', KEY.enter);
    await t.until((s) => s.includes('filter: ~m tools/list'), 'the filter command');
    await t.press(':', 'frobnicate', KEY.enter);
    await t.until((s) => s.includes('unknown command :frobnicate; known: :filter'), 'the error');
    expect(t.link.sent).toEqual([{ cmd: 'enable', breakpointId: 1, enabled: false }]);
  });

  it('w writes the selected exchange as JSON, W the listed ones, readable only by their owner', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'first'), answer(2, 1, { content: [{ type: 'text', text: 'Echo: first' }] }), echoCall(3, 'second')] })]);
    await t.until((s) => s.includes('"message": "second"'), 'the list');
    await t.press('k', 'w', KEY.clearLine, 'export one.json', KEY.enter);
    await t.until((s) => s.includes('wrote 1 item to'), 'the export');
    const one = JSON.parse(readFileSync(join(dir, 'one.json'), 'utf8')) as { items: { exchange: Record<string, unknown> }[] };
    expect(one.items).toHaveLength(1);
    expect(one.items[0]!.exchange).toMatchObject({ method: 'tools/call', name: 'echo', outcome: 'ok', request: { message: { params: { arguments: { message: 'first' } } } }, answer: { message: { result: { content: [{ text: 'Echo: first' }] } } } });
    expect(statSync(join(dir, 'one.json')).mode & 0o777).toBe(0o600);
    await t.press('W', KEY.clearLine, 'export-list all.json', KEY.enter);
    await t.until((s) => s.includes('wrote 2 items to'), 'the list export');
    expect(existsSync(join(dir, 'all.json'))).toBe(true);
  });

  it('r re-sends the selected request through the proxy; the new exchange is selected when it shows, marked', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'again'), answer(2, 1, { content: [] })] })]);
    t.link.answer = (command) => (command.cmd === 'send' ? { id: 'mcp-tap-1' } : {});
    await t.until((s) => s.includes('tools/call echo'), 'the call');
    await t.press('r');
    await t.until((s) => s.includes('re-sent tools/call echo as id "mcp-tap-1"'), 'the status');
    expect(t.link.sent).toEqual([{ cmd: 'send', sessionId: SESSION, text: echoCall(1, 'again').text }]);
    await t.press('g');
    t.link.emit(
      { type: 'frame', frame: { ...echoCall(3, 'again'), id: 'mcp-tap-1' as unknown as number, flags: ['resent'], text: echoCall(3, 'again').text.replace('"id":3', '"id":"mcp-tap-1"') } },
      { type: 'frame', frame: answer(4, 'mcp-tap-1' as unknown as number, { content: [{ type: 'text', text: 'Echo: again' }] }, { flags: ['resent'] }) },
    );
    const screen = await t.until((s) => s.includes('2/2') && s.includes('Echo: again'), 'the re-sent exchange selected');
    expect(squeezed(listRows(screen)[1])).toMatch(/"mcp-… ok · resent/);
  });

  it('R edits the request before it is re-sent; a server\'s request or a held one is not re-sent', async () => {
    const editor = editorScript('resend-edit', `const m = JSON.parse(fs.readFileSync(file, 'utf8')); m.params.arguments.message = 'changed first'; fs.writeFileSync(file, JSON.stringify(m, null, 2));`);
    const roots = frame(3, { direction: 's2c', method: 'roots/list', id: 0, text: '{"jsonrpc":"2.0","id":0,"method":"roots/list"}' });
    const t = await mount([hello({ frames: [echoCall(1, 'as recorded'), answer(2, 1, { content: [] }), roots] })], { editor });
    t.link.answer = (command) => (command.cmd === 'send' ? { id: 'mcp-tap-2' } : {});
    await t.until((s) => s.includes('roots/list'), 'the list');
    await t.press('r');
    await t.until((s) => s.includes('only a client\'s request can be re-sent'), 'the refusal');
    await t.press('k', 'R');
    await t.until((s) => s.includes('re-sent tools/call echo as id "mcp-tap-2"'), 'the edited copy sent');
    const sent = t.link.sent.find((c) => c.cmd === 'send') as Extract<ControlRequest, { cmd: 'send' }>;
    expect(JSON.parse(sent.text).params.arguments.message).toBe('changed first');
    t.link.emit({ type: 'paused', paused: held(1, 4, 'waiting') });
    await t.until((s) => s.includes('1 held'), 'a hold');
    await t.press('G', 'r');
    await t.until((s) => s.includes('this request is held and has not been sent yet'), 'the refusal');
    expect(t.link.sent.filter((c) => c.cmd === 'send')).toHaveLength(1);
  });

  it('c composes a tools/call from the tool\'s inputSchema, and sends what the person wrote', async () => {
    const tools = {
      tools: [
        { name: 'echo', description: 'Echoes back the input', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } },
        { name: 'get-sum', description: 'Adds two numbers', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] } },
      ],
    };
    const editor = editorScript('compose', `const m = JSON.parse(fs.readFileSync(file, 'utf8')); m.params.arguments.a = 2; m.params.arguments.b = 3; fs.writeFileSync(file, JSON.stringify(m));`);
    const t = await mount([hello({ frames: [frame(1), answer(2, 1, tools, { requestMethod: 'tools/list' })] })], { editor });
    t.link.answer = (command) => (command.cmd === 'send' ? { id: 'mcp-tap-7' } : {});
    await t.press('c');
    await t.until((s) => s.includes('call which tool?') && s.includes('Adds two numbers'), 'the tools to pick from');
    await t.press('j', KEY.enter);
    await t.until((s) => s.includes('sent tools/call get-sum as id "mcp-tap-7"'), 'the call sent');
    const sent = t.link.sent[0] as Extract<ControlRequest, { cmd: 'send' }>;
    expect(sent.sessionId).toBe(SESSION);
    expect(JSON.parse(sent.text)).toEqual({ jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'get-sum', arguments: { a: 2, b: 3 } } });
  });
});

describe('quitting', () => {
  it('q quits at once when nothing is held or armed: the link is closed, nothing is sent', async () => {
    const t = await mount();
    await t.press('q');
    await t.until(() => t.quits().length === 1, 'the quit');
    expect(t.quits()).toEqual([undefined]);
    expect(t.link.closed).toBe(true);
    expect(t.link.sent).toEqual([]);
  });

  it('asks the proxy what is held before quitting: the screen may be a redraw behind', async () => {
    const t = await mount([hello({ breakpoints: [{ id: 1, expression: '~t echo', enabled: false, hits: 0 }] })]);
    // Held at the proxy a moment ago: the proxy knows, the screen does not show it yet.
    (t.link as unknown as { held: PausedView[] }).held = [held(9, 5, 'just now')];
    expect(t.frame()).toContain('0 held');
    await t.press('q');
    await t.until((s) => s.includes('quit?') && s.includes('1 message is held'), 'the question');
    expect(t.quits()).toEqual([]);
  });

  it('q with a held message and an armed breakpoint asks; r releases them, says so, and quits', async () => {
    const t = await mount([hello({ paused: [held(1, 1, 'x')], breakpoints: [{ id: 1, expression: '~t echo', enabled: true, hits: 1 }] })]);
    t.link.answer = (command) => (command.cmd === 'resume' ? { resumed: 1 } : command.cmd === 'unbreak' ? { removed: 1 } : {});
    await t.press('q');
    const screen = await t.until((s) => s.includes('quit?'), 'the question');
    expect(screen).toContain('1 message is held and 1 breakpoint is armed');
    expect(t.quits()).toEqual([]);
    await t.press('r');
    await t.until(() => t.quits().length === 1, 'the quit');
    expect(t.link.sent).toEqual([
      { cmd: 'resume', pauseId: 'all' },
      { cmd: 'unbreak', breakpointId: 'all' },
    ]);
    expect(t.quits()[0]).toBe('resumed 1 held message and removed 1 breakpoint on a1b2c3 (record server-everything)');
  });

  it('k keeps them and says so; Esc stays; Ctrl-C twice releases', async () => {
    const t = await mount([hello({ paused: [held(1, 1, 'x')] })]);
    await t.press('q', KEY.escape);
    await t.until((s) => !s.includes('quit?'), 'back');
    await t.press('q', 'k');
    await t.until(() => t.quits().length === 1, 'the quit');
    expect(t.quits()[0]).toMatch(/^left 1 held message \(each goes on by itself when its timeout ends\) on a1b2c3/);
    expect(t.link.sent).toEqual([]);
    const again = await mount([hello({ paused: [held(1, 1, 'x')] })]);
    await again.press(KEY.ctrlC);
    await again.until((s) => s.includes('Ctrl-C again releases them'), 'the question');
    await again.press(KEY.ctrlC);
    await again.until(() => again.quits().length === 1, 'the quit');
    expect(again.link.sent).toEqual([{ cmd: 'resume', pauseId: 'all' }]);
  });
});

describe('a stored tape', () => {
  it('is browsed read-only: exchanges as for a proxy, times from the start, nothing to decide or send', async () => {
    const frames = [echoCall(1, 'taped'), answer(2, 1, { content: [{ type: 'text', text: 'Echo: taped' }] }, { latencyMs: 4 })].map((f, i) => ({ ...exchangeFrameOfView(f), time: 1000 * i + 250 }));
    const t = await mount([], { tape: { source: { name: 'everything', createdAt: '2026-01-02T10:20:30.000Z', upstream: 'node server.js', frames: 2, sessions: 1 }, frames } });
    const screen = await t.until((s) => s.includes('Echo: taped'), 'the tape');
    expect(screen).toContain('tape everything (read-only)');
    expect(listRows(screen)[0]).toMatch(/^│\+0\.250s +→ tools\/call echo/);
    await t.press('a');
    await t.until((s) => s.includes('read-only: "everything" is a stored tape'), 'the refusal');
    await t.press('r');
    await t.until((s) => s.includes('re-sending a request needs a running proxy'), 'the refusal');
    await t.press('q');
    expect(t.quits()).toEqual([undefined]);
  });
});

describe('the parts', () => {
  it('splits a chunk of keys into one press each, control characters as the keys they are', () => {
    const keys = splitKeys(`a\u007f\r\t\u001b\u0015b`, {} as Key);
    expect(keys.map(([input, key]) => [input, key.backspace, key.return, key.tab, key.escape, key.ctrl])).toEqual([
      ['a', false, false, false, false, false],
      ['', true, false, false, false, false],
      ['', false, true, false, false, false],
      ['', false, false, true, false, false],
      ['', false, false, false, true, false],
      ['u', false, false, false, false, true],
      ['b', false, false, false, false, false],
    ]);
  });

  it('fits and wraps by display width, never inside a grapheme, and makes text inert first', () => {
    expect(fit('日本語', 5)).toBe('日本…');
    expect(stringWidth(fit('日本語', 5))).toBe(5);
    expect(fit('👩‍👩‍👧‍👦 ok', 6)).toBe('👩‍👩‍👧‍👦 ok ');
    expect(fit('a\u001b[2Jb', 20)).toBe('a\\x1b[2Jb' + ' '.repeat(11));
    expect(wrapLines('  12345678', 6)).toEqual(['  1234', '  5678']);
    expect(inert('x\u202ey\u2066z\u0085')).toBe('x\\u202ey\\u2066z\\x85');
  });

  it('keeps a filter result per item until the item changes', () => {
    const log = new ExchangeLog();
    const view = new ListView();
    view.setFilter(compileFilter('~e'));
    log.add(exchangeFrameOfView(call(1, 'x')));
    expect(view.rows(log, 1, new Set())).toHaveLength(0);
    log.add(exchangeFrameOfView(failure(2, 1, -1, 'no')));
    expect(view.rows(log, 2, new Set())).toHaveLength(1);
  });

  it('moves the list window as little as possible to keep the selection in view', () => {
    expect(windowTop(0, 4, 5, 10)).toBe(0);
    expect(windowTop(0, 99, 100, 10)).toBe(90);
    expect(windowTop(90, 85, 100, 10)).toBe(85);
    expect(windowTop(85, 88, 100, 10)).toBe(85);
  });

  it('offers mock templates in the shape each method\'s result has', () => {
    expect(mockResultFor('tools/call', {}, { name: 't', outputSchema: { type: 'object', properties: { n: { type: 'integer' } } } })).toEqual({ content: [{ type: 'text', text: 'mocked answer' }], isError: false, structuredContent: { n: 0 } });
    expect(mockResultFor('resources/read', { uri: 'file:///a.txt' })).toEqual({ contents: [{ uri: 'file:///a.txt', mimeType: 'text/plain', text: 'mocked contents' }] });
    expect(mockResultFor('prompts/get', { name: 'p' })).toMatchObject({ messages: [{ role: 'user', content: { type: 'text' } }] });
    expect(mockResultFor('sampling/createMessage', {})).toMatchObject({ role: 'assistant', content: { type: 'text' }, model: expect.any(String), stopReason: 'endTurn' });
    expect(mockResultFor('elicitation/create', { requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' }, name: { type: 'string' } } } })).toEqual({ action: 'accept', content: { confirm: false, name: '' } });
    expect(mockResultFor('resources/list', {})).toEqual({ resources: [] });
    expect(mockResultFor('roots/list', {})).toEqual({ roots: [] });
    expect(mockResultFor('ping', {})).toEqual({});
  });

  it('builds a tools/call from an inputSchema, with the modern envelope when the conversation has one', () => {
    expect(skeletonOf({ type: 'object', required: ['b'], properties: { a: { type: 'string', enum: ['x', 'y'] }, b: { type: 'integer', minimum: 1 }, c: { type: 'array' }, d: { anyOf: [{ type: 'null' }, { type: 'boolean' }] } } })).toEqual({ b: 1, a: 'x', c: [], d: false });
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' };
    expect(composeToolCall({ name: 'weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } }, meta)).toEqual({ jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'weather', arguments: { city: '' }, _meta: meta } });
  });

  it('lays the help out without cutting a line: each key\'s text wraps within its column', () => {
    for (const width of [60, 96, 150]) {
      const [keys] = helpColumns(width);
      for (const line of keys) expect(stringWidth(line.key) + stringWidth(line.text)).toBeLessThanOrEqual(width);
    }
  });

  it('appends a mock rule to a rules file that has none yet', () => {
    const file = join(dir, 'empty-rules.yaml');
    writeFileSync(file, 'rules: []\n');
    appendMockRule(file, { match: '~k request & ~m "resources/read"', result: { contents: [] } });
    expect(parseYaml(readFileSync(file, 'utf8'))).toEqual({ rules: [{ match: '~k request & ~m "resources/read"', action: 'mock', result: { contents: [] } }] });
  });
});
