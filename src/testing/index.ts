/**
 * `mcp-tap/testing`: tapes in your own tests, the way VCR cassettes work. A test asks for a
 * server by tape name and gets what an MCP SDK client needs to connect to it; the environment
 * variable MCP_TAP_MODE decides where the answers come from:
 *
 * - `replay` (default): from the tape, with no server running: offline and deterministic;
 * - `record`: from the real server, through mcp-tap, rewriting the tape;
 * - `passthrough`: from the real server, recording nothing.
 */
import { fileURLToPath } from 'node:url';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport as SdkTransport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { createLogger } from '../core/log.js';
import { createProxy } from '../proxy/create.js';
import { formatSummary, replayUpstream, type ReplaySummary } from '../proxy/replay.js';
import { TapeStore } from '../tape/store.js';
import { ChildProcessTransport } from '../transports/stdio.js';
import { SdkTransportAdapter } from '../transports/sdk.js';
import type { Transport } from '../transports/transport.js';

export type TapeMode = 'replay' | 'record' | 'passthrough';

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
}

const CLI = fileURLToPath(new URL('../../bin/mcp-tap.js', import.meta.url));

export function tapeMode(options: Pick<TapeServerOptions, 'mode'> = {}): TapeMode {
  const mode = options.mode ?? process.env.MCP_TAP_MODE ?? 'replay';
  if (mode !== 'replay' && mode !== 'record' && mode !== 'passthrough') {
    throw new Error(`MCP_TAP_MODE must be replay, record or passthrough, not "${mode}"`);
  }
  return mode;
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
 * The same, in process: no child process for mcp-tap itself (a real server is still spawned in
 * `record` and `passthrough`). Closing the client closes everything.
 */
export async function tapeTransport(options: TapeServerOptions): Promise<InProcessTape> {
  const mode = tapeMode(options);
  const logger = createLogger('quiet');
  const store = mode === 'passthrough' ? undefined : TapeStore.open(options.store, { create: mode === 'record' });
  let upstream: Transport;
  let summary: () => ReplaySummary | undefined = () => undefined;
  let finish = () => undefined as void;
  if (mode === 'replay') {
    const replay = replayUpstream(store!, options.tape, { ignore: options.ignore, reuse: options.reuse, speed: options.speed });
    if (replay.spec.kind !== 'replay') throw new Error('unexpected upstream');
    upstream = replay.spec.create();
    summary = () => replay.summary();
    finish = () => replay.close();
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
