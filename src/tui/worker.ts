/**
 * `--tui` in a worker thread: the same UI as `mcp-tap attach`, drawn on the controlling terminal
 * from its own thread, attached to the proxy's control channel as attach is. The proxy's event
 * loop only sends the frames (what it does for attach), so the UI's parsing, pairing and drawing
 * never slow the traffic. The main thread forwards SIGWINCH (signals reach it only) and `stop`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { connectControl } from '../control/client.js';
import type { ProxyStateFile } from '../control/protocol.js';
import { startTui } from './run.js';
import { openTerminal } from './terminal.js';

export interface WorkerInput {
  state: ProxyStateFile;
  rulesFile?: string;
}

/** From the proxy's thread. */
export type ToWorker = { type: 'resize' } | { type: 'stop' };
/** To the proxy's thread: the UI ended (with what quitting did), or could not start. */
export type FromWorker = { type: 'done'; summary?: string; kept?: boolean } | { type: 'failed'; reason: string };

async function main(port: NonNullable<typeof parentPort>, input: WorkerInput): Promise<void> {
  let terminal;
  try {
    terminal = openTerminal();
  } catch (error) {
    return port.postMessage({ type: 'failed', reason: `no terminal to draw on (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` } satisfies FromWorker);
  }
  try {
    const link = await connectControl(input.state);
    const running = startTui({ link, stdin: terminal.input as unknown as NodeJS.ReadStream, stdout: terminal.output as unknown as NodeJS.WriteStream, editorTerminal: terminal.fds, rulesFile: input.rulesFile });
    port.on('message', (message: ToWorker) => {
      if (message.type === 'resize') terminal.refreshSize();
      else running.stop();
    });
    const summary = await running.done;
    // Said where the person is looking: the terminal, now back on its main screen.
    if (summary) terminal.output.write(`mcp-tap: UI closed: ${summary}\n`);
    port.postMessage({ type: 'done', summary, kept: summary?.startsWith('left') } satisfies FromWorker);
  } catch (error) {
    port.postMessage({ type: 'failed', reason: (error as Error).message } satisfies FromWorker);
  } finally {
    terminal.close();
    port.close();
  }
}

if (parentPort) void main(parentPort, workerData as WorkerInput);
