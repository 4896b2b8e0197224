/** What the attacks share: the proxy as a real process, and a place to report figures. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { CLI } from '../support/paths.js';

/** Prints a line of figures the way docs/security.md quotes them. */
export function report(attack: string, figures: Record<string, unknown>): void {
  process.stdout.write(`attack ${attack}: ${JSON.stringify(figures)}\n`);
}

export interface ProxyProcess {
  child: ChildProcess;
  stderr: () => string;
  /** Peak resident memory (MiB), from /proc. */
  peakRssMiB: () => number;
  openFds: () => number;
  stop(): Promise<number | null>;
}

/** `mcp-tap record ARGS` as its own process; resolves once `ready` shows on stderr (if given). */
export async function startProxyProcess(args: string[], ready?: RegExp): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [CLI, 'record', '--no-control', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  if (ready) {
    for (let i = 0; i < 200 && !ready.test(err); i++) await new Promise((r) => setTimeout(r, 25));
    if (!ready.test(err)) throw new Error(`the proxy did not start: ${err}`);
  }
  const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
  return {
    child,
    stderr: () => err,
    peakRssMiB: () => Math.round(status('VmHWM') / 1024),
    openFds: () => readdirSync(`/proc/${child.pid}/fd`).length,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}
