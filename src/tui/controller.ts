/**
 * What each key does: moves, modes and views go to the store, decisions and requests go to the
 * proxy through the ControlLink (none when the UI browses a stored tape: it is read-only). Kept
 * out of the components so the key map reads in one place.
 */
import type { Key } from 'ink';
import type { ControlLink, ControlRequest, PausedView } from '../control/protocol.js';
import { composeToolCall, mockResultFor, type ToolEntry } from '../control/templates.js';
import type { LogItem } from '../core/exchange.js';
import { isObject } from '../core/jsonrpc.js';
import { compileFilter, formatFilterError, FilterSyntaxError } from '../filter/index.js';
import { detailOf } from './detail.js';
import { editText, stopReading, type EditorRunner } from './editor.js';
import { checkJsonRpc, parseJson, sameJson } from '../control/edits.js';
import { clockTime, exchangeWhat, frameText, offsetTime, prettyJson } from './format.js';
import { isText, splitKeys } from './keys.js';
import { rowsOf, selectedRow, heldForDecision, type PromptPurpose, type TuiState, type TuiStore } from './state.js';
import { appendMockRule, rulesFileOf } from '../rules/save.js';
import { matchFor } from '../control/edits.js';
import { awaitTools, envelopeOf, toolsIn } from '../control/conversation.js';
import { exportName, writeExport } from './export.js';

export interface ControllerOptions {
  /** The proxy; absent when the UI browses a stored tape. */
  link?: ControlLink;
  store: TuiStore;
  editor: EditorRunner;
  /** Leaves the UI (the proxy keeps running); `summary` says what was done with held messages and breakpoints. */
  quit: (summary?: string) => void;
  /** The rules file `s` appends to, when the proxy's own description does not name one. */
  rulesFile?: string;
  /** Called when the editor has exited, before the UI draws again (to take the screen back). */
  afterEditor?: () => void;
  /** Where `:export` writes a relative file name (default: the current directory). */
  cwd?: string;
  /** The clock for countdowns (tests pin it). */
  now?: () => number;
}

/** The commands `:` takes, for the help overlay and the error on a wrong one. */
export const COMMANDS: [string, string][] = [
  [':filter EXPR', 'filter the list (:filter alone clears it)'],
  [':search TEXT', 'find TEXT in the messages (n next, N previous)'],
  [':break EXPR', 'add a breakpoint'],
  [':unbreak ID|all', 'remove a breakpoint'],
  [':disable ID, :enable ID', 'turn a breakpoint off or on'],
  [':resume ID|all, :drop ID', 'decide a held message by its #'],
  [':resend, :resend edit', 'send the selected request again'],
  [':compose [TOOL]', 'write a tools/call from the tool\'s inputSchema'],
  [':export [FILE]', 'write the selected exchange as JSON'],
  [':export-list [FILE]', 'write the listed (filtered) exchanges as JSON'],
  [':freeze, :clear, :raw, :diff', 'as F, z, v, d'],
  [':quit', 'as q'],
];

/** Waits this long for the server's tools/list when composing a call in a conversation that has not listed them. */
const TOOLS_WAIT_MS = 10_000;

export class Controller {
  /** Rows a page key moves; the list sets it from its height. */
  pageSize = 10;
  /** The detail pane's text width and height, set when it draws (the search needs its lines). */
  detailWidth = 60;
  detailHeight = 10;
  private pendingEditor: (() => Promise<void>) | undefined;
  /** Edits the proxy (or the check here) refused, by hold: the next `e` starts from them. */
  private readonly drafts = new Map<number, string>();
  private composing: { conversation: string; tools: ToolEntry[] } | undefined;

  constructor(private readonly options: ControllerOptions) {}

  private get store(): TuiStore {
    return this.options.store;
  }

  private get state(): TuiState {
    return this.store.getState();
  }

  now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private info(text: string): void {
    this.store.dispatch({ type: 'status', status: { text, tone: 'info' } });
  }

  private fail(text: string): void {
    this.store.dispatch({ type: 'status', status: { text, tone: 'error' } });
  }

  /** The proxy, or a word on why there is none (a stored tape is read-only). */
  private proxy(what: string): ControlLink | undefined {
    const state = this.state;
    if (state.source === 'tape' || !this.options.link) {
      this.fail(`read-only: ${state.tape ? `"${state.tape.name}" is a stored tape` : 'no proxy'}; ${what} needs a running proxy (mcp-tap attach)`);
      return undefined;
    }
    if (!state.connected) {
      this.fail(`the proxy is gone (${state.closedReason ?? 'disconnected'}); ${what} cannot be done`);
      return undefined;
    }
    return this.options.link;
  }

  /** Sends a command; reports a refusal on the status line and resolves to its data, or undefined when refused. */
  private async send(command: ControlRequest, done?: string): Promise<{ ok: true; data: unknown } | undefined> {
    const link = this.proxy(command.cmd);
    if (!link) return undefined;
    try {
      const data = await link.request(command);
      if (done) this.info(done);
      return { ok: true, data };
    } catch (error) {
      this.fail(`${command.cmd} refused: ${(error as Error).message}`);
      return undefined;
    }
  }

  handleKey = (input: string, key: Key): void => {
    for (const [one, oneKey] of splitKeys(input, key)) this.key(one, oneKey);
  };

  private key(input: string, key: Key): void {
    const mode = this.state.mode;
    switch (mode.kind) {
      case 'editor':
        return;
      case 'help':
        return this.helpKey(input, key, mode.top);
      case 'breakpoints':
        return this.breakpointsKey(input, key, mode.index);
      case 'pick':
        return this.pickKey(input, key, mode.index, mode.options.length);
      case 'confirm-quit':
        return this.confirmKey(input, key);
      case 'prompt':
        return this.promptKey(mode.purpose, mode.text, input, key);
      case 'normal':
        return this.normalKey(input, key);
    }
  }

  private normalKey(input: string, key: Key): void {
    const dispatch = this.store.dispatch;
    if (key.ctrl && input === 'c') return this.requestQuit(true);
    if (key.upArrow || input === 'k') return dispatch({ type: 'move', delta: -1 });
    if (key.downArrow || input === 'j') return dispatch({ type: 'move', delta: 1 });
    if (key.pageUp) return dispatch({ type: 'move', delta: -this.pageSize });
    if (key.pageDown) return dispatch({ type: 'move', delta: this.pageSize });
    if (key.home || input === 'g') return dispatch({ type: 'jump', to: 'start' });
    if (key.end || input === 'G') return dispatch({ type: 'jump', to: 'end' });
    if (key.tab) return dispatch({ type: 'cycle-focus' });
    if (key.return || input === ' ') return this.state.focus === 'list' ? dispatch({ type: 'toggle-expand' }) : undefined;
    if (key.escape) return this.state.status ? dispatch({ type: 'status', status: undefined }) : dispatch({ type: 'focus', focus: 'list' });
    if (key.ctrl || key.meta) return;
    switch (input) {
      case 'q':
        return this.requestQuit(false);
      case '?':
        return dispatch({ type: 'mode', mode: { kind: 'help', top: 0 } });
      case 'f':
        return this.prompt('filter', this.state.filter.expression);
      case '/':
        return this.prompt('search', '');
      case 'n':
      case 'N':
        return this.searchAgain(input === 'N');
      case ':':
        return this.prompt('command', '');
      case 'b':
        return this.prompt('break', '');
      case 'B':
        return dispatch({ type: 'mode', mode: { kind: 'breakpoints', index: 0 } });
      case 'F':
        return dispatch({ type: 'freeze' });
      case 'z':
        return dispatch({ type: 'clear' });
      case 'v':
        return dispatch({ type: 'detail', detail: { raw: !this.state.detail.raw } });
      case 'd':
        return dispatch({ type: 'detail', detail: { diff: !this.state.detail.diff } });
      case 'a':
        return this.decide((p) => this.send({ cmd: 'resume', pauseId: p.pauseId }, `#${p.pauseId} resumed`));
      case 'A':
        if (this.state.paused.length === 0) return this.fail('nothing is held');
        void this.send({ cmd: 'resume', pauseId: 'all' }, 'every held message resumed');
        return;
      case 'x':
        return this.decide((p) => this.send({ cmd: 'drop', pauseId: p.pauseId, reason: 'dropped in mcp-tap UI' }, `#${p.pauseId} dropped`));
      case 'e':
        return this.decide((p) => this.edit(p));
      case 'm':
        return this.decide((p) => this.mock(p));
      case 's':
        return this.saveRule();
      case 'r':
      case 'R':
        void this.resend(input === 'R');
        return;
      case 'c':
        void this.compose();
        return;
      case 'w':
        return this.prompt('command', `export ${this.defaultExportName(false)}`);
      case 'W':
        return this.prompt('command', `export-list ${this.defaultExportName(true)}`);
    }
  }

  private prompt(purpose: PromptPurpose, text: string): void {
    this.store.dispatch({ type: 'mode', mode: { kind: 'prompt', purpose, text } });
  }

  private helpKey(input: string, key: Key, top: number): void {
    const scroll = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : key.pageDown ? this.pageSize : key.pageUp ? -this.pageSize : 0;
    if (scroll !== 0) return this.store.dispatch({ type: 'mode', mode: { kind: 'help', top: Math.max(0, top + scroll) } });
    this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
  }

  private breakpointsKey(input: string, key: Key, index: number): void {
    const list = this.state.breakpoints;
    const selected = list[Math.min(index, list.length - 1)];
    const mode = (at: number) => this.store.dispatch({ type: 'mode', mode: { kind: 'breakpoints', index: Math.max(0, Math.min(list.length - 1, at)) } });
    if (key.escape || input === 'q' || input === 'B') return this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
    if (key.upArrow || input === 'k') return mode(index - 1);
    if (key.downArrow || input === 'j') return mode(index + 1);
    if (input === 'a' || input === 'b') return this.prompt('break', '');
    if (input === 'X') {
      void this.send({ cmd: 'unbreak', breakpointId: 'all' }, 'every breakpoint removed');
      return;
    }
    if (!selected) return;
    if (input === ' ' || key.return) {
      void this.send({ cmd: 'enable', breakpointId: selected.id, enabled: !selected.enabled }, `breakpoint ${selected.id} ${selected.enabled ? 'disabled' : 'enabled'}`);
      return;
    }
    if (input === 'x' || input === 'd' || key.delete || key.backspace) void this.send({ cmd: 'unbreak', breakpointId: selected.id }, `breakpoint ${selected.id} removed`);
  }

  private pickKey(input: string, key: Key, index: number, count: number): void {
    const mode = this.state.mode;
    if (mode.kind !== 'pick') return;
    if (key.escape || input === 'q') {
      this.composing = undefined;
      return this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
    }
    if (key.upArrow || input === 'k') return this.store.dispatch({ type: 'mode', mode: { ...mode, index: Math.max(0, index - 1) } });
    if (key.downArrow || input === 'j') return this.store.dispatch({ type: 'mode', mode: { ...mode, index: Math.min(count - 1, index + 1) } });
    if (key.return) {
      const composing = this.composing;
      this.composing = undefined;
      this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
      const tool = composing?.tools[index];
      if (composing && tool) void this.composeWith(composing.conversation, tool);
    }
  }

  private confirmKey(input: string, key: Key): void {
    if ((key.ctrl && input === 'c') || input === 'r' || input === 'y') {
      void this.releaseAndQuit();
      return;
    }
    if (input === 'k') return this.keepAndQuit();
    if (key.escape || input === 'n' || input === 'q') this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
  }

  private promptKey(purpose: PromptPurpose, text: string, input: string, key: Key): void {
    const dispatch = this.store.dispatch;
    if (key.escape) return dispatch({ type: 'mode', mode: { kind: 'normal' } });
    if (key.ctrl && input === 'c') return dispatch({ type: 'mode', mode: { kind: 'normal' } });
    if (key.return) return this.submit(purpose, text);
    if (key.backspace || key.delete) return dispatch({ type: 'prompt-text', text: Array.from(text).slice(0, -1).join('') });
    if (key.ctrl && input === 'u') return dispatch({ type: 'prompt-text', text: '' });
    // Only printable text is typed in: a control key that came with other keys is a key, not text.
    if (!isText(input, key)) return;
    dispatch({ type: 'prompt-text', text: text + input });
  }

  private submit(purpose: PromptPurpose, text: string): void {
    switch (purpose) {
      case 'filter':
        return this.submitFilter(text);
      case 'break':
        return this.submitBreakpoint(text);
      case 'search':
        this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
        if (text.trim() === '') return;
        return this.search(text, false);
      case 'command':
        this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
        return this.command(text);
    }
  }

  private submitFilter(text: string): void {
    this.store.dispatch({ type: 'filter', expression: text });
    // On a bad expression the prompt stays open, showing where it went wrong.
    const mode = this.state.mode;
    if (mode.kind === 'prompt' && mode.error === undefined) this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
  }

  private submitBreakpoint(text: string): void {
    const expression = text.trim();
    if (expression === '') return this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
    try {
      compileFilter(expression);
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      return this.store.dispatch({ type: 'prompt-error', error: formatFilterError(error) });
    }
    this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
    void this.send({ cmd: 'break', expression }, `breakpoint set: ${expression}`);
  }

  /** `/`: in the detail pane, the next line holding the text; elsewhere, the next exchange. */
  private search(text: string, backwards: boolean): void {
    if (this.state.focus !== 'detail') return this.store.dispatch({ type: 'search', text, from: 'list', backwards });
    const row = selectedRow(this.state);
    if (!row) return this.fail('nothing selected to search in');
    const content = detailOf(row.item, this.detailOptions());
    const needle = text.toLowerCase();
    const lines = content.lines;
    const top = Math.min(this.state.detail.top, Math.max(0, lines.length - 1));
    for (let step = 1; step <= lines.length; step++) {
      const at = (top + (backwards ? -step : step) + lines.length * 2) % lines.length;
      if (lines[at]!.text.toLowerCase().includes(needle)) {
        this.store.dispatch({ type: 'search', text, from: 'detail', line: at });
        return this.info(`"${text}" on line ${at + 1} of ${lines.length}`);
      }
    }
    this.store.dispatch({ type: 'search', text, from: 'detail' });
    this.fail(`"${text}" is not in this exchange`);
  }

  private searchAgain(backwards: boolean): void {
    const text = this.state.search;
    if (!text) return this.fail('no search yet (/ searches)');
    this.search(text, backwards);
  }

  detailOptions() {
    const state = this.state;
    return { width: this.detailWidth, raw: state.detail.raw, diff: state.detail.diff, log: state.log, paused: state.paused, timeOf: timeFormatter(state), now: this.now() };
  }

  /** `:` commands, for what has no key of its own and for scripts of keys. */
  private command(line: string): void {
    const [name = '', ...words] = line.trim().split(/\s+/);
    const rest = line.trim().slice(name.length).trim();
    const id = Number(words[0]);
    switch (name.replace(/^:/, '')) {
      case '':
        return;
      case 'q':
      case 'quit':
        return this.requestQuit(false);
      case 'help':
        return this.store.dispatch({ type: 'mode', mode: { kind: 'help', top: 0 } });
      case 'f':
      case 'filter':
        return this.store.dispatch({ type: 'filter', expression: rest });
      case 'search':
        if (rest === '') return this.fail(':search needs the text to find');
        return this.search(rest, false);
      case 'b':
      case 'break':
        return this.submitBreakpoint(rest);
      case 'unbreak':
        if (words[0] === 'all') return void this.send({ cmd: 'unbreak', breakpointId: 'all' }, 'every breakpoint removed');
        if (!Number.isInteger(id)) return this.fail(':unbreak takes a breakpoint number (see B) or all');
        return void this.send({ cmd: 'unbreak', breakpointId: id }, `breakpoint ${id} removed`);
      case 'enable':
      case 'disable':
        if (!Number.isInteger(id)) return this.fail(`:${name} takes a breakpoint number (see B)`);
        return void this.send({ cmd: 'enable', breakpointId: id, enabled: name === 'enable' }, `breakpoint ${id} ${name}d`);
      case 'resume':
        if (words[0] === 'all') return void this.send({ cmd: 'resume', pauseId: 'all' }, 'every held message resumed');
        if (!Number.isInteger(id)) return this.fail(':resume takes a held message\'s # or all');
        return void this.send({ cmd: 'resume', pauseId: id }, `#${id} resumed`);
      case 'drop':
        if (!Number.isInteger(id)) return this.fail(':drop takes a held message\'s #');
        return void this.send({ cmd: 'drop', pauseId: id, reason: 'dropped in mcp-tap UI' }, `#${id} dropped`);
      case 'resend':
        return void this.resend(words[0] === 'edit');
      case 'compose':
        return void this.compose(words[0]);
      case 'export':
        return this.exportItems(rest || this.defaultExportName(false), false);
      case 'export-list':
        return this.exportItems(rest || this.defaultExportName(true), true);
      case 'freeze':
        return this.store.dispatch({ type: 'freeze' });
      case 'clear':
        return this.store.dispatch({ type: 'clear' });
      case 'raw':
        return this.store.dispatch({ type: 'detail', detail: { raw: !this.state.detail.raw } });
      case 'diff':
        return this.store.dispatch({ type: 'detail', detail: { diff: !this.state.detail.diff } });
      default:
        return this.fail(`unknown command :${name}; known: ${COMMANDS.map(([c]) => c.split(' ')[0]).join(' ')}`);
    }
  }

  private defaultExportName(list: boolean): string {
    return exportName(this.state, list, selectedRow(this.state)?.item);
  }

  /** Writes the selected item, or every listed one, as JSON (readable only by you). */
  private exportItems(file: string, list: boolean): void {
    const state = this.state;
    const items: LogItem[] = list ? [...new Set(rowsOf(state).map((row) => row.item))] : [selectedRow(state)?.item].filter((i): i is LogItem => i !== undefined);
    if (items.length === 0) return this.fail(list ? 'nothing is listed to export' : 'nothing is selected to export');
    try {
      const path = writeExport(state, items, file, this.options.cwd ?? process.cwd(), list);
      this.info(`wrote ${items.length} ${items.length === 1 ? 'item' : 'items'} to ${path}`);
    } catch (error) {
      this.fail((error as Error).message);
    }
  }

  /** Runs `action` on the held message the keys act on, or says there is none. */
  private decide(action: (paused: PausedView) => Promise<unknown>): void {
    if (!this.proxy('deciding a held message')) return;
    const paused = heldForDecision(this.state);
    if (!paused) return this.fail(this.state.paused.length === 0 ? 'nothing is held' : `the selected exchange is not held, and ${this.state.paused.length} are: select one (Tab goes to the held list)`);
    void action(paused);
  }

  /**
   * Hands `text` to the editor once the UI has let go of the terminal: the App starts the editor
   * from an effect (see runPendingEditor), after Ink has left raw mode and stopped reading keys.
   */
  private withEditor(what: string, text: string, name: string): Promise<string> {
    return new Promise((resolveEdit, reject) => {
      this.pendingEditor = async () => {
        try {
          resolveEdit(await editText(text, this.options.editor, name));
        } catch (error) {
          reject(error as Error);
        } finally {
          this.options.afterEditor?.();
          this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
        }
      };
      this.store.dispatch({ type: 'mode', mode: { kind: 'editor', what } });
    });
  }

  /** Called by the App once it has let go of the terminal (`input`: the stream it read keys from). */
  runPendingEditor(input?: NodeJS.ReadableStream): void {
    const job = this.pendingEditor;
    this.pendingEditor = undefined;
    if (!job) return;
    const resumeReading = input ? stopReading(input) : () => {};
    void job().finally(resumeReading);
  }

  /**
   * Edits a held message's text: its timer is stopped while the editor is open (a person may take
   * their time), and started again with what it had left if the message is still held after.
   */
  private async editHeld(paused: PausedView, what: string, text: string, name: string): Promise<string | undefined> {
    await this.options.link?.request({ cmd: 'timer', pauseId: paused.pauseId, running: false }).catch(() => undefined);
    try {
      return await this.withEditor(what, text, name);
    } catch (error) {
      this.fail(`${(error as Error).message}; #${paused.pauseId} is still held`);
      return undefined;
    }
  }

  private restartTimer(paused: PausedView): void {
    // Refused when the hold has ended (the edit went through): nothing to start then.
    void this.options.link?.request({ cmd: 'timer', pauseId: paused.pauseId, running: true }).catch(() => undefined);
  }

  private async edit(paused: PausedView): Promise<void> {
    const start = this.drafts.get(paused.pauseId) ?? prettyJson(paused.text);
    const edited = await this.editHeld(paused, `#${paused.pauseId}`, start, `paused-${paused.pauseId}.json`);
    if (edited === undefined) return this.restartTimer(paused);
    const checked = checkJsonRpc(edited);
    if (!checked.ok) {
      this.drafts.set(paused.pauseId, edited);
      this.restartTimer(paused);
      return this.fail(`edit of #${paused.pauseId} refused, ${checked.error}; the message is still held (e reopens your text)`);
    }
    if (sameJson(checked.text, paused.text)) {
      this.drafts.delete(paused.pauseId);
      this.restartTimer(paused);
      return this.info(`#${paused.pauseId} unchanged; still held (a resumes it)`);
    }
    const sent = await this.send({ cmd: 'edit', pauseId: paused.pauseId, text: checked.text }, `#${paused.pauseId} sent edited`);
    if (!sent) {
      // The proxy refused it (a changed id, another kind): the text is kept for the next try.
      this.drafts.set(paused.pauseId, edited);
      this.restartTimer(paused);
      this.fail(`${this.state.status?.text ?? 'edit refused'}; e reopens your text`);
      return;
    }
    this.drafts.delete(paused.pauseId);
    const match = matchFor(paused);
    if (match && isObject(checked.value) && 'result' in checked.value) {
      this.store.dispatch({ type: 'answer-written', answer: { match, result: checked.value.result } });
    }
  }

  private async mock(paused: PausedView): Promise<void> {
    if (paused.kind !== 'request') return this.fail(`#${paused.pauseId} is a ${paused.kind}; only a request can be answered with a mock (e edits an answer)`);
    const message = parseJson(paused.text);
    const params = message.ok && isObject(message.value) ? message.value.params : undefined;
    const tool = paused.toolName ? toolsIn(this.state.log, paused.sessionId).find((t) => t.name === paused.toolName) : undefined;
    const start = this.drafts.get(paused.pauseId) ?? JSON.stringify(mockResultFor(paused.method, params, tool), null, 2);
    const written = await this.editHeld(paused, `a mock answer to #${paused.pauseId}`, start, `mock-${paused.pauseId}.json`);
    if (written === undefined) return this.restartTimer(paused);
    const checked = parseJson(written);
    if (!checked.ok) {
      this.drafts.set(paused.pauseId, written);
      this.restartTimer(paused);
      return this.fail(`mock for #${paused.pauseId} refused, ${checked.error}; the request is still held (m reopens your text)`);
    }
    const sent = await this.send({ cmd: 'mock', pauseId: paused.pauseId, text: checked.text }, `#${paused.pauseId} answered with the mock`);
    if (!sent) {
      this.drafts.set(paused.pauseId, written);
      this.restartTimer(paused);
      return;
    }
    this.drafts.delete(paused.pauseId);
    const match = matchFor(paused);
    if (!match) return;
    // A whole response was given: the rule keeps its result.
    const value = checked.value;
    const whole = isObject(value) && value.jsonrpc === '2.0' && 'result' in value;
    this.store.dispatch({ type: 'answer-written', answer: { match, result: whole ? value.result : value } });
  }

  private saveRule(): void {
    const state = this.state;
    if (state.source === 'tape') return void this.proxy('saving a mock rule');
    const answer = state.lastAnswer;
    if (!answer) return this.fail('no edited or mocked response to save yet (edit a held answer with e, or mock a held request with m)');
    const file = rulesFileOf(state.proxy, this.options.rulesFile);
    if (!file) return this.fail('no rules file to save to: this proxy does not name one; give mcp-tap attach --rules FILE (the file the proxy was started with)');
    try {
      appendMockRule(file, answer);
      this.info(`mock rule for "${answer.match}" added to ${file}`);
    } catch (error) {
      this.fail(`could not save the rule: ${(error as Error).message}`);
    }
  }

  /** `r`: the selected request, sent again through the proxy (`R`: edited first); its answer comes here. */
  private async resend(edit: boolean): Promise<void> {
    if (!this.proxy('re-sending a request')) return;
    const item = selectedRow(this.state)?.item;
    if (!item || item.type !== 'exchange') return this.fail('select an exchange to re-send (an event has no request)');
    const exchange = item.exchange;
    if (exchange.direction !== 'c2s') return this.fail('only a client\'s request can be re-sent (this one is the server\'s)');
    if (exchange.held?.part === 'request') return this.fail('this request is held and has not been sent yet: decide it first (a, e, x, m)');
    let text = frameText(exchange.request);
    if (edit) {
      let edited: string;
      try {
        edited = await this.withEditor(`a copy of ${exchangeWhat(exchange)} to send`, prettyJson(text), `resend-${item.seq}.json`);
      } catch (error) {
        return this.fail(`${(error as Error).message}; nothing was sent`);
      }
      const checked = checkJsonRpc(edited);
      if (!checked.ok) return this.fail(`not sent: ${checked.error}`);
      text = checked.text;
    }
    await this.sendRequest(exchange.conversation, text, `re-sent ${exchangeWhat(exchange)}`);
  }

  private async sendRequest(conversation: string, text: string, what: string): Promise<string | undefined> {
    const result = await this.send({ cmd: 'send', sessionId: conversation, text });
    if (!result || !isObject(result.data) || typeof result.data.id !== 'string') return undefined;
    const id = result.data.id;
    this.store.dispatch({ type: 'awaiting', awaiting: { conversation, id } });
    this.info(`${what} as id "${id}"; its answer comes here and to the tape, not to the client`);
    return id;
  }

  /** The conversation to compose in: the selected exchange's, else the newest one. */
  private conversationForCompose(): string | undefined {
    const item = selectedRow(this.state)?.item;
    if (item) return item.type === 'exchange' ? item.exchange.conversation : item.frame.conversation;
    return this.state.sessions.at(-1)?.id;
  }

  /** `c`: pick a tool of the conversation's server and write a call to it from its inputSchema. */
  private async compose(name?: string): Promise<void> {
    if (!this.proxy('composing a request')) return;
    const conversation = this.conversationForCompose();
    if (!conversation) return this.fail('no conversation to send in yet (a client has to connect first)');
    let tools = toolsIn(this.state.log, conversation);
    if (tools.length === 0) {
      const envelope = envelopeOf(this.state.log, conversation);
      const list = { jsonrpc: '2.0', id: 0, method: 'tools/list', params: envelope ? { _meta: envelope } : {} };
      const id = await this.sendRequest(conversation, JSON.stringify(list), 'asked the server for its tools (tools/list)');
      if (!id) return;
      tools = await awaitTools(() => this.state.log, conversation, id, TOOLS_WAIT_MS);
      if (tools.length === 0) return this.fail('the server listed no tools (or did not answer tools/list in 10 s)');
    }
    if (name !== undefined) {
      const tool = tools.find((t) => t.name === name);
      if (!tool) return this.fail(`no tool "${name}" in this conversation; it has: ${tools.map((t) => t.name).join(', ')}`);
      return this.composeWith(conversation, tool);
    }
    this.composing = { conversation, tools };
    this.store.dispatch({
      type: 'mode',
      mode: { kind: 'pick', purpose: 'compose', title: `call which tool? (conversation ${conversation})`, index: 0, options: tools.map((t) => ({ label: t.name, detail: t.description })) },
    });
  }

  private async composeWith(conversation: string, tool: ToolEntry): Promise<void> {
    const request = composeToolCall(tool, envelopeOf(this.state.log, conversation));
    let written: string;
    try {
      written = await this.withEditor(`a call to ${tool.name}`, JSON.stringify(request, null, 2), `call-${tool.name.replace(/[^\w.-]/g, '_')}.json`);
    } catch (error) {
      return this.fail(`${(error as Error).message}; nothing was sent`);
    }
    const checked = checkJsonRpc(written);
    if (!checked.ok) return this.fail(`not sent: ${checked.error}`);
    await this.sendRequest(conversation, checked.text, `sent tools/call ${tool.name}`);
  }

  /**
   * `q` or Ctrl-C: with messages held or breakpoints armed, ask first (a second Ctrl-C releases
   * them). What is held is asked of the proxy: the list on screen may be a redraw behind.
   */
  private requestQuit(interrupt: boolean): void {
    const state = this.state;
    const link = this.options.link;
    if (state.source !== 'live' || !state.connected || !link) return this.options.quit();
    void (async () => {
      let held = state.paused.length;
      let armed = state.breakpoints.filter((b) => b.enabled).length;
      try {
        const listed = (await link.request({ cmd: 'list' })) as { paused: unknown[]; breakpoints: { enabled: boolean }[] };
        held = listed.paused.length;
        armed = listed.breakpoints.filter((b) => b.enabled).length;
      } catch {
        // The proxy did not answer: what the screen says is the best there is.
      }
      if (held + armed === 0) return this.options.quit();
      this.store.dispatch({ type: 'mode', mode: { kind: 'confirm-quit', held, armed } });
      if (interrupt) this.info('Ctrl-C again releases them and quits');
    })();
  }

  private where(): string {
    const proxy = this.state.proxy;
    return proxy ? `${proxy.id} (${proxy.title})` : 'the proxy';
  }

  private async releaseAndQuit(): Promise<void> {
    const mode = this.state.mode;
    const [held, armed] = mode.kind === 'confirm-quit' ? [mode.held, mode.armed] : [this.state.paused.length, this.state.breakpoints.length];
    const done: string[] = [];
    if (held > 0) {
      const result = await this.send({ cmd: 'resume', pauseId: 'all' });
      const resumed = isObject(result?.data) ? Number(result.data.resumed) : held;
      done.push(`resumed ${resumed} held message${resumed === 1 ? '' : 's'}`);
    }
    if (armed > 0 || this.state.breakpoints.length > 0) {
      const result = await this.send({ cmd: 'unbreak', breakpointId: 'all' });
      const removed = isObject(result?.data) ? Number(result.data.removed) : armed;
      done.push(`removed ${removed} breakpoint${removed === 1 ? '' : 's'}`);
    }
    this.options.quit(`${done.join(' and ')} on ${this.where()}`);
  }

  private keepAndQuit(): void {
    const mode = this.state.mode;
    const [held, armed] = mode.kind === 'confirm-quit' ? [mode.held, mode.armed] : [this.state.paused.length, 0];
    const kept: string[] = [];
    if (held > 0) kept.push(`${held} held message${held === 1 ? '' : 's'} (each goes on by itself when its timeout ends)`);
    if (armed > 0) kept.push(`${armed} armed breakpoint${armed === 1 ? '' : 's'}`);
    this.options.quit(`left ${kept.join(' and ')} on ${this.where()}; mcp-tap attach ${this.state.proxy?.id ?? ''} takes them up again`.trimEnd());
  }
}

/** How times read: a clock for a live proxy, an offset from the start for a tape. */
export function timeFormatter(state: Pick<TuiState, 'source'>): (ms: number) => string {
  return state.source === 'tape' ? offsetTime : clockTime;
}
