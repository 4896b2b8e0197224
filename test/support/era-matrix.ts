/**
 * Every client × server pair that makes sense, of both protocol eras, over stdio and Streamable
 * HTTP: the client's view direct, through `mcp-tap record`, and against `mcp-tap replay` of the
 * tape just made must be the same; `verify` of that tape against the live server finds no drift;
 * `tapes diff` of two recordings finds nothing. Clients: the TypeScript SDK v2 pinned to 2026-07-28
 * (modern), auto-negotiating (dual-era) and 2025 (legacy); the Python SDK 2.3 (dual-era, modern);
 * the SDK v1 (2025). Servers: the TypeScript SDK v2 dual-era and modern-only, the Python SDK, and
 * server-everything (2025). One test file per transport (era-matrix-*.test.ts), so the two run
 * side by side.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario, type ScenarioView } from '../peers/ts-client.mjs';
import { runCli } from './cli.js';
import { expectSameView, runPythonClient, runV1Scenario, startHttpServer, startRecordingProxy, startReplayServer, startTsServer, type Running, type Target } from './eras.js';
import { PY_CLIENT, PY_SERVER, pythonPeers, TS_SERVER } from './peers.js';
import { CLI, EVERYTHING, tempDir } from './paths.js';

let dir = '';
let store = '';
const node = process.execPath;
const python = pythonPeers();

interface ServerPeer {
  name: string;
  stdio: { command: string; args: string[] };
  http: () => Promise<Running>;
  /** Its answers depend on what earlier clients did (a counter): every step gets a fresh one. */
  stateful: boolean;
  needsPython?: boolean;
}

interface ClientPeer {
  name: string;
  run: (target: Target) => Promise<ScenarioView>;
  needsPython?: boolean;
}

const tsServer = (modernOnly: boolean): ServerPeer => ({
  name: modernOnly ? 'TS SDK v2 server (2026 only)' : 'TS SDK v2 server (dual-era)',
  stdio: { command: node, args: [TS_SERVER, 'stdio', ...(modernOnly ? ['--modern-only'] : [])] },
  http: () => startTsServer({ modernOnly }),
  stateful: true,
});

const pythonPath = python.available ? python.python : 'python3';
const SERVERS = {
  tsDual: tsServer(false),
  tsModern: tsServer(true),
  py: {
    name: 'Python SDK server',
    stdio: { command: pythonPath, args: [PY_SERVER, 'stdio'] },
    http: () => startHttpServer(pythonPath, (port) => [PY_SERVER, 'http', String(port)], 'the Python peer server'),
    stateful: false,
    needsPython: true,
  },
  everything: {
    name: 'server-everything (2025)',
    stdio: { command: node, args: [EVERYTHING, 'stdio'] },
    http: () => startHttpServer('/usr/bin/env', (port) => [`PORT=${port}`, node, EVERYTHING, 'streamableHttp'], 'server-everything'),
    stateful: false,
  },
} satisfies Record<string, ServerPeer>;

const tsClient = (negotiation: 'auto' | 'pin' | 'legacy', name: string): ClientPeer => ({
  name,
  run: (target) => runScenario({ negotiation, ...target }),
});
const pyClient = (mode: string, name: string): ClientPeer => ({ name, run: (target) => runPythonClient(pythonPath, PY_CLIENT, mode, target), needsPython: true });
const CLIENTS = {
  modern: tsClient('pin', 'TS SDK v2 client (2026 only)'),
  dual: tsClient('auto', 'TS SDK v2 client (dual-era)'),
  legacy: tsClient('legacy', 'TS SDK v2 client (2025)'),
  pyDual: pyClient('auto', 'Python SDK client (dual-era)'),
  pyModern: pyClient('2026-07-28', 'Python SDK client (2026 only)'),
  v1: { name: 'SDK v1 client (2025)', run: runV1Scenario },
} satisfies Record<string, ClientPeer>;

/** The pairs that make sense: each client with each server whose era it can speak. */
const PAIRS: [ClientPeer, ServerPeer][] = [
  [CLIENTS.modern, SERVERS.tsDual],
  [CLIENTS.modern, SERVERS.tsModern],
  [CLIENTS.modern, SERVERS.py],
  [CLIENTS.dual, SERVERS.tsDual],
  [CLIENTS.dual, SERVERS.tsModern],
  [CLIENTS.dual, SERVERS.py],
  [CLIENTS.dual, SERVERS.everything],
  [CLIENTS.legacy, SERVERS.tsDual],
  [CLIENTS.legacy, SERVERS.everything],
  [CLIENTS.pyDual, SERVERS.tsDual],
  [CLIENTS.pyDual, SERVERS.tsModern],
  [CLIENTS.pyDual, SERVERS.py],
  [CLIENTS.pyModern, SERVERS.tsDual],
  [CLIENTS.pyModern, SERVERS.tsModern],
  [CLIENTS.pyModern, SERVERS.py],
  [CLIENTS.v1, SERVERS.tsDual],
  [CLIENTS.v1, SERVERS.py],
  [CLIENTS.v1, SERVERS.everything],
];

let tapes = 0;

/** A server for one step over HTTP: a fresh one when its answers depend on history, else `shared`. */
async function withServer<T>(server: ServerPeer, shared: Running, work: (url: string) => Promise<T>): Promise<T> {
  if (!server.stateful) return work(shared.url);
  const fresh = await server.http();
  try {
    return await work(fresh.url);
  } finally {
    await fresh.stop();
  }
}

async function runCell(client: ClientPeer, server: ServerPeer, transport: 'stdio' | 'http'): Promise<void> {
  const a = `t${++tapes}a`;
  const b = `t${tapes}b`;
  const record = (name: string): Target => ({ stdio: { command: node, args: [CLI, 'record', '-q', '--store', store, '--name', name, '--', server.stdio.command, ...server.stdio.args] } });
  if (transport === 'stdio') {
    const direct = await client.run({ stdio: server.stdio });
    expect(direct.steps.length, 'the direct run took its steps').toBeGreaterThan(1);
    expectSameView(await client.run(record(a)), direct, (v) => expect(v, 'through record'));
    expectSameView(await client.run({ stdio: { command: node, args: [CLI, 'replay', a, '--store', store] } }), direct, (v) => expect(v, 'against replay'));
    const verify = await runCli(['verify', a, '--store', store, '--', server.stdio.command, ...server.stdio.args], { timeoutMs: 60_000 });
    expect(verify.code, `verify against the live server:\n${verify.stdout}${verify.stderr}`).toBe(0);
    await client.run(record(b));
  } else {
    const shared = await server.http();
    try {
      const direct = await withServer(server, shared, (url) => client.run({ url }));
      expect(direct.steps.length, 'the direct run took its steps').toBeGreaterThan(1);
      const recorded = await withServer(server, shared, async (url) => {
        const proxy = await startRecordingProxy(store, a, url);
        try {
          return await client.run({ url: proxy.url });
        } finally {
          expect(await proxy.stop(), 'record exits on SIGTERM').toBe(true);
        }
      });
      expectSameView(recorded, direct, (v) => expect(v, 'through record --url --listen'));
      const replay = await startReplayServer(store, a);
      try {
        expectSameView(await client.run({ url: replay.url }), direct, (v) => expect(v, 'against replay --listen'));
      } finally {
        await replay.stop();
      }
      const verify = await withServer(server, shared, (url) => runCli(['verify', a, '--store', store, '--url', url], { timeoutMs: 60_000 }));
      expect(verify.code, `verify --url against the live server:\n${verify.stdout}${verify.stderr}`).toBe(0);
      await withServer(server, shared, async (url) => {
        const proxy = await startRecordingProxy(store, b, url);
        try {
          await client.run({ url: proxy.url });
        } finally {
          await proxy.stop();
        }
      });
    } finally {
      await shared.stop();
    }
  }
  // Two runs on a shared machine differ in timing, not in what was said: latency is not compared.
  const diff = await runCli(['tapes', 'diff', a, b, '--store', store, '--json']);
  const found = JSON.parse(diff.stdout) as { added: string[]; removed: string[]; changed: unknown[]; lists: unknown[]; same: number };
  expect({ added: found.added, removed: found.removed, changed: found.changed, lists: found.lists }, 'tapes diff of two recordings').toEqual({ added: [], removed: [], changed: [], lists: [] });
  expect(found.same, 'tapes diff compared the calls').toBeGreaterThan(1);
}

/** The matrix over one transport, as a describe block of the calling test file. */
export function eraMatrix(transport: 'stdio' | 'http'): void {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  describe(`over ${transport === 'stdio' ? 'stdio' : 'Streamable HTTP'}`, () => {
    for (const [client, server] of PAIRS) {
      const missing = (client.needsPython || server.needsPython) && !python.available;
      const title = `${client.name} × ${server.name}: direct = through record = against replay; verify and diff agree`;
      it(missing ? `${title} (Python SDK missing: ${python.available ? '' : python.reason}; the TypeScript peers cover the other rows)` : title, async () => {
        if (missing) {
          console.warn(`Python SDK peers not run: ${python.available ? '' : python.reason}`);
          return;
        }
        await runCell(client, server, transport);
      }, 240_000);
    }
  });
}
