/**
 * stdio on both sides: this process's own stdin/stdout towards the client, and a spawned child
 * towards the server. The child is started without a shell, so arguments are never re-parsed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LineStreamTransport, type LineStreamOptions } from './line-stream.js';
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
    const child = spawn(childOptions.command, childOptions.args, {
      shell: false,
      stdio: ['pipe', 'pipe', childOptions.stderr ?? 'inherit'],
      env: childOptions.env ?? process.env,
      cwd: childOptions.cwd,
      windowsHide: true,
    });
    super('stdio', child.stdout!, child.stdin!, { ...childOptions, closeOnInputEnd: false });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => {
        const info: CloseInfo = { reason: `could not start "${childOptions.command}": ${error.message}`, exitCode: 127, signal: null, startFailed: child.pid === undefined };
        this.finish(info);
        resolve(info);
      });
      // 'close' (not 'exit'): by then the child's stdout is drained, so no message is lost.
      child.once('close', (code, signal) => {
        const info: CloseInfo = { reason: describeExit(code, signal), exitCode: code, signal };
        this.finish(info);
        resolve(info);
      });
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
