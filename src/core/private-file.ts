/** Files mcp-tap writes for a person (exports, reports): readable only by their owner. */
import { closeSync, fchmodSync, openSync, writeSync } from 'node:fs';

/**
 * Writes `text` to `file`, readable only by its owner, even when it already existed with a wider
 * mode. A file that cannot be opened is an Error saying so in one line (`cannot write FILE: EACCES`).
 */
export function writePrivateFile(file: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'w', 0o600);
  } catch (error) {
    throw new Error(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    // The mode of a file that was there already is narrowed too.
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
