/**
 * Running the SDK-written peers (test/peers) for tape tests: a server on HTTP or stdio, an
 * `mcp-tap record` or `mcp-tap replay --listen` in front of it, and a client whose view is what a
 * person compares, with the parts that differ from run to run by design masked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './servers.js';
import { CLI } from './paths.js';
import { TS_SERVER } from './peers.js';
import type { ScenarioView } from '../peers/ts-client.mjs';

export interface Running {
  url: string;
  port: number;
  child: ChildProcess;
  stderr: () => string;
  /** Stops it; true when it exited on SIGTERM, false when it had to be killed. */
  stop(): Promise<boolean>;
}

/**
 * SIGTERM, and SIGKILL if it has not exited within `graceMs`. Resolves true when it exited on its
 * own (a proxy must exit on SIGTERM, even with a listen stream open).
 */
function stopper(child: ChildProcess, graceMs = 5000): () => Promise<boolean> {
  return () =>
    new Promise<boolean>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve(true);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', (_code, signal) => {
        clearTimeout(timer);
        resolve(signal !== 'SIGKILL');
      });
      child.kill('SIGTERM');
    });
}

/** Waits until something accepts connections on 127.0.0.1:port. */
async function listening(port: number, child: ChildProcess, what: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}: ${stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function started(command: string, args: string[], what: string, port: number, path = '/mcp'): Promise<Running> {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const stderr = () => err;
  return listening(port, child, what, stderr).then(() => ({ url: `http://127.0.0.1:${port}${path}`, port, child, stderr, stop: stopper(child) }));
}

/** The TypeScript SDK v2 peer server on Streamable HTTP (dual-era unless `modernOnly`). */
export async function startTsServer(options: { modernOnly?: boolean } = {}): Promise<Running> {
  const port = await freePort();
  return started(process.execPath, [TS_SERVER, 'http', '--port', String(port), ...(options.modernOnly ? ['--modern-only'] : [])], 'the TypeScript peer server', port);
}

/** `mcp-tap record --url URL --listen` in front of an HTTP server, recording to `name`. */
export async function startRecordingProxy(store: string, name: string, upstreamUrl: string, extra: string[] = []): Promise<Running> {
  const port = await freePort();
  return started(process.execPath, [CLI, 'record', '-q', '--store', store, '--name', name, '--url', upstreamUrl, '--listen', `127.0.0.1:${port}`, ...extra], 'mcp-tap record', port);
}

/** `mcp-tap replay TAPE --listen`. */
export async function startReplayServer(store: string, name: string, extra: string[] = []): Promise<Running> {
  const port = await freePort();
  return started(process.execPath, [CLI, 'replay', name, '--store', store, '--listen', `127.0.0.1:${port}`, ...extra], 'mcp-tap replay', port);
}

/**
 * A client's view with what changes between runs by design masked: the shared counter the
 * `bump` tool reports (each run against one server moves it on).
 */
export function comparable(view: ScenarioView): unknown {
  return JSON.parse(JSON.stringify(view).replace(/counter is \d+/g, 'counter is <n>'));
}

/**
 * Holds one view up against another: equal in everything, except that the progress a client saw
 * may stop short. The SDK clients hand a notification to its handler a tick later than a response,
 * so a progress notification read in the same chunk as the answer that follows it is dropped by the
 * client itself; on a loaded machine any hop (a proxy, a replay) may deliver the two in one read.
 */
export function expectSameView(actual: ScenarioView, expected: ScenarioView, expectFn: (value: unknown) => { toEqual(other: unknown): void }): void {
  const { progress: got = [], ...rest } = comparable(actual) as ScenarioView;
  const { progress: wanted = [], ...expectedRest } = comparable(expected) as ScenarioView;
  expectFn(rest).toEqual(expectedRest);
  expectFn(wanted.length === 0 ? got : got.slice(0, 1)).toEqual(wanted.slice(0, 1));
  expectFn(got).toEqual(wanted.slice(0, got.length));
}
