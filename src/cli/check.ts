/** `mcp-tap check TAPE`: fail a CI job when a recorded conversation was not healthy. */
import type { Command } from 'commander';
import type { CheckReport } from '../tape/check.js';
import { CHECK_RULES, type CheckRule } from '../tape/check-rules.js';
import type { JUnitSuite } from '../tape/junit.js';
import { inert } from '../core/log.js';
import { collect, EXIT, openStore, parseDuration, storeOption, UsageError } from './common.js';
import { colorFor } from './tapes.js';

interface CheckFlags {
  store?: string;
  maxDuration?: string;
  expectTool: string[];
  forbidTool: string[];
  allowError: string[];
  skip: string[];
  junit?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The report as JUnit: one case per exchange, one for each message of no exchange with problems, one for the tape. */
export function checkSuite(report: CheckReport): JUnitSuite {
  return {
    name: `mcp-tap check ${report.tape}`,
    properties: { tape: report.tape, ...(report.protocolVersion ? { protocolVersion: report.protocolVersion } : {}) },
    cases: report.items.map((item) => ({
      classname: item.group,
      name: item.seq === undefined ? item.subject : `${item.subject} (seq ${item.seq})`,
      timeMs: item.latencyMs,
      failure: item.problems.length === 0 ? undefined : { message: item.problems.map((p) => p.message).join('; '), type: [...new Set(item.problems.map((p) => p.rule))].join(','), details: item.problems.map((p) => `${p.rule}: ${p.message}`).join('\n') },
    })),
  };
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .summary('fail when a tape shows errors, protocol problems, slow or missing calls, or deprecated features')
    .description(
      'Checks a recorded conversation, exchange by exchange, for CI: JSON-RPC errors (also those mcp-tap answered, such as a blocked call), ' +
        'tool results with isError, messages that were not JSON-RPC, protocol problems the proxy flagged (an answer to an unknown id, a header ' +
        'mismatch, an oversized message, a 2026-07-28 result without resultType), requests never answered, calls over --max-duration, ' +
        '--expect-tool and --forbid-tool, and what the negotiated protocol revision deprecates or removed (2026-07-28: ping, logging/setLevel, ' +
        'resources/subscribe, server-to-client requests, roots, sampling, logging; any revision: the HTTP+SSE transport, sampling includeContext, ' +
        'JSON-RPC batches after 2025-06-18). A dual-era client\'s server/discover probe answered "method not found" is its fallback, not an error.',
    )
    .argument('<tape>', 'the tape to check')
    .addOption(storeOption())
    .option('--max-duration <duration>', 'a call that took longer fails, e.g. 500ms or 2s (a bare number is milliseconds)')
    .option('--expect-tool <name>', 'this tool must have been called, and answered without an error, at least once (repeatable)', collect, [])
    .option('--forbid-tool <name>', 'this tool must not have been called (repeatable)', collect, [])
    .option('--allow-error <code>', 'a JSON-RPC error code that is expected and does not fail, e.g. -32602 (repeatable)', collect, [])
    .option('--skip <rule>', `a rule not checked: ${CHECK_RULES.join(', ')} (repeatable)`, collect, [])
    .option('--junit <file>', 'also write the result as JUnit XML, one test case per exchange')
    .option('--json', 'print the result as JSON')
    .option('-q, --quiet', 'print only the summary line')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mcp-tap check server-everything\n' +
        '  mcp-tap check nightly --max-duration 2s --expect-tool search --forbid-tool delete_repo --junit check.xml\n' +
        '  mcp-tap check login --allow-error -32602 --skip deprecated --json\n',
    )
    .action(async (name: string, flags: CheckFlags) => {
      const maxDurationMs = flags.maxDuration === undefined ? undefined : parseDuration('--max-duration', flags.maxDuration);
      const allowErrors = flags.allowError.map((code) => {
        if (!/^-?\d+$/.test(code)) throw new UsageError(`--allow-error takes a JSON-RPC error code such as -32602, got "${code}"`);
        return Number(code);
      });
      for (const rule of flags.skip) if (!CHECK_RULES.includes(rule as CheckRule)) throw new UsageError(`--skip takes one of ${CHECK_RULES.join(', ')}, got "${rule}"`);
      const { checkTape } = await import('../tape/check.js');
      const store = openStore(flags.store, { create: false, readonly: true });
      let report: CheckReport;
      try {
        const tape = store.requireTape(name);
        report = checkTape(tape, store.sessions(tape.id), store.frames(tape.id), { maxDurationMs, expectTools: flags.expectTool, forbidTools: flags.forbidTool, allowErrors, skip: flags.skip as CheckRule[] });
      } finally {
        store.close();
      }
      if (flags.junit) {
        const { writeJUnit } = await import('../tape/junit.js');
        await writeJUnit(flags.junit, [checkSuite(report)]);
      }
      const failed = report.items.filter((i) => i.problems.length > 0);
      if (flags.json) console.log(JSON.stringify(report, null, 2));
      else {
        const color = colorFor(process.stdout);
        if (!flags.quiet) {
          for (const item of failed) {
            console.log(`${color.red('✗')} ${inert(item.subject)}${item.seq === undefined ? '' : color.dim(` (seq ${item.seq})`)}`);
            for (const problem of item.problems) console.log(`    ${color.yellow(problem.rule)} ${inert(problem.message)}`);
          }
        }
        const checked = report.items.length - 1;
        console.log(
          report.problems === 0
            ? color.green(`check: tape "${name}" passed (${checked} exchange(s) and message(s) checked)`)
            : color.red(`check: ${report.problems} problem(s) in ${failed.length} of ${checked + 1} item(s) of tape "${name}"`),
        );
      }
      process.exitCode = report.problems === 0 ? EXIT.ok : EXIT.checkFailed;
    });
}
