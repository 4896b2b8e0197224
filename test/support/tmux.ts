/**
 * A real terminal for tests: panes of a tmux server of the test's own (its own socket, so no one's
 * sessions are touched and killing it cleans up everything), read back with capture-pane.
 */
import { execFileSync } from 'node:child_process';
import { missingTool } from './tools.js';
import { ROOT } from './paths.js';

/** Shell-quotes one word for a pane's command line. */
export const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/**
 * The command line for a pane: `env` vars set, the command's words quoted, and the pane kept for
 * a minute after it exits so a failure can still be read. CI=... makes Ink print only a final
 * frame; a person's terminal has no such variable.
 */
export function paneCommand(env: Record<string, string>, argv: string[]): string {
  return ['env -u CI -u CONTINUOUS_INTEGRATION', ...Object.entries(env).map(([k, v]) => `${k}=${quote(v)}`), ...argv.map(quote), '; sleep 60'].join(' ');
}

/** Why tmux cannot be used here ('' when it can), asked once. */
let tmuxMissing: string | undefined;

export class Tmux {
  readonly socket: string;

  constructor(name: string) {
    this.socket = `mcp-tap-${name}-${process.pid}`;
  }

  run(...args: string[]): string {
    // Without tmux, the test that needs it says so and was not run; the file's others still run.
    tmuxMissing ??= missingTool('tmux', '-V') ?? '';
    if (tmuxMissing) throw new Error(tmuxMissing);
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  start(pane: string, command: string, size: { columns: number; rows: number } = { columns: 160, rows: 50 }): void {
    this.run('new-session', '-d', '-x', String(size.columns), '-y', String(size.rows), '-s', pane, '-c', ROOT, command);
  }

  /** What the pane shows; with `escapes`, with the colours and attributes as escape sequences. */
  screen(pane: string, escapes = false): string {
    return this.run('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', pane);
  }

  async until(pane: string, check: (text: string) => boolean, what: string, options: { timeoutMs?: number; escapes?: boolean } = {}): Promise<string> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    for (;;) {
      const text = this.screen(pane, options.escapes);
      if (check(text)) return text;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the pane showed:\n${this.screen(pane)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  keys(pane: string, ...keys: string[]): void {
    this.run('send-keys', '-t', pane, ...keys);
  }

  /** Types text as it is (tmux would read words like "Enter" as key names). */
  type(pane: string, text: string): void {
    this.run('send-keys', '-t', pane, '-l', text);
  }

  resize(pane: string, columns: number, rows: number): void {
    this.run('resize-window', '-t', pane, '-x', String(columns), '-y', String(rows));
  }

  kill(): void {
    try {
      this.run('kill-server');
    } catch {
      // Already gone.
    }
  }
}
