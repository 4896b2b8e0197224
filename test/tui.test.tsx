/**
 * The terminal UI, key by key, against an in-memory ControlLink: what it draws for the proxy's
 * messages, and which commands each key sends. $EDITOR is a real script that rewrites the file.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { render, cleanup } from 'ink-testing-library';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ControlLink, ControlRequest, FrameView, PausedView, ServerMessage } from '../src/control/protocol.js';
import { buildTui, type TuiParts } from '../src/tui/run.js';
import { spawnEditor } from '../src/tui/editor.js';
import { FrameLog } from '../src/tui/frame-log.js';
import { windowTop } from '../src/tui/components/MessageList.js';
import { appendMockRule } from '../src/tui/save-rule.js';
import { compileFilter } from '../src/filter/index.js';
import { tempDir } from './support/paths.js';

/** A ControlLink held in memory: the test plays the proxy. */
class FakeLink implements ControlLink {
  onmessage?: (message: ServerMessage) => void;
  onclose?: (reason: string) => void;
  readonly sent: ControlRequest[] = [];
  closed = false;
  /** What the proxy answers; an Error is a refusal. */
  answer: (command: ControlRequest) => unknown = () => ({});

  request(command: ControlRequest): Promise<unknown> {
    this.sent.push(command);
    const answer = this.answer(command);
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  }

  close(): void {
    this.closed = true;
  }

  emit(...messages: ServerMessage[]): void {
    for (const message of messages) this.onmessage?.(message);
  }
}

const T0 = new Date(2026, 0, 2, 10, 20, 30, 0).getTime();

function frame(seq: number, over: Partial<FrameView> = {}): FrameView {
  return {
    seq,
    time: T0 + seq,
    sessionId: 'stdio-1',
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

function echoCall(seq: number, message: string): FrameView {
  return frame(seq, {
    method: 'tools/call',
    toolName: 'echo',
    text: JSON.stringify({ jsonrpc: '2.0', id: seq, method: 'tools/call', params: { name: 'echo', arguments: { message } } }),
  });
}

function pausedEcho(pauseId: number, message: string, id = 40 + pauseId): PausedView {
  return {
    pauseId,
    sessionId: 'stdio-1',
    direction: 'c2s',
    kind: 'request',
    method: 'tools/call',
    toolName: 'echo',
    id,
    text: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { message } } }),
    reason: 'breakpoint ~t echo',
    pausedAt: Date.now(),
    deadline: Date.now() + 300_000,
  };
}

function hello(over: Partial<Extract<ServerMessage, { type: 'hello' }>> = {}): ServerMessage {
  return {
    type: 'hello',
    protocolVersion: 1,
    proxy: { id: 'a1b2c3', pid: 1, url: 'ws://127.0.0.1:1/control', title: 'record server-everything', tape: 'everything-7', startedAt: T0, cwd: '/tmp', protocolVersion: 1 },
    breakpoints: [],
    paused: [],
    sessions: [{ id: 'stdio-1', transport: 'stdio', createdAt: T0, lastActiveAt: T0 }],
    frames: [],
    ...over,
  };
}

const KEY = { up: '\u001B[A', down: '\u001B[B', tab: '\t', enter: '\r', escape: '\u001B', backspace: '\u007F', clearLine: '\u0015' };

interface Mounted {
  link: FakeLink;
  tui: TuiParts;
  frame: () => string;
  press: (...keys: string[]) => Promise<void>;
  until: (check: (frame: string) => boolean, what: string) => Promise<string>;
  quits: () => number;
}

/** Editor scripts and rules files for this run. */
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

async function mount(messages: ServerMessage[] = [hello()], options: { editor?: string; rulesFile?: string } = {}): Promise<Mounted & { resize: (columns: number, rows: number) => void }> {
  const link = new FakeLink();
  let quits = 0;
  const env = { ...process.env, EDITOR: options.editor ?? 'false', VISUAL: '' };
  const tui = buildTui({ link, editor: spawnEditor('ignore', env), rulesFile: options.rulesFile, onQuit: () => quits++ });
  const app = render(tui.element);
  resize(app.stdout, 160, 40);
  link.emit(...messages);
  const current = () => app.lastFrame() ?? '';
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
  await until((text) => text.includes('record server-everything'), 'the hello');
  return { link, tui, frame: current, press, until, quits: () => quits, resize: (columns, rows) => resize(app.stdout, columns, rows) };
}

afterEach(() => {
  cleanup();
});

describe('drawing what the proxy says', () => {
  it('shows the proxy, its tape, sessions, frames with time, direction, method, id, latency and status', async () => {
    const answer = frame(2, {
      direction: 's2c',
      kind: 'response',
      method: undefined,
      requestMethod: 'tools/call',
      toolName: 'echo',
      id: 1,
      latencyMs: 12.4,
      text: '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"Echo: hi"}]}}',
    });
    const failed = frame(3, { direction: 's2c', kind: 'error', method: undefined, requestMethod: 'tools/list', id: 2, text: '{"jsonrpc":"2.0","id":2,"error":{"code":-1,"message":"nope"}}' });
    const t = await mount([hello({ frames: [echoCall(1, 'hi'), answer, failed] })]);
    const screen = await t.until((s) => s.includes('tools/list'), 'the error row');
    expect(screen).toContain('tape everything-7');
    expect(screen).toContain('sessions 1');
    expect(screen).toContain('0 paused');
    expect(screen).toMatch(/10:20:30\.001 → tools\/call echo\s+1 /);
    expect(screen).toMatch(/10:20:30\.002 ← ↳ tools\/call echo\s+1\s+12ms\s+continue/);
    expect(screen).toMatch(/← ↳ tools\/list\s+2 .*error/);
    // The newest frame is selected, and the detail pane shows it pretty.
    expect(screen).toContain('"message": "nope"');
  });

  it('shows a frame an interceptor changed both as sent and as it arrived', async () => {
    const changed = echoCall(1, 'after');
    changed.action = 'pause>modify';
    changed.original = echoCall(1, 'before').text;
    const t = await mount([hello({ frames: [changed] })]);
    const screen = await t.until((s) => s.includes('as it arrived'), 'both versions');
    expect(screen).toContain('sent on (edited)');
    expect(screen).toContain('"message": "after"');
    expect(screen).toContain('"message": "before"');
  });

  it('counts paused messages in the header and lists them in the queue', async () => {
    const t = await mount([hello({ paused: [pausedEcho(1, 'one'), pausedEcho(2, 'two')] })]);
    const screen = await t.until((s) => s.includes('2 paused'), 'the paused count');
    expect(screen).toContain('paused: 2 waiting');
    expect(screen).toMatch(/#1 → tools\/call echo/);
    expect(screen).toMatch(/#2 → tools\/call echo/);
    t.link.emit({ type: 'paused', paused: pausedEcho(3, 'three') });
    await t.until((s) => s.includes('3 paused'), 'a third paused message');
    t.link.emit({ type: 'resumed', pauseId: 1, outcome: 'continue', timedOut: false });
    await t.until((s) => s.includes('2 paused') && !s.includes('#1 →'), 'the resumed one gone');
  });

  it('stays bounded to the window with thousands of frames, keeping the newest 5000', async () => {
    const t = await mount();
    const frames = Array.from({ length: 6000 }, (_, i) => echoCall(i + 1, `n${i + 1}`));
    t.link.emit(...frames.map((f): ServerMessage => ({ type: 'frame', frame: f })));
    const screen = await t.until((s) => s.includes('frames 5000'), 'the frames counted');
    // The list follows the newest frame; only the rows that fit are drawn.
    expect(screen).toContain('"message": "n6000"');
    expect(screen).toContain('5000/5000');
    expect(screen.split("\n").length).toBeLessThanOrEqual(40);
    expect(screen).not.toMatch(/n1000\b/);
    expect(t.tui.store.getState().log.total).toBe(5000);
    // Moving up from the bottom scrolls one row at a time.
    await t.press('k');
    await t.until((s) => s.includes('4999/5000') && s.includes('"message": "n5999"'), 'one up');
  });
});

describe('resizing', () => {
  it('redraws to the new size: side by side when wide, stacked when narrow', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'sized')] })]);
    const wide = await t.until((s) => s.includes('"message": "sized"'), 'the first drawing');
    // The detail pane's title line names the selected frame.
    const row = (text: string) => text.split('\n').findIndex((line) => line.includes('#1 → request tools/call echo'));
    const listRow = (text: string) => text.split('\n').findIndex((line) => line.includes('→ tools/call echo'));
    // Wide: the detail sits beside the list, on the same lines.
    expect(Math.abs(row(wide) - listRow(wide))).toBeLessThan(10);
    expect(Math.max(...wide.split('\n').map((line) => line.length))).toBeLessThanOrEqual(160);
    t.resize(90, 28);
    const narrow = await t.until((s) => Math.max(...s.split('\n').map((line) => line.length)) <= 90, 'the narrow drawing');
    expect(narrow.split('\n').length).toBeLessThanOrEqual(28);
    expect(row(narrow)).toBeGreaterThan(listRow(narrow) + 5);
  });
});

describe('keys', () => {
  it('j/k and the arrows move the selection, and the detail follows', async () => {
    const t = await mount([hello({ frames: [echoCall(1, 'first'), echoCall(2, 'second'), echoCall(3, 'third')] })]);
    await t.until((s) => s.includes('"message": "third"'), 'the newest selected');
    await t.press('k');
    await t.until((s) => s.includes('"message": "second"') && s.includes('2/3'), 'k');
    await t.press(KEY.up);
    await t.until((s) => s.includes('"message": "first"') && s.includes('1/3'), 'up arrow');
    await t.press('j', KEY.down);
    await t.until((s) => s.includes('"message": "third"') && s.includes('3/3'), 'j and down arrow');
  });

  it('Tab switches to the paused queue: moves pick a paused message and the detail shows it', async () => {
    const t = await mount([hello({ frames: [frame(1)], paused: [pausedEcho(1, 'held one'), pausedEcho(2, 'held two')] })]);
    await t.press(KEY.tab);
    await t.until((s) => s.includes('paused #1') && s.includes('"message": "held one"'), 'the first paused message in the detail');
    await t.press('j');
    await t.until((s) => s.includes('paused #2') && s.includes('"message": "held two"'), 'the second');
    await t.press(KEY.tab);
    await t.until((s) => s.includes('#1 → request tools/list'), 'back on the list');
  });

  it('a resumes the selected paused message', async () => {
    const t = await mount([hello({ paused: [pausedEcho(1, 'x'), pausedEcho(2, 'y')] })]);
    await t.press(KEY.tab, 'j', 'a');
    await t.until((s) => s.includes('#2 resumed'), 'the status');
    expect(t.link.sent).toEqual([{ cmd: 'resume', pauseId: 2 }]);
  });

  it('A resumes every paused message', async () => {
    const t = await mount([hello({ paused: [pausedEcho(1, 'x'), pausedEcho(2, 'y')] })]);
    await t.press('A');
    await t.until((s) => s.includes('all paused messages resumed'), 'the status');
    expect(t.link.sent).toEqual([{ cmd: 'resume', pauseId: 'all' }]);
  });

  it('x drops the selected paused message; a refusal is shown', async () => {
    const t = await mount([hello({ paused: [pausedEcho(7, 'x')] })]);
    await t.press('x');
    await t.until((s) => s.includes('#7 dropped'), 'the status');
    expect(t.link.sent).toEqual([{ cmd: 'drop', pauseId: 7, reason: 'dropped in mcp-tap UI' }]);
    t.link.answer = () => new Error('no paused message #7');
    await t.press('x');
    await t.until((s) => s.includes('drop refused: no paused message #7'), 'the refusal');
  });

  it('a, x, e with nothing paused say so and send nothing', async () => {
    const t = await mount();
    await t.press('a');
    await t.until((s) => s.includes('nothing is paused'), 'the status');
    await t.press('x', 'e', 'A');
    expect(t.link.sent).toEqual([]);
  });

  it('e edits the paused message in $EDITOR and sends the edited message', async () => {
    const editor = editorScript(
      'edit-ok',
      `const m = JSON.parse(fs.readFileSync(file, 'utf8')); m.params.arguments.message = 'edited by a person'; fs.writeFileSync(file, JSON.stringify(m, null, 2));`,
    );
    const t = await mount([hello({ paused: [pausedEcho(3, 'original')] })], { editor });
    await t.press('e');
    await t.until((s) => s.includes('#3 sent edited'), 'the edit sent');
    expect(t.link.sent).toHaveLength(1);
    const sent = t.link.sent[0] as Extract<ControlRequest, { cmd: 'edit' }>;
    expect(sent.cmd).toBe('edit');
    expect(sent.pauseId).toBe(3);
    expect(JSON.parse(sent.text)).toEqual({ jsonrpc: '2.0', id: 43, method: 'tools/call', params: { name: 'echo', arguments: { message: 'edited by a person' } } });
  });

  it('e with an editor leaving invalid JSON shows the error and keeps the message held', async () => {
    const editor = editorScript('edit-bad', `fs.writeFileSync(file, '{"jsonrpc": "2.0", "id": 43, "method": ');`);
    const t = await mount([hello({ paused: [pausedEcho(3, 'original')] })], { editor });
    await t.press('e');
    const screen = await t.until((s) => s.includes('rejected'), 'the error');
    expect(screen).toContain('not JSON');
    expect(screen).toContain('still held');
    expect(screen).toContain('1 paused');
    expect(t.link.sent).toEqual([]);
  });

  it('e with JSON that is not JSON-RPC says why and sends nothing', async () => {
    const editor = editorScript('edit-not-rpc', `fs.writeFileSync(file, JSON.stringify({ id: 43, method: 'tools/call' }));`);
    const t = await mount([hello({ paused: [pausedEcho(3, 'original')] })], { editor });
    await t.press('e');
    await t.until((s) => s.includes('not a JSON-RPC message') && s.includes('"jsonrpc" must be "2.0"'), 'the error');
    expect(t.link.sent).toEqual([]);
  });

  it('b sets a breakpoint from a prompt; a bad expression is refused where it is typed', async () => {
    const t = await mount();
    await t.press('b');
    await t.until((s) => s.includes('break on>'), 'the prompt');
    await t.press('~', 't', ' ', 'e', 'c', 'h', 'o', 'x', KEY.backspace);
    await t.until((s) => s.includes('break on> ~t echo'), 'the typed expression');
    await t.press(KEY.enter);
    await t.until((s) => s.includes('breakpoint set: ~t echo'), 'the status');
    expect(t.link.sent).toEqual([{ cmd: 'break', expression: '~t echo' }]);
    // The proxy announces its breakpoints; the header lists them.
    t.link.emit({ type: 'breakpoints', breakpoints: [{ id: 1, expression: '~t echo' }] });
    await t.until((s) => s.includes('breakpoints: ~t echo'), 'the header');
    await t.press('b', '~', 'q', ' ', 'x', KEY.enter);
    const screen = await t.until((s) => s.includes('column 1'), 'the syntax error');
    expect(screen).toMatch(/break on> ~q x/);
    expect(t.link.sent).toHaveLength(1);
  });

  it('B clears every breakpoint', async () => {
    const t = await mount([hello({ breakpoints: [{ id: 1, expression: '~t echo' }] })]);
    await t.until((s) => s.includes('breakpoints: ~t echo'), 'the header');
    await t.press('B');
    await t.until((s) => s.includes('breakpoints cleared'), 'the status');
    expect(t.link.sent).toEqual([{ cmd: 'unbreak', breakpointId: 'all' }]);
  });

  it('/ filters the list; a bad expression shows the column error and leaves the list as it was', async () => {
    const frames = [echoCall(1, 'a'), frame(2), echoCall(3, 'b'), frame(4, { kind: 'notification', method: 'notifications/progress', id: undefined })];
    const t = await mount([hello({ frames })]);
    await t.until((s) => s.includes('notifications/progress'), 'every frame');
    // Typed fast, the keys arrive in one chunk.
    await t.press('/~t echo', KEY.enter);
    let screen = await t.until((s) => s.includes('filter: ~t echo'), 'the filter applied');
    expect(screen).not.toContain('notifications/progress');
    expect(screen).toContain('frames 2/4');
    expect(screen.match(/→ tools\/call echo/g)).toHaveLength(2);
    // A new frame goes through the same filter as it arrives.
    t.link.emit({ type: 'frame', frame: frame(5) }, { type: 'frame', frame: echoCall(6, 'c') });
    await t.until((s) => s.includes('frames 3/6'), 'new frames filtered');
    // A mistake: the caret points at the column, the list stays filtered as before.
    await t.press('/', KEY.backspace, KEY.backspace, KEY.backspace, KEY.backspace, '(', KEY.enter);
    screen = await t.until((s) => s.includes('column'), 'the error');
    expect(screen).toMatch(/\^/);
    expect(screen).toContain('frames 3/6');
    expect(screen).toContain('filter> ~t (');
    await t.press(KEY.escape, '/', KEY.clearLine, KEY.enter);
    screen = await t.until((s) => s.includes('filter cleared'), 'no filter');
    expect(screen).toContain('frames 6');
    expect(screen).toContain('notifications/progress');
  });

  it('? shows the keys; any key closes the help', async () => {
    const t = await mount([hello({ frames: [frame(1)] })]);
    await t.press('?');
    let screen = await t.until((s) => s.includes('keys (any key closes)'), 'the help');
    for (const key of ['resume the selected paused message', 'resume all paused messages', 'edit the selected paused message', '~t GLOB']) expect(screen).toContain(key);
    await t.press(' ');
    screen = await t.until((s) => !s.includes('keys (any key closes)'), 'the help closed');
    expect(screen).toContain('tools/list');
    expect(t.link.sent).toEqual([]);
  });

  it('q quits the UI only: the link is closed, nothing is sent to the proxy', async () => {
    const t = await mount([hello({ paused: [pausedEcho(1, 'x')] })]);
    await t.press('q');
    expect(t.quits()).toBe(1);
    expect(t.link.closed).toBe(true);
    expect(t.link.sent).toEqual([]);
  });

  it('m answers a paused request with a mock written in $EDITOR, and s saves it as a mock rule', async () => {
    const editor = editorScript(
      'mock',
      `const template = JSON.parse(fs.readFileSync(file, 'utf8')); template.content[0].text = 'mocked by a person'; fs.writeFileSync(file, JSON.stringify(template));`,
    );
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, '# rules for the demo\nrules:\n  - match: "~t get-sum"\n    action: block\n    reason: no sums\n');
    const t = await mount([hello({ paused: [pausedEcho(4, 'question')] })], { editor, rulesFile });
    await t.press('m');
    await t.until((s) => s.includes('#4 answered with the mock'), 'the mock sent');
    expect(t.link.sent).toHaveLength(1);
    const sent = t.link.sent[0] as Extract<ControlRequest, { cmd: 'mock' }>;
    expect(sent).toMatchObject({ cmd: 'mock', pauseId: 4 });
    expect(JSON.parse(sent.text)).toEqual({ content: [{ type: 'text', text: 'mocked by a person' }] });
    await t.press('s');
    await t.until((s) => s.includes('mock rule for "~k request & ~t echo" added'), 'the rule saved');
    const saved = readFileSync(rulesFile, 'utf8');
    expect(saved).toContain('# rules for the demo');
    expect(parseYaml(saved)).toEqual({
      rules: [
        { match: '~t get-sum', action: 'block', reason: 'no sums' },
        { match: '~k request & ~t echo', action: 'mock', result: { content: [{ type: 'text', text: 'mocked by a person' }] } },
      ],
    });
  });

  it('s without a written answer, or without a rules file, says what is missing', async () => {
    const editor = editorScript('mock-plain', `fs.writeFileSync(file, '{"content":[]}');`);
    const t = await mount([hello({ paused: [pausedEcho(4, 'question')] })], { editor });
    await t.press('s');
    await t.until((s) => s.includes('no edited or mocked response to save yet'), 'nothing to save');
    await t.press('m');
    await t.until((s) => s.includes('answered with the mock'), 'the mock sent');
    await t.press('s');
    await t.until((s) => s.includes('no rules file to save to'), 'no rules file');
  });

  it('m refuses a paused answer (only requests get mocked)', async () => {
    const answer: PausedView = { ...pausedEcho(5, 'x'), direction: 's2c', kind: 'response', text: '{"jsonrpc":"2.0","id":45,"result":{}}' };
    const t = await mount([hello({ paused: [answer] })]);
    await t.press('m');
    await t.until((s) => s.includes('only a request can be answered with a mock'), 'the refusal');
    expect(t.link.sent).toEqual([]);
  });
});

describe('the state model', () => {
  it('keeps the filtered view in step as the ring drops old frames', () => {
    const log = new FrameLog(4);
    log.setFilter(compileFilter('~t echo'));
    for (let seq = 1; seq <= 10; seq++) log.push(seq % 2 === 0 ? echoCall(seq, 'e') : frame(seq));
    expect(log.total).toBe(4);
    expect(log.visibleSlice(0, 10).map((f) => f.seq)).toEqual([8, 10]);
    expect(log.indexOfSeq(10)).toBe(1);
    expect(log.indexOfSeq(4)).toBe(-1);
    log.setFilter(undefined);
    expect(log.visibleSlice(0, 10).map((f) => f.seq)).toEqual([7, 8, 9, 10]);
  });

  it('moves the list window as little as possible to keep the selection in view', () => {
    expect(windowTop(0, 4, 5, 10)).toBe(0);
    expect(windowTop(0, 99, 100, 10)).toBe(90);
    expect(windowTop(90, 85, 100, 10)).toBe(85);
    expect(windowTop(85, 88, 100, 10)).toBe(85);
  });

  it('appends a mock rule to a rules file that has none yet', () => {
    const file = join(dir, 'empty-rules.yaml');
    writeFileSync(file, 'rules: []\n');
    appendMockRule(file, { match: '~k request & ~m "resources/read"', result: { contents: [] } });
    expect(parseYaml(readFileSync(file, 'utf8'))).toEqual({ rules: [{ match: '~k request & ~m "resources/read"', action: 'mock', result: { contents: [] } }] });
  });
});
