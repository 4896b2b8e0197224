/**
 * stdio on both sides: this process's own stdin/stdout towards the client, and a spawned child
 * towards the server. The child is started without a shell, so arguments are never re-parsed.
 */
import type { ChildProcess } from 'node:child_process';
import { LineStreamTransport, type LineStreamOptions } from './line-stream.js';
import { spawnServer, type ServerProcess } from './server-process.js';
import type { CloseInfo } from '../core/transport.js';

/** The client side of a stdio proxy: messages in on our stdin, out on our stdout. */
export function stdioDownstream(options: LineStreamOptions = {}): LineStreamTransport {
  return new LineStreamTransport('stdio', process.stdin, process.stdout, { endReason: 'client closed stdin', ...options });
}

export interface ChildServerOptions extends LineStreamOptions {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the server's stderr goes: passed through to ours by default. */
  stderr?: 'inherit' | 'pipe' | 'ignore';
  /** The server already started (with these command and options), instead of spawning it here. */
  started?: ServerProcess;
  /** How long to wait after closing the child's stdin before SIGTERM, then SIGKILL. */
  shutdownGraceMs?: number;
}

export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `server was killed by ${signal}`;
  return `server exited with code ${code ?? 'unknown'}`;
}

/** The server side: a child process speaking MCP on its stdin/stdout. */
export class ChildProcessTransport extends LineStreamTransport {
  readonly child: ChildProcess;
  private readonly exited: Promise<CloseInfo>;

  constructor(private readonly childOptions: ChildServerOptions) {
    const { child, outcome } = childOptions.started ?? spawnServer(childOptions.command, childOptions.args, childOptions);
    super('stdio', child.stdout!, child.stdin!, { ...childOptions, closeOnInputEnd: false });
    this.child = child;
    this.exited = outcome.then((ended) => {
      const info: CloseInfo =
        'error' in ended
          ? { reason: `could not start "${childOptions.command}": ${ended.error.message}`, exitCode: 127, signal: null, startFailed: child.pid === undefined }
          : { reason: describeExit(ended.code, ended.signal), exitCode: ended.code, signal: ended.signal };
      this.finish(info);
      return info;
    });
  }

  /** Resolves when the child has exited and its output is drained. */
  whenExited(): Promise<CloseInfo> {
    return this.exited;
  }

  /** The MCP stdio shutdown: close stdin, wait, then SIGTERM, then SIGKILL. */
  override async close(): Promise<void> {
    const grace = this.childOptions.shutdownGraceMs ?? 2000;
    this.flush();
    if (!this.child.stdin!.writableEnded) this.child.stdin!.end();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const timeout = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
    if ((await Promise.race([this.exited, timeout(grace)])) !== 'timeout') return;
    this.child.kill('SIGTERM');
    if ((await Promise.race([this.exited, timeout(grace)])) !== 'timeout') return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}
