/**
 * Starting the UI on a terminal with a ControlLink: used by `mcp-tap attach` (the process's own
 * terminal) and by `--tui` on record/replay (the controlling terminal, /dev/tty, because stdout
 * carries MCP there). Quitting closes the link only; the proxy keeps running.
 */
import type { ReactElement } from 'react';
import { render } from 'ink';
import type { ControlLink } from '../control/protocol.js';
import { App } from './components/App.js';
import { Controller } from './controller.js';
import { spawnEditor, type EditorRunner, type EditorTerminal } from './editor.js';
import { feedStore } from './hooks.js';
import { TuiStore } from './state.js';

export interface TuiOptions {
  link: ControlLink;
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
}

/**
 * The UI wired to a link, not yet drawn: `runTui` renders it on a terminal, tests render it with
 * ink-testing-library. `onQuit` is called after `q` has closed the link.
 */
export function buildTui(options: Pick<TuiOptions, 'link' | 'editor' | 'editorTerminal' | 'rulesFile'> & { onQuit: () => void; afterEditor?: () => void }): TuiParts {
  const store = new TuiStore();
  const detach = feedStore(options.link, store);
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    detach();
    options.link.close();
  };
  const controller = new Controller({
    link: options.link,
    store,
    editor: options.editor ?? spawnEditor(options.editorTerminal ?? 'inherit'),
    rulesFile: options.rulesFile,
    afterEditor: options.afterEditor,
    quit: () => {
      dispose();
      options.onQuit();
    },
  });
  return { store, controller, element: <App store={store} controller={controller} />, dispose };
}

export interface RunningTui {
  /** Settles when the UI has ended (quit, stop(), or the terminal went away). */
  done: Promise<void>;
  /** Ends the UI from outside (the proxy is shutting down). */
  stop(): void;
}

/** Draws the UI on a terminal until the person quits it or stop() is called. */
export function startTui(options: TuiOptions): RunningTui {
  const stdout = options.stdout ?? process.stdout;
  let unmount = () => {};
  const alternate = options.alternateScreen ?? stdout.isTTY === true;
  // Most editors leave the alternate screen when they exit, taking the UI's screen with them.
  const afterEditor = alternate ? () => stdout.write(ENTER_ALTERNATE + CLEAR_SCREEN) : undefined;
  const tui = buildTui({ ...options, onQuit: () => unmount(), afterEditor });
  if (alternate) stdout.write(ENTER_ALTERNATE);
  const instance = render(tui.element, {
    stdout,
    stdin: options.stdin ?? process.stdin,
    // The proxy's own logging goes to stderr as it always does; the UI does not take it over.
    patchConsole: false,
    exitOnCtrlC: true,
  });
  unmount = () => instance.unmount();
  const done = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  return {
    done: done.finally(() => {
      tui.dispose();
      if (alternate) stdout.write(LEAVE_ALTERNATE);
    }),
    stop: () => instance.unmount(),
  };
}

/** Renders the UI and resolves when the person quits it. */
export function runTui(options: TuiOptions): Promise<void> {
  return startTui(options).done;
}
