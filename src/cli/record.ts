/** `mcp-tap record -- <command> [args...]`: proxy a stdio server and record the session. */
import { basename, dirname, extname, resolve } from 'node:path';
import type { Command } from 'commander';
import { runStdioProxy } from '../proxy/stdio.js';
import { startHttpProxy } from '../proxy/http.js';
import { checkReachable, guessUpstreamKind, urlProblem, type LiveUpstreamSpec, type UpstreamSpec } from '../proxy/upstream.js';
import type { ListenAddress } from '../transports/http/listener.js';
import type { TapeInfo } from '../tape/types.js';
import { DEFAULT_MAX_BODY_BYTES } from '../interceptors/http-policy.js';
import type { Logger } from '../core/log.js';
import type { RecordOptions } from '../proxy/create.js';
import { SessionManager } from '../session/manager.js';
import { isRedisSpec, openSessionStore } from '../session/open-store.js';
import type { RedisSessionStore } from '../session/stores/redis.js';
import { RedisEventLog } from '../session/redis-event-log.js';
import { RateLimitInterceptor } from '../interceptors/rate-limit.js';
import { parseRate } from '../rules/rate.js';
import type { Interceptor } from '../core/chain.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../core/framing.js';
import { addVerbosity, collect, loggerFor, openStore, storeOption, UsageError, type VerbosityOptions } from './common.js';
import { loadRulesOption, rulesInterceptors, rulesOption, type CliRules } from './rules-option.js';
import { addControlOptions, controlOptions, type ControlFlags, type ControlProxyOptions } from './control-options.js';
import { addTuiOption, startInProcessTui, type InProcessTui } from './tui-option.js';
import { addWebOption, startInProcessWeb, type InProcessWeb, type WebFlags } from './web-option.js';
import { addListenOptions, listenAddress, listenLimits, listenPolicy, type ListenFlags } from './listen-options.js';
import { isSecretKeyName, redactArgv, redactUrl, secretsInArgv, secretsInUrl } from '../core/secrets.js';
import { addLiveOptions, liveInterceptors, type LiveFlags } from './live-options.js';
import type { EarlyServer } from './early-server.js';

interface RecordFlags extends VerbosityOptions, ControlFlags, ListenFlags, LiveFlags, WebFlags {
  tui?: boolean;
  store?: string;
  name?: string;
  redact: string[];
  redactDefaults: boolean;
  maxMessageSize: string;
  label: string[];
  replace?: boolean;
  rate?: string;
  burst?: string;
  globalRate?: string;
  rules?: string;
  url?: string;
  listen?: string;
  transport?: 'streamable' | 'sse' | 'ws';
  header: string[];
  allowOrigin: string[];
  stripHeader: string[];
  allowHeader: string[];
  maxBodySize: string;
  eventBuffer: string;
  sessions?: string;
  idleTimeout: string;
  drainTimeout: string;
}

const TRANSPORTS = ['streamable', 'sse', 'ws'] as const;

const LAUNCHERS = new Set(['node', 'nodejs', 'npx', 'bun', 'bunx', 'deno', 'python', 'python3', 'uv', 'uvx', 'pipx', 'docker', 'tsx', 'ts-node']);

/** A readable tape name from the server's command line: `npx -y @scope/server-x` gives "server-x". */
export function tapeStem(command: string, args: string[]): string {
  const name = basename(command);
  if (!LAUNCHERS.has(name.replace(/\.(exe|cmd)$/, ''))) return name;
  // Inline code (`node -e ...`) names nothing useful.
  if (args.some((a) => ['-e', '--eval', '-p', '--print', '-c'].includes(a))) return name;
  const target = args.find((a) => !a.startsWith('-') && a !== 'run');
  if (!target) return name;
  // A script inside an installed package is better named by its package than by "index".
  const inPackage = /node_modules\/(?:@[^/]+\/)?([^/]+)\//.exec(target.replace(/\\/g, '/'));
  if (inPackage) return inPackage[1]!;
  const stem = basename(target.replace(/@[^/@]*$/, '')).replace(extname(target), '');
  if (stem === 'index' || stem === 'main') return basename(dirname(target)) || name;
  return stem || name;
}

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`"${text}" is not a size (examples: 16MiB, 512KiB, 1048576)`);
  const unit = (match[2] ?? 'b').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(Number(match[1]) * factor);
}

function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--label takes KEY=VALUE, got "${pair}"`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

/** `early`: the server the launcher started from the same command line, taken if it is the one asked for. */
export function registerRecord(program: Command, early?: EarlyServer): void {
  const command = program
    .command('record')
    .summary('proxy a stdio MCP server and record the session to a tape')
    .description(
      "Spawns the server (without a shell), proxies this process's stdin/stdout to it and records every JSON-RPC message to a tape. " +
        "stdout carries only MCP messages; diagnostics go to stderr. Exits with the server's exit status.",
    )
    .argument('[command...]', 'the server command and its arguments, after -- (or use --url)')
    .option('--url <url>', 'record a server reached over HTTP, SSE or WebSocket instead of spawning one')
    .option('--transport <kind>', `upstream transport for --url: ${TRANSPORTS.join(', ')} (default: guessed from the URL)`)
    .option('--listen <host:port>', 'serve clients over HTTP (/mcp, /sse, /ws) on this address instead of stdio; port 0 picks a free one')
    .option('--header <name:value>', 'send this header to an HTTP upstream (repeatable)', collect, [])
    .option('--allow-origin <origin>', 'with --listen: a browser origin allowed besides loopback ones, or * (repeatable)', collect, [])
    .option('--strip-header <name>', 'with --listen: a client header never passed to the upstream (repeatable)', collect, [])
    .option('--allow-header <name>', 'with --listen: pass only these client headers to the upstream (repeatable)', collect, [])
    .option('--max-body-size <size>', 'with --listen: largest HTTP request body or WebSocket frame from a client', `${DEFAULT_MAX_BODY_BYTES / 1024 / 1024}MiB`)
    .option('--event-buffer <n>', 'with --listen: SSE events kept per session for Last-Event-ID resumption', '1000')
    .option('--sessions <store>', 'with --listen: where sessions live: memory, sqlite, sqlite:FILE or redis://HOST:PORT/DB', 'memory')
    .option('--idle-timeout <seconds>', 'with --listen: end sessions idle this long', '1800')
    .option('--drain-timeout <seconds>', 'with --listen: on SIGINT/SIGTERM, wait this long for requests in flight', '10')
    .addOption(storeOption())
    .option('--name <name>', 'tape name (default: from the server command, made unique)')
    .option('--redact <path>', 'replace this value on the tape: a path like params.arguments.apiKey, or a key pattern like *token* (repeatable)', collect, [])
    .option('--no-redact-defaults', 'do not redact the default secret keys (*token*, *password*, *secret*, ...)')
    .option('--label <key=value>', 'attach a label to the tape (repeatable)', collect, [])
    .option('--replace', 'with --name: record over an existing tape of that name (re-recording a test fixture)')
    .option('--rate <rate>', 'limit each session to this many requests, e.g. 20/s or 100/min; more get a JSON-RPC error saying when to retry')
    .option('--burst <n>', 'with --rate: how many requests may come at once (default: the per-second rate)')
    .option('--global-rate <rate>', 'limit all sessions together to this many requests')
    .addOption(rulesOption())
    .option('--max-message-size <size>', 'largest message accepted, e.g. 16MiB', `${DEFAULT_MAX_MESSAGE_BYTES / 1024 / 1024}MiB`)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mcp-tap record -- npx -y @modelcontextprotocol/server-everything\n' +
        '  mcp-tap record --name fs --redact params.arguments.apiKey -- node ./server.js --root /tmp\n' +
        '  mcp-tap record --url http://127.0.0.1:3001/mcp                    (stdio client, HTTP server)\n' +
        '  mcp-tap record --url http://127.0.0.1:3001/mcp --listen 127.0.0.1:8808\n' +
        '  mcp-tap record --listen 8808 -- npx -y @modelcontextprotocol/server-everything\n',
    );
  addWebOption(addTuiOption(addControlOptions(addLiveOptions(addListenOptions(command)))));
  addVerbosity(command).action(async (argv: string[], flags: RecordFlags) => {
    const logger = loggerFor(flags);
    const upstream = upstreamFrom(argv, flags);
    if (flags.replace && !flags.name) throw new UsageError('--replace goes with --name');
    const listen = flags.listen === undefined ? undefined : listenAddress(flags, logger);
    const rules = await loadRulesOption(flags.rules, logger);
    // What is shown of the upstream (tape, state file, logs) never carries its credentials.
    const shownUrl = flags.url === undefined ? undefined : redactUrl(flags.url);
    const described = upstream.kind === 'stdio' ? redactArgv([upstream.command, ...upstream.args]).join(' ') : shownUrl!;
    const control = controlOptions(flags, { title: `record ${upstream.kind === 'stdio' ? tapeStem(upstream.command, upstream.args) : shownUrl}`, upstream: described, rulesFile: flags.rules === undefined ? undefined : resolve(flags.rules) });
    // A server that cannot be reached is refused before anything starts or any tape is made.
    if (upstream.kind !== 'stdio') await checkReachable(upstream.url);
    const store = openStore(flags.store);
    let ui: InProcessTui | undefined;
    let web: InProcessWeb | undefined;
    let tape: TapeInfo | undefined;
    try {
      const stem = upstream.kind === 'stdio' ? tapeStem(upstream.command, upstream.args) : new URL(upstream.url).host.replace(/:/g, '-');
      // On stdio the tape is made when the conversation starts: a client's server/discover probe
      // on a sibling process (what SDK clients do) must not take the name or make a tape.
      const stdio = !listen;
      if (flags.replace && !stdio) store.deleteTape(flags.name!);
      const server = recordedServer(argv, flags.url, flags.header);
      const record: RecordOptions = {
        store,
        tape: { name: flags.name ?? stem, unique: flags.name === undefined, transport: upstream.kind, upstream: server.upstream, labels: parseLabels(flags.label) },
        redact: flags.redact,
        redactDefaults: flags.redactDefaults,
        secrets: server.secrets,
        defer: stdio ? { name: () => flags.name ?? stem, replace: flags.replace } : undefined,
      };
      const live = await liveInterceptors(flags, { store, upstreamUrl: upstream.kind === 'stdio' ? undefined : upstream.url, upstream: described, tape: flags.name ?? stem, logger });
      ui = startInProcessTui(flags, logger);
      web = startInProcessWeb(flags, control, store.file, logger);
      if (listen) {
        tape = await serveHttp(flags, listen, upstream, record, logger, control, rules, live);
      } else {
        const sessions = new SessionManager();
        const server = upstream.kind === 'stdio' ? { ...upstream, started: early?.claim(upstream.command, upstream.args) } : upstream;
        const result = await runStdioProxy({ upstream: server, logger, record, sessions, interceptors: [...rateLimits(flags, sessions, rules), ...rulesInterceptors(rules, { rateLimits: false }), ...live], maxMessageBytes: parseSize(flags.maxMessageSize), announcePauses: !flags.tui, ...control });
        tape = result.tape;
        if (result.startFailed) throw new UsageError(result.reason);
        process.exitCode = result.exitCode;
        if (result.probe) logger.info(`only a server/discover probe: kept for the recording that follows, in ${store.file}`);
      }
      if (tape) logger.info(`tape "${tape.name}" saved to ${store.file}`);
    } catch (error) {
      // A start that failed leaves no empty tape behind (only the one this run made: --listen
      // removes its own, see startHttpProxy).
      if (tape && store.getTape(tape.name)?.frameCount === 0) store.deleteTape(tape.name);
      throw error;
    } finally {
      ui?.stop();
      await web?.stop();
      rules?.close();
      store.close();
    }
  });
}

export function upstreamFrom(argv: string[], flags: { url?: string; transport?: string; header: string[]; maxMessageSize: string }): LiveUpstreamSpec {
  const [serverCommand, ...serverArgs] = argv;
  if (flags.url) {
    if (serverCommand) throw new UsageError('give either --url or a server command after --, not both');
    let kind: string;
    try {
      kind = flags.transport ?? guessUpstreamKind(flags.url);
    } catch {
      throw new UsageError(`--url "${flags.url}" is not a URL`);
    }
    if (!TRANSPORTS.includes(kind as (typeof TRANSPORTS)[number])) throw new UsageError(`--transport takes ${TRANSPORTS.join(', ')}, got "${String(kind)}"`);
    const problem = urlProblem(kind as (typeof TRANSPORTS)[number], flags.url);
    if (problem) throw new UsageError(`--url: ${problem}`);
    const { url, headers } = credentialsToHeader(flags.url, parseHeaders(flags.header));
    return { kind: kind as (typeof TRANSPORTS)[number], url, headers, maxMessageBytes: parseSize(flags.maxMessageSize) };
  }
  if (flags.transport) throw new UsageError('--transport goes with --url');
  if (!serverCommand) throw new UsageError('record needs a server command after -- (or --url), e.g. mcp-tap record -- npx -y @modelcontextprotocol/server-everything');
  return { kind: 'stdio', command: serverCommand, args: serverArgs, maxMessageBytes: parseSize(flags.maxMessageSize) };
}

/**
 * `https://user:password@host/mcp` as curl takes it: the credentials go in an Authorization
 * header (unless one is given), the URL is requested without them (fetch refuses such URLs, and
 * the URL is shown in places a password must not be).
 */
function credentialsToHeader(url: string, headers: Record<string, string>): { url: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url, headers };
  const basic = Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64');
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), headers: { authorization: `Basic ${basic}`, ...headers } };
}

/** The values of --header flags that carry credentials (Authorization, X-Api-Key, ...), and a Bearer token alone. */
/**
 * What a tape keeps of its server, with its credentials hidden, and the secrets to hide wherever a
 * message echoes them (a server quoting its own argv, say): from the command line, the URL and
 * --header. `argv` is the server command (empty with a URL).
 */
export function recordedServer(argv: string[], url: string | undefined, header: string[]): { upstream: { command: string[] } | { url: string }; secrets: string[] } {
  return {
    upstream: url === undefined ? { command: redactArgv(argv) } : { url: redactUrl(url) },
    secrets: [...secretsInArgv(argv), ...(url ? secretsInUrl(url) : []), ...headerSecrets(header)],
  };
}

function headerSecrets(pairs: string[]): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(parseHeaders(pairs))) {
    if (!isSecretKeyName(name)) continue;
    found.push(value);
    const scheme = /^\S+\s+(\S{4,})$/.exec(value);
    if (scheme) found.push(scheme[1]!);
  }
  return found;
}

function parseHeaders(pairs: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf(':');
    if (at <= 0) throw new UsageError(`--header takes NAME:VALUE, got "${pair}"`);
    headers[pair.slice(0, at).trim().toLowerCase()] = pair.slice(at + 1).trim();
  }
  return headers;
}

/** Serves clients over HTTP until SIGINT/SIGTERM, then shuts down cleanly; returns the tape. */
async function serveHttp(flags: RecordFlags, listen: ListenAddress, upstream: UpstreamSpec, record: RecordOptions, logger: Logger, control: ControlProxyOptions, rules: CliRules | undefined, live: Interceptor[]): Promise<TapeInfo | undefined> {
  const eventBuffer = wholeNumber('--event-buffer', flags.eventBuffer);
  const limits = listenLimits(flags, upstream.kind === 'stdio');
  const idleTimeoutMs = wholeNumber('--idle-timeout', flags.idleTimeout) * 1000;
  const drainTimeoutMs = wholeNumber('--drain-timeout', flags.drainTimeout) * 1000;
  const store = await openSessionStore(flags.sessions, {
    tapeStore: record.store.file,
    ttlMs: idleTimeoutMs,
    onStatus: (status, detail) => (status === 'down' ? logger.error(`session store unavailable: ${detail}`) : logger.info(`session store back: ${detail}`)),
  });
  // Sessions shared through Redis share their SSE events too, so resumption works across processes.
  const events =
    isRedisSpec(flags.sessions)
      ? new RedisEventLog({ redis: (store as RedisSessionStore).redis, capacity: eventBuffer, ttlMs: idleTimeoutMs, onError: (error) => logger.warn(`SSE events not saved to Redis: ${error.message}`) })
      : undefined;
  const sessions = new SessionManager({ store, idleTimeoutMs, onStoreError: (error) => logger.error(error.message) });
  // A failed start closes the session store with the proxy (startHttpProxy closes what it opened).
  const server = await startHttpProxy({
    listen,
    upstream,
    logger,
    record,
    eventBuffer,
    events,
    sessions,
    interceptors: [...rateLimits(flags, sessions, rules), ...rulesInterceptors(rules, { rateLimits: false }), ...live],
    announcePauses: !flags.tui,
    ...control,
    limits,
    policy: {
      ...listenPolicy(flags),
      maxBodyBytes: parseSize(flags.maxBodySize),
      stripHeaders: flags.stripHeader,
      allowHeaders: flags.allowHeader.length > 0 ? flags.allowHeader : undefined,
    },
  });
  logger.info(`recording to tape "${server.proxy.recorder?.tape.name}"; clients connect to:`);
  logger.info(`  Streamable HTTP  ${server.urls.streamableHttp}`);
  logger.info(`  HTTP+SSE         ${server.urls.sse}`);
  logger.info(`  WebSocket        ${server.urls.websocket}`);
  await untilSignal(logger);
  await server.close({ drainTimeoutMs });
  return server.proxy.recorder?.tape;
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info(`${signal}: shutting down`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The rate-limit interceptor the flags ask for, if any. */
/** --rate, --burst, --global-rate, and the rules file's per-method limits (followed across reloads). */
function rateLimits(flags: RecordFlags, sessions: SessionManager, rules: CliRules | undefined): Interceptor[] {
  if (flags.burst && !flags.rate) throw new UsageError('--burst goes with --rate');
  if (!flags.rate && !flags.globalRate && !rules) return [];
  const rate = (flag: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    try {
      return parseRate(value);
    } catch (error) {
      throw new UsageError(`${flag}: ${(error as Error).message}`);
    }
  };
  const burst = flags.burst === undefined ? undefined : wholeNumber('--burst', flags.burst);
  const perSecond = rate('--rate', flags.rate);
  const globalPerSecond = rate('--global-rate', flags.globalRate);
  const limiter = new RateLimitInterceptor({
    perSession: perSecond === undefined ? undefined : { perSecond, burst },
    global: globalPerSecond === undefined ? undefined : { perSecond: globalPerSecond },
    methods: rules?.rateLimits,
    sessions,
  });
  rules?.follow(limiter);
  sessions.on('cleanup', (session) => limiter.forget(session.id));
  return [limiter];
}

function wholeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a whole number, got "${value}"`);
  return n;
}
