/**
 * Runs a stdio proxy: our stdin/stdout on one side, a spawned server on the other. Owns the
 * process lifecycle: the server's exit ends the proxy with the server's status; the client
 * closing stdin shuts the server down the MCP way; SIGINT/SIGTERM flush the tape first.
 */
import type { Logger } from '../core/log.js';
import { stdioDownstream } from '../transports/stdio.js';
import type { CloseInfo, Transport } from '../core/transport.js';
import type { TapeInfo } from '../tape/types.js';
import { createProxy, type Proxy, type ProxyOptions } from './create.js';
import { createUpstream, describeUpstream, type UpstreamSpec } from './upstream.js';

export interface StdioProxyOptions extends ProxyOptions {
  /** The server: a command to spawn (shorthand for a stdio upstream) or any upstream. */
  command?: string;
  args?: string[];
  upstream?: UpstreamSpec;
  maxMessageBytes?: number;
  /** Defaults to this process's stdin/stdout. */
  downstream?: Transport;
  /** The server's stderr: passed through to ours unless told otherwise. */
  serverStderr?: 'inherit' | 'ignore';
}

export interface StdioProxyResult {
  exitCode: number;
  reason: string;
  /** The server never came up (its command could not be run). */
  startFailed?: boolean;
  /** The tape written, when recording (none when the conversation was only a probe). */
  tape?: TapeInfo;
  /** The conversation was only a server/discover probe: kept for the recording that follows. */
  probe?: boolean;
}

/** The exit status a shell would report for the server (0 when an HTTP upstream was closed by us). */
export function exitStatus(info: CloseInfo): number {
  if (typeof info.exitCode === 'number') return info.exitCode;
  if (info.signal) return 128 + (SIGNAL_NUMBERS[info.signal] ?? 1);
  return 1;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export async function runStdioProxy(options: StdioProxyOptions): Promise<StdioProxyResult> {
  const proxy = createProxy(options);
  const { logger } = proxy;
  const spec: UpstreamSpec = options.upstream ?? {
    kind: 'stdio',
    command: options.command ?? '',
    args: options.args ?? [],
    stderr: options.serverStderr,
    maxMessageBytes: options.maxMessageBytes,
  };
  if (spec.kind === 'stdio' && !spec.command) throw new Error('no server command given');
  const session = await proxy.sessions.create('stdio', { upstream: describeUpstream(spec) });
  const upstream = createUpstream(spec, { logger });
  const downstream = options.downstream ?? stdioDownstream({ maxMessageBytes: options.maxMessageBytes });

  const finalFlush = () => proxy.recorder?.flush();
  process.once('exit', finalFlush);

  const done = new Promise<StdioProxyResult>((resolve) => {
    proxy.pipeline.connect(session, downstream, upstream, {
      upstreamClosed: (info) => {
        if (info.exitCode !== 0 || info.signal) logger.info(info.reason);
        resolve({ exitCode: exitStatus(info), reason: info.reason, startFailed: info.startFailed });
      },
      downstreamClosed: (info) => {
        logger.debug(`${info.reason}; stopping the server`);
        void upstream.close();
      },
    });
  });

  const onSignal = (signal: NodeJS.Signals) => {
    logger.debug(`received ${signal}; stopping the server and saving the tape`);
    proxy.recorder?.flush();
    void upstream.close();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  await upstream.start();
  await downstream.start();
  const result = await done;
  await downstream.close();

  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  await settle(proxy, logger);
  process.off('exit', finalFlush);
  return { ...result, tape: proxy.recorder?.openedTape, probe: proxy.recorder?.keptAsProbe };
}

/** Lets decisions already under way finish (bounded), then closes the proxy and its tape. */
async function settle(proxy: Proxy, logger: Logger): Promise<void> {
  const deadline = Date.now() + 1000;
  while (proxy.pipeline.busy > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  if (proxy.pipeline.busy > 0) logger.warn(`${proxy.pipeline.busy} message(s) were still being decided at exit`);
  await proxy.close();
}
