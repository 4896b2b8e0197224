/** `mcp-tap tapes diff A B`: what changed between two recordings. */
import type { Command } from 'commander';
import { describeTapeDiff, diffTapes, hasDifferences, type TapeDiff } from '../tape/diff.js';
import type { JUnitSuite } from '../tape/junit.js';
import { describeDifference } from '../tape/json-diff.js';
import { TapeError } from '../tape/errors.js';
import { collect, openStore, storeOption, UsageError } from './common.js';
import { colorFor } from './tapes.js';

interface DiffFlags {
  store?: string;
  ignore: string[];
  json?: boolean;
  junit?: string;
}

/** The diff as JUnit: one case per exchange compared, failing where B differs from A. */
export function diffSuite(a: string, b: string, diff: TapeDiff): JUnitSuite {
  const failing = (name: string, message: string, type: string, details?: string) => ({ classname: name.split(' ')[0]!, name, failure: { message, type, details } });
  return {
    name: `mcp-tap tapes diff ${a} ${b}`,
    properties: { a, b },
    cases: [
      ...diff.agreed.map((request) => ({ classname: request.split(' ')[0]!, name: request })),
      ...diff.changed.map((c) => failing(c.request, `answer changed: ${c.differences.map(describeDifference).join('; ')}`, 'changed', c.differences.map(describeDifference).join('\n'))),
      ...diff.removed.map((request) => failing(request, `only in ${a}`, 'removed')),
      ...diff.added.map((request) => failing(request, `only in ${b}`, 'added')),
      ...diff.lists.flatMap((l) => [...l.added.map((n) => failing(`${l.list}: ${n}`, `${l.list} entry added in ${b}`, 'added')), ...l.removed.map((n) => failing(`${l.list}: ${n}`, `${l.list} entry gone in ${b}`, 'removed'))]),
      ...diff.latency.map((l) => failing(`latency ${l.request}`, `median latency ${l.before.toFixed(1)} ms → ${l.after.toFixed(1)} ms`, 'latency')),
    ],
  };
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
    .option('--junit <file>', 'also write the comparison as JUnit XML, one test case per exchange')
    .addHelpText('after', '\nExamples:\n  mcp-tap tapes diff everything-v1 everything-v2\n  mcp-tap tapes diff before after --ignore result.serverInfo.version --json\n')
    .action(async (a: string, b: string, flags: DiffFlags) => {
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
        if (flags.junit) {
          const { writeJUnit } = await import('../tape/junit.js');
          await writeJUnit(flags.junit, [diffSuite(a, b, diff)]);
        }
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
