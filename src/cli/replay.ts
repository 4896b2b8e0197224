/** `mcp-tap replay TAPE`: a tape stands in for the server. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runStdioProxy } from '../proxy/stdio.js';
import { startHttpProxy } from '../proxy/http.js';
import { createUpstream } from '../proxy/upstream.js';
import { formatSummary, replayUpstream } from '../proxy/replay.js';
import { inert } from '../core/log.js';
import { DEFAULT_MAX_BODY_BYTES } from '../interceptors/http-policy.js';
import { addVerbosity, collect, EXIT, loggerFor, openStore, parseDuration, storeOption, UsageError, type VerbosityOptions } from './common.js';
import { parseSize, recordedServer, untilSignal, upstreamFrom } from './record.js';
import { addListenOptions, listenAddress, listenLimits, listenPolicy, type ListenFlags } from './listen-options.js';
import type { LiveUpstreamSpec } from '../proxy/upstream.js';
import type { ListenAddress } from '../transports/http/listener.js';
import { loadRulesOption, rulesInterceptors, rulesOption, type CliRules } from './rules-option.js';
import { addControlOptions, controlOptions, type ControlFlags, type ControlProxyOptions } from './control-options.js';
import { addTuiOption, startInProcessTui, type InProcessTui } from './tui-option.js';
import { addWebOption, startInProcessWeb, type InProcessWeb, type WebFlags } from './web-option.js';
import { Option } from 'commander';
import type { Logger } from '../core/log.js';
import type { TapeStore } from '../tape/store.js';
import { expired } from '../tape/expiry.js';
import type { RecordOptions } from '../proxy/create.js';

interface ReplayFlags extends VerbosityOptions, ControlFlags, ListenFlags, WebFlags {
  tui?: boolean;
  allowOrigin: string[];
  maxBodySize: string;
  store?: string;
  ignore: string[];
  reuse?: boolean;
  speed?: string;
  strict?: boolean;
  onMiss: string;
  url?: string;
  transport?: string;
  header: string[];
  listen?: string;
  rules?: string;
  maxAge?: string;
  onExpired: 'warn' | 'error' | 'record';
  recordMissing?: boolean;
  usage?: string;
  redact: string[];
  redactDefaults: boolean;
}

/** Why a replay records instead: the tape is missing (--record-missing) or too old (--on-expired record). */
type Instead = { record: false } | { record: true; why: string };

/**
 * Whether this run replays or records, from the tape's age and existence (Polly's expiry
 * strategies, VCR's record modes). An expired tape under `warn` replays with a note; under
 * `error` it is a failed check (exit 1, nothing served).
 */
function decide(store: TapeStore, name: string, flags: ReplayFlags, logger: Logger): Instead | 'expired' {
  const tape = store.getTape(name);
  if (!tape) return flags.recordMissing ? { record: true, why: `tape "${name}" does not exist yet` } : { record: false };
  if (flags.maxAge === undefined) return { record: false };
  const said = expired(tape, parseDuration('--max-age', flags.maxAge, 'd'), `--max-age ${flags.maxAge}`);
  if (said === undefined) return { record: false };
  if (flags.onExpired === 'record') return { record: true, why: said };
  if (flags.onExpired === 'error') {
    logger.error(`${said}; re-record it (--on-expired record, or mcp-tap record --name ${name} --replace -- <server>)`);
    return 'expired';
  }
  logger.warn(`${said}; replaying it anyway (re-record with --on-expired record)`);
  return { record: false };
}

export function registerReplay(program: Command): void {
  const command = program
    .command('replay')
    .summary('stand in for a recorded server, answering from a tape')
    .description(
      'Serves a client from a tape: initialize gets the recorded server\'s answer, every later request the recorded answer to the same request ' +
        '(method and params; key order, ids and _meta never matter), in recorded order when a request repeats. The server\'s notifications and ' +
        'requests come back where they happened. MCP 2026-07-28 clients are served too: server/discover as recorded, a multi round-trip ' +
        "call's retry with the recorded next round, a subscriptions/listen stream acknowledged and its notifications where they happened. " +
        'On stdio by default; --listen serves HTTP, SSE and WebSocket clients. ' +
        'At exit a summary goes to stderr.',
    )
    .argument('<tape>', 'the tape to replay')
    .argument('[command...]', 'the real server, after --: for --on-miss passthrough, --record-missing and --on-expired record')
    .addOption(storeOption())
    .option('--ignore <path>', 'a path into params left out of matching, e.g. arguments.timestamp (repeatable)', collect, [])
    .option('--reuse', 'once the recorded answers to a request are used up, serve the last one again')
    .option('--speed <n>', 'keep recorded timing: 1 is the recorded pace, 2 twice as fast (default: as fast as possible)')
    .option('--strict', 'exit 1 if a request missed, a recorded request went unused, or the client answered the server differently; housekeeping the tape lacks (logging/setLevel, resources/subscribe, client notifications) counts as a miss')
    .option('--on-miss <what>', 'error (a JSON-RPC error naming the nearest recorded request) or passthrough (to the real server given after --, or --url; its answers are added to the tape)', 'error')
    .option('--url <url>', 'with --on-miss passthrough: the real server over HTTP, SSE or WebSocket')
    .option('--transport <kind>', 'for --url: streamable, sse or ws')
    .option('--header <name:value>', 'for --url: a header to send (repeatable)', collect, [])
    .option('--listen <host:port>', 'serve clients over HTTP (/mcp, /sse, /ws) instead of stdio')
    .option('--allow-origin <origin>', 'with --listen: a browser origin allowed besides loopback ones, or * (repeatable)', collect, [])
    .option('--max-body-size <size>', 'with --listen: largest HTTP request body or WebSocket frame', `${DEFAULT_MAX_BODY_BYTES / 1024 / 1024}MiB`)
    .option('--max-age <age>', 'a tape older than this has expired, e.g. 30d or 12h (a bare number is days); see --on-expired')
    .addOption(new Option('--on-expired <what>', 'with --max-age: warn (replay it, with a note on stderr), error (exit 1, serve nothing) or record (record it again from the real server)').choices(['warn', 'error', 'record']).default('warn'))
    .option('--record-missing', 'when the tape does not exist yet, record it from the real server (given after --, or --url) instead of failing')
    .option('--usage <file>', 'append which recorded requests this replay used to this file (for mcp-tap tapes prune --unused)')
    .option('--redact <path>', 'when recording (--record-missing, --on-expired record): as for record (repeatable)', collect, [])
    .option('--no-redact-defaults', 'when recording: do not redact the default secret keys')
    .addOption(rulesOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mcp-tap replay server-everything\n' +
        '  mcp-tap replay server-everything --strict --ignore arguments.requestId\n' +
        '  mcp-tap replay server-everything --on-miss passthrough -- npx -y @modelcontextprotocol/server-everything\n' +
        '  mcp-tap replay server-everything --listen 8808 --speed 1\n' +
        '  mcp-tap replay server-everything --record-missing --max-age 30d --on-expired record -- npx -y @modelcontextprotocol/server-everything\n' +
        '  mcp-tap replay server-everything --strict --usage usage.jsonl   (then: mcp-tap tapes prune server-everything --unused usage.jsonl)\n',
    );
  addWebOption(addTuiOption(addControlOptions(addListenOptions(command))));
  addVerbosity(command).action(async (tapeName: string, argv: string[], flags: ReplayFlags) => {
    const logger = loggerFor(flags);
    const control = controlOptions(flags, { title: `replay ${tapeName}`, tape: tapeName, rulesFile: flags.rules === undefined ? undefined : resolve(flags.rules) });
    if (flags.onMiss !== 'error' && flags.onMiss !== 'passthrough') throw new UsageError(`--on-miss takes error or passthrough, got "${flags.onMiss}"`);
    const speed = flags.speed === undefined ? 0 : Number(flags.speed);
    if (!Number.isFinite(speed) || speed < 0) throw new UsageError(`--speed takes a positive number, got "${flags.speed}"`);
    const wantsServer = flags.onMiss === 'passthrough' || flags.recordMissing || (flags.maxAge !== undefined && flags.onExpired === 'record');
    if (flags.maxAge === undefined && flags.onExpired !== 'warn') throw new UsageError('--on-expired goes with --max-age');
    if (flags.maxAge !== undefined) parseDuration('--max-age', flags.maxAge, 'd');
    let serverSpec;
    if (wantsServer) {
      if (!flags.url && argv.length === 0) throw new UsageError(`${flags.onMiss === 'passthrough' ? '--on-miss passthrough' : flags.recordMissing ? '--record-missing' : '--on-expired record'} needs the real server: a command after --, or --url`);
      serverSpec = upstreamFrom(argv, { url: flags.url, transport: flags.transport, header: flags.header, maxMessageSize: '16MiB' });
    } else if (argv.length > 0 || flags.url) {
      throw new UsageError('a server command or --url only makes sense with --on-miss passthrough, --record-missing or --on-expired record');
    }
    const passthroughSpec = flags.onMiss === 'passthrough' ? serverSpec : undefined;
    const listen = flags.listen === undefined ? undefined : listenAddress(flags, logger);
    const rules = await loadRulesOption(flags.rules, logger);
    const store = openStore(flags.store, { create: flags.recordMissing === true });
    let ui: InProcessTui | undefined;
    let web: InProcessWeb | undefined;
    try {
      const instead = decide(store, tapeName, flags, logger);
      if (instead === 'expired') {
        process.exitCode = EXIT.checkFailed;
        return;
      }
      ui = startInProcessTui(flags, logger);
      web = startInProcessWeb(flags, control, store.file, logger);
      if (instead.record) {
        logger.info(`${instead.why}: recording it from the real server`);
        await recordInstead(store, tapeName, serverSpec!, flags, listen, logger, rules, control);
        return;
      }
      const replay = replayUpstream(store, tapeName, {
        ignore: flags.ignore,
        reuse: flags.reuse,
        speed,
        strict: flags.strict,
        passthrough: passthroughSpec ? () => createUpstream(passthroughSpec, { logger }) : undefined,
      });
      if (listen) {
        const server = await startHttpProxy({
          listen,
          upstream: replay.spec,
          logger,
          interceptors: rulesInterceptors(rules),
          announcePauses: !flags.tui,
          ...control,
          limits: listenLimits(flags, false),
          policy: { ...listenPolicy(flags), maxBodyBytes: parseSize(flags.maxBodySize) },
        });
        logger.info(`replaying tape "${tapeName}"; clients connect to:`);
        logger.info(`  Streamable HTTP  ${server.urls.streamableHttp}`);
        logger.info(`  HTTP+SSE         ${server.urls.sse}`);
        logger.info(`  WebSocket        ${server.urls.websocket}`);
        await untilSignal(logger);
        await server.close({ drainTimeoutMs: 2000 });
      } else {
        await runStdioProxy({ upstream: replay.spec, logger, interceptors: rulesInterceptors(rules), announcePauses: !flags.tui, ...control });
      }
      replay.close();
      const summary = replay.summary();
      if (!flags.quiet) for (const line of formatSummary(summary)) process.stderr.write(`mcp-tap: ${inert(line)}\n`);
      const clean = summary.missed.length === 0 && summary.unused.length === 0 && summary.answerDifferences.length === 0;
      if (flags.usage) {
        const { appendUsage } = await import('../tape/prune.js');
        const tape = store.requireTape(tapeName);
        appendUsage(flags.usage, { tape: tape.name, createdAt: tape.createdAt, frames: tape.frameCount, at: new Date().toISOString(), strict: flags.strict === true, clean, missed: summary.missed.length, used: summary.used });
      }
      process.exitCode = flags.strict && !clean ? EXIT.checkFailed : EXIT.ok;
    } finally {
      ui?.stop();
      await web?.stop();
      rules?.close();
      store.close();
    }
  });
}

/** Records the tape afresh, in place of the replay: the same client transport, the real server behind it. */
async function recordInstead(
  store: TapeStore,
  name: string,
  upstream: LiveUpstreamSpec,
  flags: ReplayFlags,
  listen: ListenAddress | undefined,
  logger: Logger,
  rules: CliRules | undefined,
  control: ControlProxyOptions,
): Promise<void> {
  // As `record` keeps them: the server's credentials hidden on the tape and in what it says.
  const server = recordedServer(upstream.kind === 'stdio' ? [upstream.command, ...upstream.args] : [], flags.url, flags.header);
  const record: RecordOptions = {
    store,
    tape: { name, transport: upstream.kind, upstream: server.upstream },
    redact: flags.redact,
    redactDefaults: flags.redactDefaults,
    secrets: server.secrets,
    // On stdio the tape is made once the conversation is more than a probe, replacing the old one then.
    defer: listen ? undefined : { name: () => name, replace: true },
  };
  if (listen) {
    store.deleteTape(name);
    const server = await startHttpProxy({ listen, upstream, logger, record, interceptors: rulesInterceptors(rules), announcePauses: !flags.tui, ...control });
    logger.info(`recording tape "${name}"; clients connect to ${server.urls.streamableHttp}`);
    await untilSignal(logger);
    await server.close({ drainTimeoutMs: 2000 });
    return;
  }
  const result = await runStdioProxy({ upstream, logger, record, interceptors: rulesInterceptors(rules), announcePauses: !flags.tui, ...control });
  if (result.startFailed) throw new UsageError(result.reason);
  if (result.tape) logger.info(`tape "${result.tape.name}" recorded to ${store.file}`);
}
