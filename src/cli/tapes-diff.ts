/** `mcp-tap tapes diff A B`: what changed between two recordings. */
import type { Command } from 'commander';
import { describeTapeDiff, diffTapes, hasDifferences } from '../tape/diff.js';
import { TapeError } from '../tape/errors.js';
import { collect, openStore, storeOption, UsageError } from './common.js';
import { colorFor } from './tapes.js';

interface DiffFlags {
  store?: string;
  ignore: string[];
  json?: boolean;
}

/** Adds `diff` to the `tapes` command group. */
export function registerTapesDiff(tapes: Command): void {
  tapes
    .command('diff')
    .description(
      'Compares two tapes request by request (matched as replay matches them): requests only in one, answers that changed, ' +
        'tools, resources and prompts that appeared or went, and latency changes. Exit 0 when they agree, 1 when they differ, 2 on a usage error.',
    )
    .argument('<a>', 'the earlier tape')
    .argument('<b>', 'the later tape')
    .addOption(storeOption())
    .option('--ignore <path>', 'a path into answers not compared (repeatable)', collect, [])
    .option('--json', 'print the differences as JSON')
    .addHelpText('after', '\nExamples:\n  mcp-tap tapes diff everything-v1 everything-v2\n  mcp-tap tapes diff before after --ignore result.serverInfo.version --json\n')
    .action((a: string, b: string, flags: DiffFlags) => {
      const store = (() => {
        try {
          return openStore(flags.store, { create: false, readonly: true });
        } catch (error) {
          throw error instanceof TapeError ? new UsageError(error.message) : error;
        }
      })();
      try {
        const frames = (name: string) => {
          try {
            return store.frames(store.requireTape(name).id);
          } catch (error) {
            throw error instanceof TapeError ? new UsageError(error.message) : error;
          }
        };
        const diff = diffTapes(frames(a), frames(b), { ignore: flags.ignore });
        if (flags.json) {
          console.log(JSON.stringify(diff, null, 2));
        } else {
          const color = colorFor(process.stdout);
          const paint = { removed: color.red, added: color.green, changed: color.yellow, detail: (t: string) => t, summary: (t: string) => t };
          for (const line of describeTapeDiff(diff, a, b)) console.log(paint[line.tone](line.text));
        }
        process.exitCode = hasDifferences(diff) ? 1 : 0;
      } finally {
        store.close();
      }
    });
}
