/**
 * Diagnostics go to stderr (or a sink the caller chooses), never stdout: in stdio mode stdout
 * carries the MCP stream and one stray line breaks the client.
 */
export type LogLevel = 'quiet' | 'normal' | 'verbose';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export function createLogger(level: LogLevel = 'normal', write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const out = (prefix: string, message: string) => write(`mcp-tap: ${prefix}${message}\n`);
  return {
    info: (m) => level !== 'quiet' && out('', m),
    warn: (m) => level !== 'quiet' && out('warning: ', m),
    error: (m) => out('error: ', m),
    debug: (m) => level === 'verbose' && out('', m),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {}, debug() {} };
