/**
 * `--tui` on record and replay: the same UI as `mcp-tap attach`, in the proxy's own process but
 * on a thread of its own (src/tui/worker.ts), so drawing never runs on the proxy's event loop. It
 * draws on the controlling terminal (/dev/tty), never on stdout, which carries MCP on stdio, and
 * reaches the proxy through the proxy's own control channel, found by this process's state file.
 */
import { Worker } from 'node:worker_threads';
import { closeSync, openSync } from 'node:fs';
import type { Command } from 'commander';
import type { Logger } from '../core/log.js';
import { listRunningProxies } from '../control/state.js';
import type { ProxyStateFile } from '../control/protocol.js';
// The UI (Ink, React, a layout engine) is loaded only when --tui is given, and then in the
// worker: it is most of the CLI's start-up time and memory, which every proxy would otherwise pay for.
import type { FromWorker, ToWorker, WorkerInput } from '../tui/worker.js';
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

/** Whether this process has a controlling terminal to draw on. */
function hasTerminal(): string | undefined {
  try {
    closeSync(openSync('/dev/tty', 'r'));
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
}

// eslint-disable-next-line no-control-regex -- terminal escape sequences are what it removes
const ESCAPE_SEQUENCE = /\u001B\[[0-9;?]*[A-Za-z]/g;

/** How long a UI asked to stop gets to put the terminal back before its thread is ended. */
const STOP_GRACE_MS = 2000;

/**
 * Starts the UI when --tui was given. Without a terminal it warns and the proxy runs on without a
 * UI; quitting the UI leaves the proxy running too (and says what became of held messages).
 */
export function startInProcessTui(flags: TuiFlags, logger: Logger): InProcessTui | undefined {
  if (!flags.tui) return undefined;
  if (!flags.control) throw new UsageError('--tui needs the control channel; leave out --no-control');
  const missing = hasTerminal();
  if (missing !== undefined) {
    logger.warn(`--tui: no terminal to draw on (${missing}); running without the UI`);
    return undefined;
  }
  let stopped = false;
  let worker: Worker | undefined;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (!worker) return;
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    const w = worker;
    setTimeout(() => void w.terminate(), STOP_GRACE_MS).unref();
  };
  void (async () => {
    const own = await ownStateFile();
    if (stopped) return;
    if (!own) return logger.warn('--tui: the control channel did not start; running without the UI');
    const input: WorkerInput = { state: own, rulesFile: flags.rules };
    // The worker's stdout would be ours, which carries MCP: it is taken and passed to stderr. Its
    // stderr too, without the terminal escapes some of the UI's libraries write there on exit.
    // React's production build unless asked otherwise (see loadUi in attach.ts).
    const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'production' };
    worker = new Worker(new URL('../tui/worker.js', import.meta.url), { workerData: input, stdout: true, stderr: true, env });
    const w = worker;
    for (const stream of [w.stdout, w.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => {
        const plain = text.replace(ESCAPE_SEQUENCE, '').trim();
        if (plain !== '') logger.warn(`--tui: ${plain}`);
      });
    }
    // Only the main thread hears signals: a resize is passed on to the UI's thread.
    const onResize = () => w.postMessage({ type: 'resize' } satisfies ToWorker);
    process.on('SIGWINCH', onResize);
    w.on('message', (message: FromWorker) => {
      if (message.type === 'failed') logger.warn(`--tui: ${message.reason}; running without the UI`);
      else if (message.summary) (message.kept ? logger.warn : logger.info).call(logger, `UI closed: ${message.summary}`);
    });
    w.on('error', (error) => logger.warn(`--tui: the UI failed (${error.message}); the proxy runs on without it`));
    w.on('exit', (code) => {
      process.off('SIGWINCH', onResize);
      // A UI that was cut off could not put the terminal back itself.
      if (code !== 0) void import('../tui/terminal.js').then(({ restoreTerminal }) => restoreTerminal());
    });
  })();
  return { stop };
}
