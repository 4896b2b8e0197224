/** `mcp-tap verify TAPE -- <command> | --url URL`: has the server drifted from the tape? */
import type { Command } from 'commander';
import { checkReachable, createUpstream } from '../proxy/upstream.js';
import { describeDifference } from '../tape/json-diff.js';
import { REDACTED } from '../tape/redact.js';
import { secretsNeeded, sessionGroups, verifySession, type VerifiedRequest, type VerifyReport } from '../proxy/verify.js';
import { inert } from '../core/log.js';
import { addVerbosity, collect, EXIT, loggerFor, openStore, storeOption, UsageError, type VerbosityOptions } from './common.js';
import { colorFor } from './tapes.js';
import type { JUnitSuite } from '../tape/junit.js';
import { upstreamFrom } from './record.js';

interface VerifyFlags extends VerbosityOptions {
  store?: string;
  ignore: string[];
  json?: boolean;
  url?: string;
  transport?: string;
  header: string[];
  timeout: string;
  secret: string[];
  junit?: string;
}

/** The report as JUnit: one case per request re-driven, failing where the answer drifted. */
export function verifySuite(report: VerifyReport, mask: (text: string) => string): JUnitSuite {
  return {
    name: `mcp-tap verify ${report.tape}`,
    properties: { tape: report.tape },
    cases: report.requests.map((r) => {
      const differences = r.differences.map((d) => mask(describeDifference(d)));
      const name = mask(`${r.request}${r.round === undefined ? '' : ` (round ${r.round})`} (seq ${r.seq})`);
      if (r.status === 'same') return { classname: r.method, name, timeMs: r.liveLatencyMs };
      const message = r.status === 'no-answer' ? `no answer${r.error ? `: ${mask(r.error)}` : ''}` : `answer drifted: ${differences.join('; ')}`;
      return { classname: r.method, name, timeMs: r.liveLatencyMs, failure: { message, type: r.status, details: [r.error ? mask(r.error) : '', ...differences].filter(Boolean).join('\n') } };
    }),
  };
}

/** --secret KEY=ENV_VAR, read from the environment (a value never goes on the command line, where ps shows it). */
function readSecrets(pairs: string[]): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new UsageError(`--secret takes KEY=ENV_VAR (the name of an environment variable holding the value), got "${pair}"`);
    const [key, variable] = [pair.slice(0, at), pair.slice(at + 1)];
    const value = process.env[variable];
    if (value === undefined) throw new UsageError(`--secret ${key}: the environment variable ${variable} is not set`);
    secrets[key] = value;
  }
  return secrets;
}

export function registerVerify(program: Command): void {
  const command = program
    .command('verify')
    .summary('re-drive a real server with a tape and report drift')
    .description(
      "Sends the tape's client messages to a real server, in order (answering the server's own requests as the client did), " +
        'and compares every answer with the recorded one. Ids are never compared, timestamps only as timestamps. ' +
        'Values redacted on the tape are left out of the comparison; those the client sent are sent again from --secret. ' +
        "A multi round-trip call is re-driven with the live server's requestState (never the recorded one, never compared); " +
        'a subscriptions/listen stream is opened, its acknowledgement compared, and closed. ' +
        'Exit 0 when nothing drifted, 1 when something did, 2 on a usage or runtime error.',
    )
    .argument('<tape>', 'the tape to verify against')
    .argument('[command...]', 'the server command, after -- (or --url)')
    .addOption(storeOption())
    .option('--url <url>', 'the server over HTTP, SSE or WebSocket')
    .option('--transport <kind>', 'for --url: streamable, sse or ws')
    .option('--header <name:value>', 'for --url: a header to send (repeatable)', collect, [])
    .option('--ignore <path>', 'a path into answers not compared, e.g. result.content.*.text or result.serverInfo.version (repeatable)', collect, [])
    .option('--timeout <seconds>', 'how long to wait for each answer', '30')
    .option('--secret <key=env>', 'send the value of environment variable ENV where the tape has KEY redacted (a field name such as password, or a path such as params.arguments.password; repeatable)', collect, [])
    .option('--json', 'print a machine-readable report on stdout')
    .option('--junit <file>', 'also write the report as JUnit XML, one test case per request')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mcp-tap verify server-everything -- npx -y @modelcontextprotocol/server-everything\n' +
        '  mcp-tap verify my-api --url http://127.0.0.1:3001/mcp --ignore result.serverInfo.version --json\n' +
        '  DB_PASSWORD=... mcp-tap verify login --secret password=DB_PASSWORD -- node ./server.js\n',
    );
  addVerbosity(command).action(async (tapeName: string, argv: string[], flags: VerifyFlags) => {
    const logger = loggerFor(flags);
    if (!flags.url && argv.length === 0) throw new UsageError('verify needs the real server: a command after --, or --url');
    const spec = upstreamFrom(argv, { url: flags.url, transport: flags.transport, header: flags.header, maxMessageSize: '16MiB' });
    const timeoutMs = Number(flags.timeout) * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout takes a number of seconds, got "${flags.timeout}"`);
    const secrets = readSecrets(flags.secret);
    const store = openStore(flags.store, { create: false, readonly: true });
    const color = colorFor(process.stdout);
    const report: VerifyReport = { tape: tapeName, requests: [], drifted: 0 };
    // A secret given back is never shown, wherever the server echoes it.
    const mask = (text: string) => Object.values(secrets).reduce((t, value) => (value ? t.split(value).join(REDACTED) : t), text);
    const hide = (line: string) => mask(inert(line));
    try {
      const tape = store.requireTape(tapeName);
      const frames = store.frames(tape.id);
      const needed = secretsNeeded(frames, secrets);
      if (needed.length > 0) {
        const keys = [...new Set(needed.map((n) => n.key))];
        throw new UsageError(
          `the tape has values redacted that the server needs (${[...new Set(needed.map((n) => `${n.path} in ${n.request}`))].slice(0, 3).join('; ')}); ` +
            `give them from the environment with ${keys.map((k) => `--secret ${k}=ENV_VAR`).join(' ')}`,
        );
      }
      if (spec.kind !== 'stdio') await checkReachable(spec.url);
      const groups = sessionGroups(frames);
      const print = (r: VerifiedRequest) => {
        if (flags.json || flags.quiet) return;
        const mark = r.status === 'same' ? color.green('✓') : color.red('✗');
        const latency = r.liveLatencyMs === undefined ? '' : color.dim(` ${r.liveLatencyMs.toFixed(1)} ms${r.recordedLatencyMs === undefined ? '' : ` (recorded ${r.recordedLatencyMs.toFixed(1)} ms)`}`);
        const round = r.round === undefined ? '' : r.round > 1 ? color.dim(`  ↻ round ${r.round}`) : color.dim('  round 1');
        const stream = r.stream ? color.dim('  stream acknowledged') : '';
        console.log(`${mark} ${hide(r.request)}${round}${stream}${latency}`);
        if (r.error) console.log(color.red(`    ${hide(r.error)}`));
        for (const d of r.differences) console.log(color.yellow(`    ${hide(describeDifference(d))}`));
        if (r.redacted) console.log(color.dim(`    not compared (redacted on the tape): ${r.redacted.join(', ')}`));
        if (r.note) console.log(color.dim(`    ${r.note}`));
      };
      for (const group of groups) {
        const upstream = createUpstream({ ...spec, ...(spec.kind === 'stdio' ? { stderr: flags.verbose ? 'inherit' : 'ignore' } : {}) }, { logger });
        const results = await verifySession(
          group,
          upstream,
          { ignore: flags.ignore, timeoutMs, onResult: print, secrets },
        );
        report.requests.push(...results);
      }
      report.drifted = report.requests.filter((r) => r.status !== 'same').length;
      if (flags.junit) {
        const { writeJUnit } = await import('../tape/junit.js');
        await writeJUnit(flags.junit, [verifySuite(report, mask)]);
      }
      if (flags.json) console.log(mask(JSON.stringify(report, null, 2)));
      else if (!flags.quiet) {
        const total = report.requests.length;
        console.log(report.drifted === 0 ? color.green(`no drift: ${total} of ${total} answers match tape "${tapeName}"`) : color.red(`drift: ${report.drifted} of ${total} answers differ from tape "${tapeName}"`));
      }
      process.exitCode = report.drifted === 0 ? EXIT.ok : EXIT.checkFailed;
    } finally {
      store.close();
    }
  });
}
