/**
 * `mcp-tap record` driven by hand: raw lines in on its stdin, every stdout line captured, so a
 * test sees exactly what a client would.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI } from './paths.js';

export interface RawProxy {
  child: ChildProcessWithoutNullStreams;
  /** Every line the proxy wrote to stdout, parsed (a test fails on a line that is not JSON). */
  out: unknown[];
  /** The same lines, as written. */
  lines: string[];
  stderr: () => string;
  send(line: string): void;
  /** Waits for a stdout message that satisfies `match`. */
  next(match: (message: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `command`: the mcp-tap command driven (record, or replay). */
export function rawProxy(args: string[], command = 'record'): RawProxy {
  const child = spawn(process.execPath, [CLI, command, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: unknown[] = [];
  const lines: string[] = [];
  const waiters: { match: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  createInterface({ input: child.stdout }).on('line', (line) => {
    // Anything on stdout that is not JSON would break a real client: JSON.parse throws here.
    const message = JSON.parse(line) as Record<string, unknown>;
    lines.push(line);
    out.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    out,
    lines,
    stderr: () => err,
    send: (line) => child.stdin.write(`${line}\n`),
    next: (match, timeoutMs = 10_000) => {
      const found = out.find((m) => match(m as Record<string, unknown>));
      if (found) return Promise.resolve(found as Record<string, unknown>);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching message within ${timeoutMs} ms; got ${JSON.stringify(out)}; stderr: ${err}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    exited,
  };
}

export const request = (id: number | string, method: string, params?: unknown) => JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
