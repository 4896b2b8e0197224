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

/**
 * Peer-controlled text made inert for a terminal: control characters (C0, C1, DEL) and the
 * bidirectional overrides are shown as \uXXXX escapes instead of acting on the screen.
 */
export function inert(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
