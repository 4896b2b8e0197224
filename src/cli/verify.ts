/** `mcp-tap verify TAPE -- <command> | --url URL`: has the server drifted from the tape? */
import type { Command } from 'commander';
import { createUpstream } from '../proxy/upstream.js';
import { describeDifference } from '../tape/json-diff.js';
import { sessionGroups, verifySession, type VerifiedRequest, type VerifyReport } from '../tape/verify.js';
import { TapeError } from '../tape/errors.js';
import { addVerbosity, collect, loggerFor, openStore, storeOption, UsageError, type VerbosityOptions } from './common.js';
import { colorFor } from './tapes.js';
import { upstreamFrom } from './record.js';

interface VerifyFlags extends VerbosityOptions {
  store?: string;
  ignore: string[];
  json?: boolean;
  url?: string;
  transport?: string;
  header: string[];
  timeout: string;
}

export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .summary('re-drive a real server with a tape and report drift')
    .description(
      "Sends the tape's client messages to a real server, in order (answering the server's own requests as the client did), " +
        'and compares every answer with the recorded one. Ids are never compared, timestamps only as timestamps. ' +
        "A multi round-trip call is re-driven with the live server's requestState (never the recorded one, never compared); " +
        'a subscriptions/listen stream is opened, its acknowledgement compared, and closed. ' +
        'Exit 0 when nothing drifted, 1 when something did, 2 on a usage error.',
    )
    .argument('<tape>', 'the tape to verify against')
    .argument('[command...]', 'the server command, after -- (or --url)')
    .addOption(storeOption())
    .option('--url <url>', 'the server over HTTP, SSE or WebSocket')
    .option('--transport <kind>', 'for --url: streamable, sse or ws')
    .option('--header <name:value>', 'for --url: a header to send (repeatable)', collect, [])
    .option('--ignore <path>', 'a path into answers not compared, e.g. result.content.*.text or result.serverInfo.version (repeatable)', collect, [])
    .option('--timeout <seconds>', 'how long to wait for each answer', '30')
    .option('--json', 'print a machine-readable report on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mcp-tap verify server-everything -- npx -y @modelcontextprotocol/server-everything\n' +
        '  mcp-tap verify my-api --url http://127.0.0.1:3001/mcp --ignore result.serverInfo.version --json\n',
    );
  addVerbosity(command).action(async (tapeName: string, argv: string[], flags: VerifyFlags) => {
    const logger = loggerFor(flags);
    if (!flags.url && argv.length === 0) throw new UsageError('verify needs the real server: a command after --, or --url');
    const spec = upstreamFrom(argv, { url: flags.url, transport: flags.transport, header: flags.header, maxMessageSize: '16MiB' });
    const timeoutMs = Number(flags.timeout) * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout takes a number of seconds, got "${flags.timeout}"`);
    let store;
    try {
      store = openStore(flags.store, { create: false, readonly: true });
    } catch (error) {
      throw error instanceof TapeError ? new UsageError(error.message) : error;
    }
    const color = colorFor(process.stdout);
    const report: VerifyReport = { tape: tapeName, requests: [], drifted: 0 };
    try {
      const tape = (() => {
        try {
          return store.requireTape(tapeName);
        } catch (error) {
          throw error instanceof TapeError ? new UsageError(error.message) : error;
        }
      })();
      const frames = store.frames(tape.id);
      const groups = sessionGroups(frames);
      const print = (r: VerifiedRequest) => {
        if (flags.json || flags.quiet) return;
        const mark = r.status === 'same' ? color.green('✓') : color.red('✗');
        const latency = r.liveLatencyMs === undefined ? '' : color.dim(` ${r.liveLatencyMs.toFixed(1)} ms${r.recordedLatencyMs === undefined ? '' : ` (recorded ${r.recordedLatencyMs.toFixed(1)} ms)`}`);
        const round = r.round === undefined ? '' : r.round > 1 ? color.dim(`  ↻ round ${r.round}`) : color.dim('  round 1');
        const stream = r.stream ? color.dim('  stream acknowledged') : '';
        console.log(`${mark} ${r.request}${round}${stream}${latency}`);
        if (r.error) console.log(color.red(`    ${r.error}`));
        for (const d of r.differences) console.log(color.yellow(`    ${describeDifference(d)}`));
      };
      for (const group of groups) {
        const upstream = createUpstream({ ...spec, ...(spec.kind === 'stdio' ? { stderr: flags.verbose ? 'inherit' : 'ignore' } : {}) }, { logger });
        const results = await verifySession(
          group,
          upstream,
          { ignore: flags.ignore, timeoutMs, onResult: print },
        );
        report.requests.push(...results);
      }
      report.drifted = report.requests.filter((r) => r.status !== 'same').length;
      if (flags.json) console.log(JSON.stringify(report, null, 2));
      else if (!flags.quiet) {
        const total = report.requests.length;
        console.log(report.drifted === 0 ? color.green(`no drift: ${total} of ${total} answers match tape "${tapeName}"`) : color.red(`drift: ${report.drifted} of ${total} answers differ from tape "${tapeName}"`));
      }
      process.exitCode = report.drifted === 0 ? 0 : 1;
    } finally {
      store.close();
    }
  });
}
