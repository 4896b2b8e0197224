/**
 * Starting a stdio server: the one place that says how it is spawned (no shell, its stdin and
 * stdout as pipes), and what became of it. It imports nothing but child_process, so the command
 * line can start a server before the rest of itself is loaded (see cli/early-server.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the server's stderr goes: passed through to ours by default. */
  stderr?: 'inherit' | 'pipe' | 'ignore';
}

/** How the process ended: it could not be started, or it exited (its output drained). */
export type ServerOutcome = { error: Error } | { code: number | null; signal: NodeJS.Signals | null };

export interface ServerProcess {
  child: ChildProcess;
  /**
   * Settles once, on the first of 'error' and 'close'. Listened for from the spawn on, so a
   * server that fails or exits before anyone reads it is neither missed nor an unhandled error.
   */
  outcome: Promise<ServerOutcome>;
}

export function spawnServer(command: string, args: string[], options: ServerProcessOptions = {}): ServerProcess {
  const child = spawn(command, args, {
    shell: false,
    stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
    env: options.env ?? process.env,
    cwd: options.cwd,
    windowsHide: true,
  });
  const outcome = new Promise<ServerOutcome>((resolve) => {
    child.once('error', (error) => resolve({ error }));
    // 'close' (not 'exit'): by then the child's stdout is drained, so no message is lost.
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  return { child, outcome };
}
