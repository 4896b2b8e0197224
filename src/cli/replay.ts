/** `mcp-tap replay TAPE`: a tape stands in for the server. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runStdioProxy } from '../proxy/stdio.js';
import { startHttpProxy } from '../proxy/http.js';
import { createUpstream } from '../proxy/upstream.js';
import { formatSummary, replayUpstream } from '../proxy/replay.js';
import { inert } from '../core/log.js';
import { DEFAULT_MAX_BODY_BYTES } from '../interceptors/http-policy.js';
import { addVerbosity, collect, EXIT, loggerFor, openStore, storeOption, UsageError, type VerbosityOptions } from './common.js';
import { parseSize, untilSignal, upstreamFrom } from './record.js';
import { addListenOptions, listenAddress, listenLimits, listenPolicy, type ListenFlags } from './listen-options.js';
import { loadRulesOption, rulesInterceptors, rulesOption } from './rules-option.js';
import { addControlOptions, controlOptions, type ControlFlags } from './control-options.js';
import { addTuiOption, startInProcessTui, type InProcessTui } from './tui-option.js';
import { addWebOption, startInProcessWeb, type InProcessWeb, type WebFlags } from './web-option.js';

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
    .argument('[command...]', 'with --on-miss passthrough: the real server for requests the tape lacks, after --')
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
    .addOption(rulesOption())
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mcp-tap replay server-everything\n' +
        '  mcp-tap replay server-everything --strict --ignore arguments.requestId\n' +
        '  mcp-tap replay server-everything --on-miss passthrough -- npx -y @modelcontextprotocol/server-everything\n' +
        '  mcp-tap replay server-everything --listen 8808 --speed 1\n',
    );
  addWebOption(addTuiOption(addControlOptions(addListenOptions(command))));
  addVerbosity(command).action(async (tapeName: string, argv: string[], flags: ReplayFlags) => {
    const logger = loggerFor(flags);
    const control = controlOptions(flags, { title: `replay ${tapeName}`, tape: tapeName, rulesFile: flags.rules === undefined ? undefined : resolve(flags.rules) });
    if (flags.onMiss !== 'error' && flags.onMiss !== 'passthrough') throw new UsageError(`--on-miss takes error or passthrough, got "${flags.onMiss}"`);
    const speed = flags.speed === undefined ? 0 : Number(flags.speed);
    if (!Number.isFinite(speed) || speed < 0) throw new UsageError(`--speed takes a positive number, got "${flags.speed}"`);
    let passthroughSpec;
    if (flags.onMiss === 'passthrough') {
      if (!flags.url && argv.length === 0) throw new UsageError('--on-miss passthrough needs the real server: a command after --, or --url');
      passthroughSpec = upstreamFrom(argv, { url: flags.url, transport: flags.transport, header: flags.header, maxMessageSize: '16MiB' });
    } else if (argv.length > 0 || flags.url) {
      throw new UsageError('a server command or --url only makes sense with --on-miss passthrough');
    }
    const listen = flags.listen === undefined ? undefined : listenAddress(flags, logger);
    const rules = await loadRulesOption(flags.rules, logger);
    const store = openStore(flags.store, { create: false });
    let ui: InProcessTui | undefined;
    let web: InProcessWeb | undefined;
    try {
      ui = startInProcessTui(flags, logger);
      web = startInProcessWeb(flags, control, store.file, logger);
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
      process.exitCode = flags.strict && !clean ? EXIT.checkFailed : EXIT.ok;
    } finally {
      ui?.stop();
      await web?.stop();
      rules?.close();
      store.close();
    }
  });
}
