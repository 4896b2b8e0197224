/** What the commands share: the store option, failing with a one-line error, output helpers. */
import { Command, Option } from 'commander';
import { TapeError } from '../tape/errors.js';
import { TapeStore, resolveStorePath, type OpenOptions } from '../tape/store.js';
import { createLogger, type Logger } from '../core/log.js';

/** An error meant for the user: printed as one line, exit code as given. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
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

/** Prints an error the user can act on, without a stack trace, and returns the exit code. */
export function reportError(error: unknown): number {
  if (error instanceof UsageError || error instanceof TapeError) {
    process.stderr.write(`mcp-tap: ${error.message}\n`);
    return error instanceof UsageError ? error.exitCode : 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`mcp-tap: ${message}\n`);
  if (process.env.MCP_TAP_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  return 1;
}
