/**
 * `mcp-tap/testing`: tapes in your own tests, the way VCR cassettes work. A test asks for a
 * server by tape name and gets what an MCP SDK client needs to connect to it; the environment
 * variable MCP_TAP_MODE decides where the answers come from:
 *
 * - `replay` (default): from the tape, with no server running: offline and deterministic;
 * - `record`: from the real server, through mcp-tap, rewriting the tape;
 * - `passthrough`: from the real server, recording nothing;
 * - `record-missing`: from the tape when it exists, else from the real server, recording it.
 *
 * A tape may expire (`maxAge`, env MCP_TAP_MAX_AGE): an older one warns, fails or is recorded
 * again (`onExpired`, env MCP_TAP_ON_EXPIRED: warn, error or record). With `usage` (env
 * MCP_TAP_USAGE) each replay notes which recorded requests it used, for `tapes prune --unused`.
 */
import { fileURLToPath } from 'node:url';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport as SdkTransport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createLogger } from '../core/log.js';
import { createProxy } from '../proxy/create.js';
import { formatSummary, replayUpstream, type ReplaySummary } from '../proxy/replay.js';
import { TapeStore } from '../tape/store.js';
import { EXPIRY_STRATEGIES, expired, type ExpiryStrategy } from '../tape/expiry.js';
import { appendUsage } from '../tape/prune.js';
import { ChildProcessTransport } from '../transports/stdio.js';
import { SdkTransportAdapter } from '../transports/sdk.js';
import type { Transport } from '../core/transport.js';

export type TapeMode = 'replay' | 'record' | 'passthrough' | 'record-missing';

const MODES: readonly TapeMode[] = ['replay', 'record', 'passthrough', 'record-missing'];

export interface TapeServerOptions {
  /** The tape store file. */
  store: string;
  /** The tape's name in the store. */
  tape: string;
  /** The real server, for `record` and `passthrough`. */
  server?: { command: string; args?: string[]; env?: Record<string, string> };
  /** Overrides MCP_TAP_MODE. */
  mode?: TapeMode;
  /** Replay matching: params paths to ignore, serving the last answer again, timing. */
  ignore?: string[];
  reuse?: boolean;
  speed?: number;
  /** Replay fails (at the end) on a miss, an unused recording or a client answer that differs. */
  strict?: boolean;
  /** A tape older than this has expired: `30d`, `12h` (a number is days). Env MCP_TAP_MAX_AGE. */
  maxAge?: string | number;
  /** What an expired tape does: warn (replay it), error (refuse), record (record it again). Env MCP_TAP_ON_EXPIRED; default warn. */
  onExpired?: ExpiryStrategy;
  /** Append which recorded requests each replay used to this file. Env MCP_TAP_USAGE. */
  usage?: string;
}

const CLI = fileURLToPath(new URL('../../bin/mcp-tap.js', import.meta.url));

export function tapeMode(options: Pick<TapeServerOptions, 'mode'> = {}): TapeMode {
  const mode = options.mode ?? process.env.MCP_TAP_MODE ?? 'replay';
  if (!MODES.includes(mode as TapeMode)) throw new Error(`MCP_TAP_MODE must be ${MODES.join(', ')}, not "${mode}"`);
  return mode as TapeMode;
}

/** The expiry settings, from the options or the environment. */
function expiryOf(options: TapeServerOptions): { maxAge?: string; onExpired: ExpiryStrategy } {
  const maxAge = options.maxAge ?? process.env.MCP_TAP_MAX_AGE;
  const onExpired = (options.onExpired ?? process.env.MCP_TAP_ON_EXPIRED ?? 'warn') as ExpiryStrategy;
  if (!EXPIRY_STRATEGIES.includes(onExpired)) throw new Error(`MCP_TAP_ON_EXPIRED must be ${EXPIRY_STRATEGIES.join(', ')}, not "${onExpired}"`);
  return { maxAge: maxAge === undefined || maxAge === '' ? undefined : String(maxAge), onExpired };
}

/** A max age as milliseconds: `30d`, `12h`, `90m`, `10s`, or a number of days. */
function maxAgeMs(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text.trim());
  if (!match) throw new Error(`maxAge must be a duration such as 30d or 12h, not "${text}"`);
  const factor: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(match[1]) * factor[(match[2] ?? 'd').toLowerCase()]!;
}

function requireServer(options: TapeServerOptions, mode: TapeMode): NonNullable<TapeServerOptions['server']> {
  if (!options.server) throw new Error(`MCP_TAP_MODE=${mode} needs the real server: pass { server: { command, args } }`);
  return options.server;
}

/** A command line for the SDK's StdioClientTransport: `new StdioClientTransport(tapeServer({...}))`. */
export function tapeServer(options: TapeServerOptions): { command: string; args: string[]; env?: Record<string, string>; mode: TapeMode } {
  const mode = tapeMode(options);
  if (mode === 'passthrough') {
    const server = requireServer(options, mode);
    return { mode, command: server.command, args: server.args ?? [], env: server.env };
  }
  if (mode === 'record') {
    const server = requireServer(options, mode);
    return { mode, command: process.execPath, args: [CLI, 'record', '-q', '--store', options.store, '--name', options.tape, '--replace', '--', server.command, ...(server.args ?? [])], env: server.env };
  }
  const args = [CLI, 'replay', options.tape, '--store', options.store, '-q'];
  for (const path of options.ignore ?? []) args.push('--ignore', path);
  if (options.reuse) args.push('--reuse');
  if (options.speed) args.push('--speed', String(options.speed));
  if (options.strict) args.push('--strict');
  const usage = options.usage ?? process.env.MCP_TAP_USAGE;
  if (usage) args.push('--usage', usage);
  const { maxAge, onExpired } = expiryOf(options);
  if (maxAge !== undefined) args.push('--max-age', maxAge, '--on-expired', onExpired);
  // The real server goes along whenever the replay may have to record.
  if (mode === 'record-missing' || (maxAge !== undefined && onExpired === 'record')) {
    const server = requireServer(options, mode);
    if (mode === 'record-missing') args.push('--record-missing');
    args.push('--', server.command, ...(server.args ?? []));
    return { mode, command: process.execPath, args, env: server.env };
  }
  return { mode, command: process.execPath, args };
}

/**
 * The client's end of the link, whose close() resolves once everything behind it has closed: the
 * server stopped and the tape written, so a test (or a process) that ends right after keeps it all.
 */
class ClosingTransport implements SdkTransport {
  constructor(
    private readonly inner: SdkTransport,
    private readonly done: Promise<void>,
  ) {}

  get onmessage() {
    return this.inner.onmessage;
  }
  set onmessage(handler) {
    this.inner.onmessage = handler;
  }
  get onclose() {
    return this.inner.onclose;
  }
  set onclose(handler) {
    this.inner.onclose = handler;
  }
  get onerror() {
    return this.inner.onerror;
  }
  set onerror(handler) {
    this.inner.onerror = handler;
  }
  get sessionId() {
    return this.inner.sessionId;
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(...args: Parameters<SdkTransport['send']>): Promise<void> {
    return this.inner.send(...args);
  }

  async close(): Promise<void> {
    await this.inner.close();
    await this.done;
  }
}

export interface InProcessTape {
  /** Give this to `client.connect()`. */
  transport: SdkTransport;
  mode: TapeMode;
  /** For replay: what was matched, missed and left unused so far. */
  summary(): ReplaySummary | undefined;
  /** Lines describing the summary, for a test's failure message. */
  describe(): string[];
}

/**
 * What an in-process run does: `record-missing` records a tape that is not there yet and replays
 * one that is; an expired tape warns (on stderr), fails or is recorded again.
 */
function effectiveMode(asked: TapeMode, store: TapeStore, options: TapeServerOptions): 'replay' | 'record' {
  if (asked === 'record') return 'record';
  const tape = store.getTape(options.tape);
  if (!tape) return asked === 'record-missing' ? 'record' : 'replay';
  const { maxAge, onExpired } = expiryOf(options);
  const said = maxAge === undefined ? undefined : expired(tape, maxAgeMs(maxAge), `maxAge ${maxAge}`);
  if (said === undefined) return 'replay';
  if (onExpired === 'record') return 'record';
  if (onExpired === 'error') {
    store.close();
    throw new Error(`${said}: record it again (MCP_TAP_MODE=record, or onExpired: 'record')`);
  }
  process.stderr.write(`mcp-tap: ${said}; replaying it anyway\n`);
  return 'replay';
}

/**
 * The same, in process: no child process for mcp-tap itself (a real server is still spawned in
 * `record` and `passthrough`). Closing the client closes everything.
 */
export async function tapeTransport(options: TapeServerOptions): Promise<InProcessTape> {
  const asked = tapeMode(options);
  const logger = createLogger('quiet');
  const store = asked === 'passthrough' ? undefined : TapeStore.open(options.store, { create: asked === 'record' || asked === 'record-missing' });
  const mode = store ? effectiveMode(asked, store, options) : asked;
  let upstream: Transport;
  let summary: () => ReplaySummary | undefined = () => undefined;
  let finish = () => undefined as void;
  if (mode === 'replay') {
    const replay = replayUpstream(store!, options.tape, { ignore: options.ignore, reuse: options.reuse, speed: options.speed, strict: options.strict });
    if (replay.spec.kind !== 'replay') throw new Error('unexpected upstream');
    upstream = replay.spec.create();
    summary = () => replay.summary();
    const usage = options.usage ?? process.env.MCP_TAP_USAGE;
    finish = () => {
      replay.close();
      if (!usage) return;
      const tape = store!.requireTape(options.tape);
      const s = replay.summary();
      appendUsage(usage, { tape: tape.name, createdAt: tape.createdAt, frames: tape.frameCount, at: new Date().toISOString(), strict: options.strict === true, clean: s.missed.length === 0 && s.unused.length === 0 && s.answerDifferences.length === 0, missed: s.missed.length, used: s.used });
    };
  } else {
    const server = requireServer(options, mode);
    if (mode === 'record') store!.deleteTape(options.tape);
    upstream = new ChildProcessTransport({ command: server.command, args: server.args ?? [], env: { ...process.env, ...server.env }, stderr: 'ignore', shutdownGraceMs: 500 });
  }
  const proxy = createProxy({
    logger,
    record: mode === 'record' ? { store: store!, tape: { name: options.tape, transport: 'stdio', upstream: { command: [options.server!.command, ...(options.server!.args ?? [])] } } } : undefined,
  });
  const session = await proxy.sessions.create('memory');
  const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
  const downstream = new SdkTransportAdapter(proxySide);
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  proxy.pipeline.connect(session, downstream, upstream, {
    downstreamClosed: () => void upstream.close(),
    upstreamClosed: () => {
      void proxy
        .close()
        .then(() => {
          finish();
          store?.close();
        })
        .finally(finished);
    },
  });
  await upstream.start();
  await downstream.start();
  return {
    transport: new ClosingTransport(clientSide, done),
    mode,
    summary,
    describe: () => {
      const s = summary();
      return s ? formatSummary(s) : [`mode ${mode}: nothing to summarise`];
    },
  };
}
