/** `mcp-tap tapes diff A B`: what changed between two recordings. */
import type { Command } from 'commander';
import { diffTapes, hasDifferences } from '../tape/diff.js';
import { describeDifference } from '../tape/json-diff.js';
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
          for (const request of diff.removed) console.log(color.red(`- ${request}`));
          for (const request of diff.added) console.log(color.green(`+ ${request}`));
          for (const change of diff.changed) {
            console.log(color.yellow(`~ ${change.request}`));
            for (const d of change.differences) console.log(`    ${describeDifference(d)}`);
          }
          for (const list of diff.lists) {
            for (const name of list.added) console.log(color.green(`+ ${list.list}: ${name}`));
            for (const name of list.removed) console.log(color.red(`- ${list.list}: ${name}`));
          }
          for (const l of diff.latency) console.log(color.yellow(`~ latency ${l.request}: ${l.before.toFixed(1)} ms → ${l.after.toFixed(1)} ms`));
          console.log(
            hasDifferences(diff)
              ? `${diff.changed.length} changed, ${diff.added.length} added, ${diff.removed.length} removed, ${diff.same} the same`
              : `tapes "${a}" and "${b}" agree (${diff.same} requests)`,
          );
        }
        process.exitCode = hasDifferences(diff) ? 1 : 0;
      } finally {
        store.close();
      }
    });
}
