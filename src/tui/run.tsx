/**
 * Starting the UI on a terminal: on a running proxy through a ControlLink (`mcp-tap attach`, and
 * `--tui` on record/replay from a worker thread, see worker.ts), or on a stored tape, read-only
 * (`mcp-tap tapes show NAME --tui`, `mcp-tap attach --tape NAME`). Quitting closes the link only;
 * the proxy keeps running.
 */
import type { ReactElement } from 'react';
import { render } from 'ink';
import chalk from 'chalk';
import type { ExchangeFrame } from '../core/exchange.js';
import type { ControlLink } from '../control/protocol.js';
import { App } from './components/App.js';
import { Controller } from './controller.js';
import { spawnEditor, type EditorRunner, type EditorTerminal } from './editor.js';
import { FrameBudget, feedStore } from './hooks.js';
import { TuiStore, type TapeSource } from './state.js';

export interface TuiOptions {
  /** The proxy to show; or `tape` for a stored tape. */
  link?: ControlLink;
  tape?: { source: TapeSource; frames: ExchangeFrame[] };
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Where $EDITOR gets its stdio: 'inherit' for attach, the tty's fd in-process. */
  editorTerminal?: EditorTerminal;
  editor?: EditorRunner;
  /** The rules file `s` appends to, when the proxy does not name one itself. */
  rulesFile?: string;
  /** Use the terminal's alternate screen, so quitting gives back what was on it. */
  alternateScreen?: boolean;
}

const ENTER_ALTERNATE = '\u001B[?1049h';
const LEAVE_ALTERNATE = '\u001B[?1049l';
const CLEAR_SCREEN = '\u001B[H\u001B[2J';

export interface TuiParts {
  store: TuiStore;
  controller: Controller;
  element: ReactElement;
  /** Stops feeding the store and closes the link (what quitting does); safe to call twice. */
  dispose: () => void;
  /** What redraws cost, so the feed spaces them under a burst (Ink's onRender reports to it). */
  budget: FrameBudget;
}

/**
 * The UI wired to its source, not yet drawn: `runTui` renders it on a terminal, tests render it
 * with ink-testing-library. `onQuit` is called after `q` has closed the link, with what became of
 * held messages and breakpoints when the person was asked.
 */
export function buildTui(
  options: Pick<TuiOptions, 'link' | 'tape' | 'editor' | 'editorTerminal' | 'rulesFile'> & { onQuit: (summary?: string) => void; afterEditor?: () => void; now?: () => number; cwd?: string },
): TuiParts {
  const store = new TuiStore();
  const { link, tape } = options;
  const budget = new FrameBudget();
  const detach = link ? feedStore(link, store, budget) : () => {};
  if (tape) store.dispatch({ type: 'tape', tape: tape.source, frames: tape.frames });
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    detach();
    link?.close();
  };
  const controller = new Controller({
    link,
    store,
    editor: options.editor ?? spawnEditor(options.editorTerminal ?? 'inherit'),
    rulesFile: options.rulesFile,
    afterEditor: options.afterEditor,
    now: options.now,
    cwd: options.cwd,
    quit: (summary) => {
      dispose();
      options.onQuit(summary);
    },
  });
  return { store, controller, element: <App store={store} controller={controller} />, dispose, budget };
}

export interface RunningTui {
  /** Settles when the UI has ended (quit, stop(), or the terminal went away), with what quitting did. */
  done: Promise<string | undefined>;
  /** Ends the UI from outside (the proxy is shutting down). */
  stop(): void;
}

/** chalk's level for a terminal's colour depth (1, 4, 8 or 24 bits; NO_COLOR and FORCE_COLOR are in it). */
function levelOf(depth: number): 0 | 1 | 2 | 3 {
  return depth >= 24 ? 3 : depth >= 8 ? 2 : depth >= 4 ? 1 : 0;
}

/** Draws the UI on a terminal until the person quits it or stop() is called. */
export function startTui(options: TuiOptions): RunningTui {
  const stdout = options.stdout ?? process.stdout;
  // Colour is the terminal's the UI draws on, not process.stdout's (which is the MCP pipe in a
  // stdio proxy, or nothing at all in a worker): chalk, and so Ink, must be told.
  if (stdout.isTTY && typeof stdout.getColorDepth === 'function') chalk.level = levelOf(stdout.getColorDepth());
  let unmount = () => {};
  let summary: string | undefined;
  const alternate = options.alternateScreen ?? stdout.isTTY === true;
  // Most editors leave the alternate screen when they exit, taking the UI's screen with them.
  const afterEditor = alternate ? () => stdout.write(ENTER_ALTERNATE + CLEAR_SCREEN) : undefined;
  const tui = buildTui({
    ...options,
    afterEditor,
    onQuit: (said) => {
      summary = said;
      unmount();
    },
  });
  if (alternate) stdout.write(ENTER_ALTERNATE);
  const instance = render(tui.element, {
    stdout,
    stdin: options.stdin ?? process.stdin,
    // The proxy's own logging goes to stderr as it always does; the UI does not take it over.
    patchConsole: false,
    // Ctrl-C is a key here: with messages held it asks first (see the controller).
    exitOnCtrlC: false,
    onRender: (metrics) => tui.budget.record(metrics.renderTime),
  });
  unmount = () => instance.unmount();
  const done = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  return {
    done: done.then(() => {
      tui.dispose();
      if (alternate) stdout.write(LEAVE_ALTERNATE);
      return summary;
    }),
    stop: () => instance.unmount(),
  };
}

/** Renders the UI and resolves when the person quits it, with what quitting did (to print). */
export function runTui(options: TuiOptions): Promise<string | undefined> {
  return startTui(options).done;
}
