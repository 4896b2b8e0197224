/**
 * Re-reading a rules file when it changes, so rules can be edited while sessions go on. The
 * directory is watched rather than the file: editors that save by writing a new file and renaming
 * it over the old one would leave a watch on the old file looking at nothing. Events come in
 * bursts (truncate, write, rename), so they are gathered for a moment before the file is read.
 */
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../core/log.js';
import { parseRules, readRulesText } from './load.js';
import type { RuleSet } from './types.js';

export interface RulesWatchOptions {
  /** The file as the user named it (used in messages too). */
  file: string;
  /** The text the rules in force came from: an unchanged file is not reloaded. */
  loadedText: string;
  /** How many rules are in force, for the message when a new file is refused. */
  loadedCount: number;
  logger: Logger;
  /** Called with each good new rule set. */
  onReload(rules: RuleSet, text: string): void;
  debounceMs?: number;
}

export interface RulesWatcher {
  close(): void;
}

export function watchRulesFile(options: RulesWatchOptions): RulesWatcher {
  const { file, logger } = options;
  const name = basename(file);
  let text = options.loadedText;
  let count = options.loadedCount;
  let timer: NodeJS.Timeout | undefined;

  const reload = () => {
    timer = undefined;
    let next: string;
    let rules: RuleSet;
    try {
      next = readRulesText(file);
      if (next === text) return;
      rules = parseRules(next, file);
    } catch (error) {
      logger.error(`${(error as Error).message}; the previous rules (${plural(count, 'rule')}) are still in force`);
      return;
    }
    text = next;
    count = rules.rules.length;
    options.onReload(rules, next);
    logger.info(`rules reloaded from ${file}: ${plural(count, 'rule')} now in force`);
  };

  let watcher: FSWatcher;
  try {
    // Not persistent: watching must never be what keeps the process alive.
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      // Some platforms do not say which file changed: then it may have been ours.
      if (changed !== null && changed !== name) return;
      clearTimeout(timer);
      timer = setTimeout(reload, options.debounceMs ?? 100);
      timer.unref();
    });
  } catch (error) {
    logger.warn(`cannot watch ${file} for changes (${(error as Error).message}); edits take effect at the next start`);
    return { close() {} };
  }
  watcher.on('error', (error) => logger.warn(`stopped watching ${file} for changes: ${error.message}`));
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
