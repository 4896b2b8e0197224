/**
 * What each key does: moves and modes go to the store, decisions go to the proxy through the
 * ControlLink. Kept out of the components so the key map reads in one place.
 */
import type { Key } from 'ink';
import type { ControlLink, ControlRequest, PausedView } from '../control/protocol.js';
import { compileFilter, formatFilterError, FilterSyntaxError } from '../filter/index.js';
import { isObject } from '../core/jsonrpc.js';
import { checkJsonRpc, editText, parseJson, sameJson, stopReading, type EditorRunner } from './editor.js';
import { prettyJson } from './format.js';
import { appendMockRule, matchFor, rulesFileOf } from './save-rule.js';
import { selectedPaused, type TuiStore } from './state.js';

export interface ControllerOptions {
  link: ControlLink;
  store: TuiStore;
  editor: EditorRunner;
  /** Leaves the UI (the proxy keeps running). */
  quit: () => void;
  /** The rules file `s` appends to, when the proxy's own description does not name one. */
  rulesFile?: string;
  /** Called when the editor has exited, before the UI draws again (to take the screen back). */
  afterEditor?: () => void;
}

/** A result template for `m`: what a tools/call answer looks like, or an empty result. */
export function mockTemplate(paused: PausedView): string {
  const result = paused.method === 'tools/call' ? { content: [{ type: 'text', text: 'mocked answer' }] } : {};
  return JSON.stringify(result, null, 2);
}

export class Controller {
  /** Rows a page key moves; the list sets it from its height. */
  pageSize = 10;
  private pendingEditor: (() => Promise<void>) | undefined;

  constructor(private readonly options: ControllerOptions) {}

  private get store(): TuiStore {
    return this.options.store;
  }

  private info(text: string): void {
    this.store.dispatch({ type: 'status', status: { text, tone: 'info' } });
  }

  private fail(text: string): void {
    this.store.dispatch({ type: 'status', status: { text, tone: 'error' } });
  }

  /** Sends a command; reports a refusal on the status line and resolves to whether it went through. */
  private async send(command: ControlRequest, done: string): Promise<boolean> {
    try {
      await this.options.link.request(command);
      this.info(done);
      return true;
    } catch (error) {
      this.fail(`${command.cmd} refused: ${(error as Error).message}`);
      return false;
    }
  }

  handleKey = (input: string, key: Key): void => {
    // Keys typed fast (or pasted) arrive together: "/~t echo" must open the prompt and fill it.
    if (Array.from(input).length > 1 && !key.ctrl && !key.meta) {
      const plain = Object.fromEntries(Object.keys(key).map((name) => [name, false])) as unknown as Key;
      for (const char of input) this.handleKey(char, char === '\r' || char === '\n' ? { ...plain, return: true } : plain);
      return;
    }
    const mode = this.store.getState().mode;
    switch (mode.kind) {
      case 'editor':
        return;
      case 'help':
        this.store.dispatch({ type: 'mode', mode: { kind: 'normal' } });
        return;
      case 'prompt':
        this.promptKey(mode.purpose, mode.text, input, key);
        return;
      case 'normal':
        this.normalKey(input, key);
    }
  };

  private normalKey(input: string, key: Key): void {
    const dispatch = this.store.dispatch;
    if (key.upArrow || input === 'k') return dispatch({ type: 'move', delta: -1 });
    if (key.downArrow || input === 'j') return dispatch({ type: 'move', delta: 1 });
    if (key.pageUp) return dispatch({ type: 'move', delta: -this.pageSize });
    if (key.pageDown) return dispatch({ type: 'move', delta: this.pageSize });
    if (key.home || input === 'g') return dispatch({ type: 'jump', to: 'start' });
    if (key.end || input === 'G') return dispatch({ type: 'jump', to: 'end' });
    if (key.tab) return dispatch({ type: 'toggle-focus' });
    if (key.escape) return dispatch({ type: 'status', status: undefined });
    switch (input) {
      case 'q':
        return this.options.quit();
      case '?':
        return dispatch({ type: 'mode', mode: { kind: 'help' } });
      case '/':
        return dispatch({ type: 'mode', mode: { kind: 'prompt', purpose: 'filter', text: this.store.getState().filter.expression } });
      case 'b':
        return dispatch({ type: 'mode', mode: { kind: 'prompt', purpose: 'break', text: '' } });
      case 'B':
        void this.send({ cmd: 'unbreak', breakpointId: 'all' }, 'breakpoints cleared');
        return;
      case 'a':
        return this.decide((p) => this.send({ cmd: 'resume', pauseId: p.pauseId }, `#${p.pauseId} resumed`));
      case 'A':
        if (this.store.getState().paused.length === 0) return this.fail('nothing is paused');
        void this.send({ cmd: 'resume', pauseId: 'all' }, 'all paused messages resumed');
        return;
      case 'x':
        return this.decide((p) => this.send({ cmd: 'drop', pauseId: p.pauseId, reason: 'dropped in mcp-tap UI' }, `#${p.pauseId} dropped`));
      case 'e':
        return this.decide((p) => this.edit(p));
      case 'm':
        return this.decide((p) => this.mock(p));
      case 's':
        return this.saveRule();
    }
  }

  private promptKey(purpose: 'filter' | 'break', text: string, input: string, key: Key): void {
    const dispatch = this.store.dispatch;
    if (key.escape) return dispatch({ type: 'mode', mode: { kind: 'normal' } });
    if (key.return) return purpose === 'filter' ? this.submitFilter(text) : this.submitBreakpoint(text);
    if (key.backspace || key.delete) return dispatch({ type: 'prompt-text', text: Array.from(text).slice(0, -1).join('') });
    if (key.ctrl && input === 'u') return dispatch({ type: 'prompt-text', text: '' });
    if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || input === '') return;
    dispatch({ type: 'prompt-text', text: text + input.replace(/[\r\n]/g, '') });
  }

  private submitFilter(text: string): void {
    this.store.dispatch({ type: 'filter', expression: text });
    // On a bad expression the prompt stays open, showing where it went wrong.
    const mode = this.store.getState().mode;
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

  /** Runs `action` on the selected paused message, or says there is none. */
  private decide(action: (paused: PausedView) => Promise<unknown>): void {
    const paused = selectedPaused(this.store.getState());
    if (!paused) return this.fail('nothing is paused');
    void action(paused);
  }

  /**
   * Hands `text` to the editor once the UI has let go of the terminal: the App starts the editor
   * from an effect (see runPendingEditor), after Ink has left raw mode and stopped reading keys.
   */
  private withEditor(what: string, text: string, name: string): Promise<string> {
    return new Promise((resolve, reject) => {
      this.pendingEditor = async () => {
        try {
          resolve(await editText(text, this.options.editor, name));
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

  private async edit(paused: PausedView): Promise<void> {
    let edited: string;
    try {
      edited = await this.withEditor(`#${paused.pauseId}`, prettyJson(paused.text), `paused-${paused.pauseId}.json`);
    } catch (error) {
      return this.fail(`${(error as Error).message}; #${paused.pauseId} is still held`);
    }
    const checked = checkJsonRpc(edited);
    if (!checked.ok) return this.fail(`edit of #${paused.pauseId} rejected, ${checked.error}; the message is still held`);
    if (sameJson(checked.text, paused.text)) return this.info(`#${paused.pauseId} unchanged; still held (a resumes it)`);
    const sent = await this.send({ cmd: 'edit', pauseId: paused.pauseId, text: checked.text }, `#${paused.pauseId} sent edited`);
    const match = matchFor(paused);
    if (sent && match && isObject(checked.value) && 'result' in checked.value) {
      this.store.dispatch({ type: 'answer-written', answer: { match, result: checked.value.result } });
    }
  }

  private async mock(paused: PausedView): Promise<void> {
    if (paused.kind !== 'request') return this.fail(`#${paused.pauseId} is a ${paused.kind}; only a request can be answered with a mock`);
    let written: string;
    try {
      written = await this.withEditor(`a mock answer to #${paused.pauseId}`, mockTemplate(paused), `mock-${paused.pauseId}.json`);
    } catch (error) {
      return this.fail(`${(error as Error).message}; #${paused.pauseId} is still held`);
    }
    const checked = parseJson(written);
    if (!checked.ok) return this.fail(`mock for #${paused.pauseId} rejected, ${checked.error}; the request is still held`);
    const sent = await this.send({ cmd: 'mock', pauseId: paused.pauseId, text: checked.text }, `#${paused.pauseId} answered with the mock`);
    const match = matchFor(paused);
    if (!sent || !match) return;
    // A whole response was given: the rule keeps its result.
    const value = checked.value;
    const whole = isObject(value) && value.jsonrpc === '2.0' && 'result' in value;
    this.store.dispatch({ type: 'answer-written', answer: { match, result: whole ? value.result : value } });
  }

  private saveRule(): void {
    const state = this.store.getState();
    const answer = state.lastAnswer;
    if (!answer) return this.fail('no edited or mocked response to save yet (edit a paused answer with e, or mock one with m)');
    const file = rulesFileOf(state.proxy, this.options.rulesFile);
    if (!file) return this.fail('no rules file to save to: this proxy does not name one; give mcp-tap attach --rules FILE (the file the proxy was started with)');
    try {
      appendMockRule(file, answer);
      this.info(`mock rule for "${answer.match}" added to ${file}`);
    } catch (error) {
      this.fail(`could not save the rule: ${(error as Error).message}`);
    }
  }
}
