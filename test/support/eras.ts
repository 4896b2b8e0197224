/**
 * Running the SDK-written peers (test/peers) for tape tests: a server on HTTP or stdio, an
 * `mcp-tap record` or `mcp-tap replay --listen` in front of it, and a client whose view is what a
 * person compares, with the parts that differ from run to run by design masked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
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

/**
 * The inodes of the sockets listening on this port, on any address (Linux's /proc/net/tcp and
 * tcp6), or undefined where there is no /proc to read.
 */
function listenersOn(port: number): Set<string> | undefined {
  if (!existsSync('/proc/net/tcp')) return undefined;
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local address, state 0A (LISTEN), inode
      if (fields[1]?.endsWith(suffix) && fields[3] === '0A') inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** Whether the process itself holds one of these sockets (its fds link to `socket:[inode]`). */
function holds(pid: number, inodes: Set<string>): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Waits until the child itself listens on 127.0.0.1:port. A connection that succeeds is not
 * enough: the port was free when it was picked, and another test's process may have taken it
 * since, in which case the child fails to bind and the test would talk to that other process.
 */
async function listening(port: number, child: ChildProcess, what: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${stderr()}`);
    const inodes = listenersOn(port);
    const open =
      inodes !== undefined
        ? inodes.size > 0 && holds(child.pid!, inodes)
        : await new Promise<boolean>((resolve) => {
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

/**
 * Starts something on a free port. A port found free can be taken before the child binds it (an
 * outgoing connection of any process may get it as its own end): the child then says the port is
 * in use, and another is tried.
 */
async function startOnFreePort(command: string, args: (port: number) => string[], what: string, path = '/mcp'): Promise<Running> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await started(command, args(port), what, port, path);
    } catch (error) {
      if (attempt >= 5 || !/in use|EADDRINUSE/i.test(String(error))) throw error;
    }
  }
}

/** The TypeScript SDK v2 peer server on Streamable HTTP (dual-era unless `modernOnly`). */
export function startTsServer(options: { modernOnly?: boolean } = {}): Promise<Running> {
  return startHttpServer(process.execPath, (port) => [TS_SERVER, 'http', '--port', String(port), ...(options.modernOnly ? ['--modern-only'] : [])], 'the TypeScript peer server');
}

/** `mcp-tap record --url URL --listen` in front of an HTTP server, recording to `name`. */
export async function startRecordingProxy(store: string, name: string, upstreamUrl: string, extra: string[] = []): Promise<Running> {
  return startOnFreePort(process.execPath, (port) => [CLI, 'record', '-q', '--store', store, '--name', name, '--url', upstreamUrl, '--listen', `127.0.0.1:${port}`, ...extra], 'mcp-tap record');
}

/** `mcp-tap replay TAPE --listen`. */
export async function startReplayServer(store: string, name: string, extra: string[] = []): Promise<Running> {
  return startOnFreePort(process.execPath, (port) => [CLI, 'replay', name, '--store', store, '--listen', `127.0.0.1:${port}`, ...extra], 'mcp-tap replay');
}

/**
 * A client's view with what changes between runs by design masked: the shared counter the
 * `bump` tool reports (each run against one server moves it on).
 */
export function comparable(view: ScenarioView): unknown {
  return JSON.parse(JSON.stringify(view).replace(/counter is \d+/g, 'counter is <n>'));
}

/**
 * Holds one view up against another: equal in everything, except that the progress one client
 * run saw may stop short of the other's. The SDK clients hand a notification to its handler a
 * tick later than a response, so a progress notification read in the same chunk as the answer
 * that follows it is dropped by the client itself, direct or through any hop, when the machine
 * is busy; what arrived must still be the same notifications, in order.
 */
export function expectSameView(actual: ScenarioView, expected: ScenarioView, expectFn: (value: unknown) => { toEqual(other: unknown): void }): void {
  const { progress: got = [], ...rest } = comparable(actual) as ScenarioView;
  const { progress: wanted = [], ...expectedRest } = comparable(expected) as ScenarioView;
  expectFn(rest).toEqual(expectedRest);
  const shorter = Math.min(got.length, wanted.length);
  expectFn(got.slice(0, shorter)).toEqual(wanted.slice(0, shorter));
  expectFn(got.length > 0).toEqual(wanted.length > 0);
}

/** Where a client connects: a stdio command to spawn, or a Streamable HTTP URL. */
export interface Target {
  stdio?: { command: string; args: string[] };
  url?: string;
}

/**
 * A 2025 client, the SDK v1 (`@modelcontextprotocol/sdk`), running the same steps as the SDK v2
 * peer client where the server has them (an elicitation answered through the server's request,
 * the 2025 way), and reporting its view the same way.
 */
export async function runV1Scenario(target: Target): Promise<ScenarioView> {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const { ElicitRequestSchema } = await import('@modelcontextprotocol/sdk/types.js');
  const client = new Client({ name: 'sdk-v1-client', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { confirm: true } }));
  const transport = target.url ? new StreamableHTTPClientTransport(new URL(target.url)) : new StdioClientTransport({ ...target.stdio!, stderr: 'ignore' });
  const view: ScenarioView = { steps: [] };
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value ?? null)) as unknown;
  const step = async (name: string, work: () => Promise<unknown>) => {
    try {
      view.steps.push({ name, result: plain(await work()) });
    } catch (error) {
      view.steps.push({ name, error: { code: (error as { code?: number }).code ?? null, message: String((error as Error).message) } });
    }
  };
  await client.connect(transport);
  try {
    view.protocolVersion = (transport as { protocolVersion?: string }).protocolVersion;
    view.server = plain(client.getServerVersion());
    await step('tools/list', async () => (await client.listTools()).tools.map((t) => t.name));
    await step('echo', () => client.callTool({ name: 'echo', arguments: { message: 'hello' } }));
    const progress: unknown[] = [];
    await step('count', () => client.callTool({ name: 'count', arguments: { steps: 3 } }, undefined, { onprogress: (p) => void progress.push(plain(p)) }));
    view.progress = progress;
    await step('confirm', () => client.callTool({ name: 'confirm', arguments: { action: 'deploy' } }));
    await step('missing tool', () => client.callTool({ name: 'no-such-tool', arguments: {} }));
  } finally {
    await client.close();
  }
  return view;
}

/** The Python SDK peer client (test/peers/py-client.py) in one of its modes; its view from its stdout. */
export function runPythonClient(python: string, client: string, mode: string, target: Target): Promise<ScenarioView> {
  const args = [client, '--mode', mode, ...(target.url ? ['--url', target.url] : ['--', target.stdio!.command, ...target.stdio!.args])];
  return new Promise((resolve, reject) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`the Python client exited with ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(out) as ScenarioView);
      } catch {
        reject(new Error(`the Python client printed no view: ${out.slice(0, 500)} ${err.slice(-1000)}`));
      }
    });
  });
}

/** A server started on HTTP for one step: any command that listens on the port it is given. */
export async function startHttpServer(command: string, args: (port: number) => string[], what: string, path = '/mcp'): Promise<Running> {
  return startOnFreePort(command, args, what, path);
}

/**
 * `mcp-tap record --listen` in front of the SDK v2 peer server on stdio, found through its state
 * file in `stateDir`, with the peer client's 2026-07-28 scenario already run through it: the
 * conversation the consoles' tests look at.
 */
export async function recordModernScenario(store: string, stateDir: string): Promise<{ port: number; child: ChildProcess }> {
  const { listRunningProxies } = await import('../../src/control/state.js');
  const { runScenario } = await import('../peers/ts-client.mjs');
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'record', '-q', '--store', store, '--name', 'modern', '--listen', String(port), '--', process.execPath, TS_SERVER, 'stdio'], {
    env: { ...process.env, MCP_TAP_STATE_DIR: stateDir },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 15_000;
  while (listRunningProxies(stateDir).length === 0) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the recording proxy did not start');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const view = await runScenario({ url: `http://127.0.0.1:${port}/mcp`, negotiation: 'pin' });
  if (view.protocolVersion !== '2026-07-28') throw new Error(`the peers spoke ${view.protocolVersion}, not 2026-07-28`);
  return { port, child };
}
