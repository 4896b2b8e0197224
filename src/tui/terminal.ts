/**
 * The controlling terminal (/dev/tty) as streams the UI can draw on and read keys from: what
 * `--tui` uses, since a stdio proxy's stdout is the MCP pipe. Node follows the size of
 * process.stdout only; for this stream the caller forwards SIGWINCH and `refreshSize` reads the
 * new size and tells the UI (a 'resize' event), as Node does for process.stdout.
 */
import { closeSync, openSync } from 'node:fs';
import tty from 'node:tty';

export interface Terminal {
  input: tty.ReadStream;
  output: tty.WriteStream;
  fds: { input: number; output: number };
  /** Reads the terminal's size again; emits 'resize' on `output` when it changed. */
  refreshSize(): void;
  close(): void;
}

type Sized = tty.WriteStream & { _refreshSize?: () => void };

export function openTerminal(path = '/dev/tty'): Terminal {
  const inputFd = openSync(path, 'r');
  let outputFd: number;
  try {
    outputFd = openSync(path, 'w');
  } catch (error) {
    closeSync(inputFd);
    throw error;
  }
  const input = new tty.ReadStream(inputFd);
  const output = new tty.WriteStream(outputFd);
  return {
    input,
    output,
    fds: { input: inputFd, output: outputFd },
    refreshSize: () => {
      // tty.WriteStream caches its size; _refreshSize is what Node's own SIGWINCH handler calls for process.stdout.
      const sized = output as Sized;
      if (typeof sized._refreshSize === 'function') return sized._refreshSize();
      output.emit('resize');
    },
    close: () => {
      input.destroy();
      output.destroy();
      // libuv draws on its own reopened copy of a tty; the descriptors opened here stay ours to close.
      for (const fd of [inputFd, outputFd]) {
        try {
          closeSync(fd);
        } catch {
          // Already closed.
        }
      }
    },
  };
}

/**
 * Puts the terminal back as a shell wants it, after a UI that may have died without doing so
 * itself: cooked mode, the main screen, the cursor shown.
 */
export function restoreTerminal(path = '/dev/tty'): void {
  let terminal: Terminal | undefined;
  try {
    terminal = openTerminal(path);
    terminal.input.setRawMode(false);
    terminal.output.write('\u001B[?1049l\u001B[?25h');
  } catch {
    // No terminal to restore.
  } finally {
    terminal?.close();
  }
}
