/**
 * `--tui` on record and replay: the same UI as `mcp-tap attach`, in the proxy's own process. It
 * draws on the controlling terminal (/dev/tty), never on stdout, which carries MCP on stdio. It
 * reaches the proxy through the proxy's own control channel, found by this process's state file.
 */
import { openSync, closeSync } from 'node:fs';
import tty from 'node:tty';
import type { Command } from 'commander';
import type { Logger } from '../core/log.js';
import { connectControl } from '../control/client.js';
import { listRunningProxies } from '../control/state.js';
import type { ProxyStateFile } from '../control/protocol.js';
// The UI (Ink, React, a layout engine) is loaded only when --tui is given: it is most of the
// CLI's start-up time and memory, which every proxy would otherwise pay for.
import type { RunningTui } from '../tui/run.js';
import { UsageError } from './common.js';

export interface TuiFlags {
  tui?: boolean;
  /** false with --no-control. */
  control: boolean;
  rules?: string;
}

export function addTuiOption(command: Command): Command {
  return command.option('--tui', 'show the interactive UI on the controlling terminal (/dev/tty; never on stdout), as mcp-tap attach does');
}

/** The terminal this process was started from, as streams Ink can draw on and read keys from. */
interface Terminal {
  input: tty.ReadStream;
  output: tty.WriteStream;
  fds: { input: number; output: number };
  close(): void;
}

function openTerminal(): Terminal {
  const inputFd = openSync('/dev/tty', 'r');
  let outputFd: number;
  try {
    outputFd = openSync('/dev/tty', 'w');
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

/** Our own state file, once the control channel listens (it is written asynchronously). */
async function ownStateFile(timeoutMs = 10_000): Promise<ProxyStateFile | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const own = listRunningProxies().find((p) => p.pid === process.pid);
    if (own) return own;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

export interface InProcessTui {
  /** Takes the UI down (the proxy is ending). Safe to call twice. */
  stop(): void;
}

/**
 * Starts the UI when --tui was given. Without a terminal it warns and the proxy runs on without a
 * UI; quitting the UI leaves the proxy running too.
 */
export function startInProcessTui(flags: TuiFlags, logger: Logger): InProcessTui | undefined {
  if (!flags.tui) return undefined;
  if (!flags.control) throw new UsageError('--tui needs the control channel; leave out --no-control');
  let terminal: Terminal;
  try {
    terminal = openTerminal();
  } catch (error) {
    logger.warn(`--tui: no terminal to draw on (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); running without the UI`);
    return undefined;
  }
  let stopped = false;
  let running: RunningTui | undefined;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    running?.stop();
    if (!running) terminal.close();
  };
  void (async () => {
    const own = await ownStateFile();
    if (stopped) return;
    if (!own) {
      logger.warn('--tui: the control channel did not start; running without the UI');
      return stop();
    }
    try {
      const [link, { startTui }] = await Promise.all([connectControl(own), import('../tui/run.js')]);
      if (stopped) return link.close();
      running = startTui({ link, stdin: terminal.input as unknown as NodeJS.ReadStream, stdout: terminal.output as unknown as NodeJS.WriteStream, editorTerminal: terminal.fds, rulesFile: flags.rules });
      await running.done;
    } catch (error) {
      logger.warn(`--tui: ${(error as Error).message}; running without the UI`);
    }
    terminal.close();
  })();
  return { stop };
}
