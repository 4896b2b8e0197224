/** What the commands share: the store option, failing with a one-line error, output helpers. */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { TapeError } from '../tape/errors.js';
import { TapeStore, resolveStorePath, type OpenOptions } from '../tape/store.js';
import { createLogger, type Logger } from '../core/log.js';

/**
 * The exit status every command keeps to: 0 when all went well, 1 when the check the command
 * makes failed (drift, a miss under --strict, tapes that differ), 2 for a usage or runtime error
 * (a wrong flag, no such tape, a port in use, a server that cannot be reached). `record` and a
 * spawned server are the one exception: a server that ran exits with its own status.
 */
export const EXIT = { ok: 0, checkFailed: 1, error: 2 } as const;

/** The "Exit status" paragraph of a command's --help; `check` names what makes it exit 1. */
export function exitStatusHelp(check?: string): string {
  return `\nExit status: 0 ok${check ? `, 1 ${check}` : ''}, 2 usage or runtime error.\n`;
}

/** mcp-tap's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** An error meant for the user: printed as one line, exit status 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.error;

  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function storeOption(): Option {
  return new Option('--store <file>', 'tape store file (env MCP_TAP_STORE, default ./tapes/tapes.db)');
}

export function openStore(flag: string | undefined, options: OpenOptions = {}): TapeStore {
  return TapeStore.open(resolveStorePath(flag), { onWarning: (message) => process.stderr.write(`mcp-tap: warning: ${message}\n`), ...options });
}

export interface VerbosityOptions {
  quiet?: boolean;
  verbose?: boolean;
}

export function addVerbosity(command: Command): Command {
  return command.option('-q, --quiet', 'print only errors on stderr').option('-v, --verbose', 'print debugging detail on stderr');
}

export function loggerFor(options: VerbosityOptions): Logger {
  return createLogger(options.quiet ? 'quiet' : options.verbose ? 'verbose' : 'normal');
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Prints an error the user can act on, without a stack trace, and returns the exit status (2). */
export function reportError(error: unknown): number {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`mcp-tap: ${message}\n`);
  const expected = error instanceof UsageError || error instanceof TapeError;
  if (!expected && process.env.MCP_TAP_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return EXIT.error;
}

/**
 * A reader that stops early (`mcp-tap tapes export BIG | head`) closes the pipe: the rest of the
 * output has nowhere to go, which is no error of ours. Only for commands whose stdout is output,
 * never for a stdio proxy, whose stdout is the MCP stream.
 */
export function quietOnBrokenPipe(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? EXIT.ok);
  });
}

/**
 * How a person can run this mcp-tap from here, for hints: `mcp-tap` when that is on PATH and is
 * this one, `npx mcp-tap` inside its own checkout, else node and the launcher's path.
 */
export function selfInvocation(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const launcher = fileURLToPath(new URL('../../bin/mcp-tap.js', import.meta.url));
  const real = (file: string) => {
    try {
      return realpathSync(file);
    } catch {
      return undefined;
    }
  };
  const self = real(launcher);
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && self !== undefined && real(join(dir, 'mcp-tap')) === self) return 'mcp-tap';
  }
  try {
    const manifest = join(cwd, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'mcp-tap') return 'npx mcp-tap';
  } catch {
    // Not a readable package.json: fall through.
  }
  return `node ${launcher}`;
}

/**
 * A duration as milliseconds: `250ms`, `2s`, `5m`, `12h`, `30d`, or a bare number of `unit`s
 * (`--max-duration 500` is 500 ms; `--max-age 30` is 30 days).
 */
export function parseDuration(flag: string, text: string, unit: 'ms' | 'd' = 'ms'): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`${flag} takes a duration such as 500ms, 2s, 5m, 12h or 30d (got "${text}")`);
  const factor: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  return Number(match[1]) * factor[(match[2] ?? unit).toLowerCase()]!;
}
