/**
 * The commands a console's server answers itself, with no proxy involved: the tape store (list,
 * one tape, a diff, export, import), as the `tapes` commands do it, and saving a mock rule into a
 * proxy's rules file, as the terminal UI's `s` does. Each command opens the store for itself and
 * closes it after, so a store that another process is writing is never held open.
 */
import { describeTapeDiff, diffTapes, hasDifferences } from '../tape/diff.js';
import { TapeError } from '../tape/errors.js';
import { exportTape, importTape, tapeSummary, validateTapeDocument } from '../tape/export.js';
import { TapeStore } from '../tape/store.js';
import { appendMockRule, rulesFileOf } from '../rules/save.js';
import type { ProxyInfo, TapeContents, TapeDiffResult, TapeListing, WebCommand } from './protocol.js';

/** A command refused with a message the page shows as it is. */
export class WebCommandError extends Error {}

export interface WebCommandContext {
  /** The tape store file the tapes view reads (resolved). */
  store: string;
  /** The proxy whose rules file a saved rule goes to (the one watched), if any. */
  proxy: () => ProxyInfo | undefined;
  /** The rules file given on the command line, which wins over the proxy's own. */
  rulesFile?: string;
}

function withStore<T>(file: string, writable: boolean, work: (store: TapeStore) => T): T {
  let store: TapeStore;
  try {
    store = TapeStore.open(file, writable ? {} : { create: false, readonly: true });
  } catch (error) {
    throw new WebCommandError((error as Error).message);
  }
  try {
    return work(store);
  } catch (error) {
    if (error instanceof TapeError) throw new WebCommandError(error.message);
    throw error;
  } finally {
    store.close();
  }
}

const text = (value: unknown, what: string): string => {
  if (typeof value !== 'string' || value === '') throw new WebCommandError(`${what} is needed`);
  return value;
};

/** Runs a tape or rules command and returns its result's data; throws WebCommandError with the reason. */
export function runWebCommand(command: Exclude<WebCommand, { cmd: 'proxies' } | { cmd: 'watch' }>, context: WebCommandContext): unknown {
  switch (command.cmd) {
    case 'tapes':
      return withStore(context.store, false, (store) => store.listTapes().map((t) => tapeSummary(t) as TapeListing));
    case 'tape':
      return withStore(context.store, false, (store): TapeContents => {
        const tape = store.requireTape(text(command.name, 'the tape\'s name'));
        return { tape: tapeSummary(tape) as TapeListing, sessions: store.sessions(tape.id), frames: store.frames(tape.id) };
      });
    case 'diff':
      return withStore(context.store, false, (store): TapeDiffResult => {
        const frames = (name: string) => store.frames(store.requireTape(name).id);
        const a = text(command.a, 'the first tape');
        const b = text(command.b, 'the second tape');
        const diff = diffTapes(frames(a), frames(b), { ignore: Array.isArray(command.ignore) ? command.ignore.map(String) : [] });
        return { diff, lines: describeTapeDiff(diff, a, b), differ: hasDifferences(diff) };
      });
    case 'export':
      return withStore(context.store, false, (store) => exportTape(store, text(command.name, 'the tape\'s name')));
    case 'import': {
      let document;
      try {
        document = validateTapeDocument(command.document);
      } catch (error) {
        throw new WebCommandError(`not a tape document: ${(error as Error).message}`);
      }
      const name = command.name === undefined || command.name === '' ? undefined : String(command.name);
      return withStore(context.store, true, (store) => tapeSummary(importTape(store, document, { name })));
    }
    case 'save-rule': {
      const file = rulesFileOf(context.proxy(), context.rulesFile);
      if (!file) throw new WebCommandError('no rules file to save to: this proxy was started without --rules (give mcp-tap web --rules FILE)');
      try {
        appendMockRule(file, { match: text(command.match, 'the rule\'s match'), result: command.result });
      } catch (error) {
        throw new WebCommandError(`could not save the rule: ${(error as Error).message}`);
      }
      return { file };
    }
    default:
      throw new WebCommandError(`unknown command "${String((command as { cmd: unknown }).cmd)}"`);
  }
}
