/**
 * `mcp-tap record` on stdio between real SDK v2 / Python clients and real SDK v2 servers: the
 * client's view through mcp-tap is the view direct, a sibling-process server/discover probe
 * neither takes the tape's name nor makes a tape of its own (it is adopted as a probe session),
 * and the tape says which protocol, client and server it holds, for modern traffic too.
 */
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScenario, type ScenarioOptions } from '../test/peers/ts-client.mjs';
import { TapeStore } from '../src/tape/store.js';
import { CLI, EVERYTHING, tempDir } from './support/paths.js';
import { PY_CLIENT, PY_SERVER, pythonPeers, TS_SERVER } from './support/peers.js';
import { readTape } from './support/record.js';
import { expectSameView } from './support/eras.js';

const dir = tempDir();
const store = join(dir, 'tapes.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const node = process.execPath;
const tsServer = { command: node, args: [TS_SERVER, 'stdio'] };
const through = (server: { command: string; args: string[] }, extra: string[] = []) => ({ command: node, args: [CLI, 'record', '-q', '--store', store, ...extra, '--', server.command, ...server.args] });
const scenario = (negotiation: ScenarioOptions['negotiation'], stdio: { command: string; args: string[] }) => runScenario({ negotiation, stdio });

function tapeNames(): string[] {
  const reader = TapeStore.open(store, { readonly: true });
  try {
    return reader.listTapes().map((t) => t.name);
  } finally {
    reader.close();
  }
}

describe('a dual-era SDK v2 client (versionNegotiation auto) on stdio', () => {
  it('sees through mcp-tap what it sees direct, on one tape named as asked, with the sibling probe on it', async () => {
    const direct = await scenario('auto', tsServer);
    expect(direct.protocolVersion).toBe('2026-07-28');
    const proxied = await scenario('auto', through(tsServer, ['--name', 'modern-auto']));
    expectSameView(proxied, direct, expect);

    expect(tapeNames()).toEqual(['modern-auto']);
    const { tape, sessions, frames } = readTape(store, 'modern-auto');
    expect(tape.protocolVersion).toBe('2026-07-28');
    expect(tape.clientInfo).toMatchObject({ name: 'ts-peer-client' });
    expect(tape.serverInfo).toMatchObject({ name: 'ts-peer-server' });
    expect(sessions).toHaveLength(2);
    const probe = frames.filter((f) => f.flags.includes('probe'));
    expect(probe.map((f) => `${f.direction} ${f.kind} ${f.method}`)).toEqual(['c2s request server/discover', 's2c response server/discover']);
    const real = sessions.find((s) => s.id !== probe[0]!.session)!;
    expect(real.protocolVersion).toBe('2026-07-28');
    expect(real.clientInfo).toMatchObject({ name: 'ts-peer-client' });
    expect(real.serverInfo).toMatchObject({ name: 'ts-peer-server' });
    // The listen stream the client closed with notifications/cancelled is not "answered" by mcp-tap at exit.
    expect(frames.some((f) => f.method === 'subscriptions/listen' && f.kind === 'error')).toBe(false);
  });

  it('keeps a sibling probe that is killed soon after its answer (the SDK sends SIGKILL a second after SIGTERM)', async () => {
    const probeStore = join(dir, 'killed-probe.db');
    const child = spawn(node, [CLI, 'record', '-q', '--store', probeStore, '--', tsServer.command, ...tsServer.args], { stdio: ['pipe', 'pipe', 'ignore'] });
    const answered = new Promise<void>((resolve) => child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('"supportedVersions"') && resolve()));
    const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} };
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'server/discover', params: { _meta: meta } })}\n`);
    await answered;
    // Past the recorder's write interval, then no chance to finish: what a killed sibling leaves.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await scenario('auto', { command: node, args: [CLI, 'record', '-q', '--store', probeStore, '--name', 'after-killed-probe', '--', tsServer.command, ...tsServer.args] });
    const { frames } = readTape(probeStore, 'after-killed-probe');
    // The killed process's probe, then the real recording's own sibling probe: both adopted.
    expect(frames.filter((f) => f.flags.includes('probe') && f.kind === 'request').map((f) => f.method)).toEqual(['server/discover', 'server/discover']);
  });

  it('makes exactly one tape without --name, and a replaced tape is replaced once', async () => {
    const before = tapeNames();
    await scenario('auto', through(tsServer));
    const made = tapeNames().filter((n) => !before.includes(n));
    expect(made).toEqual(['ts-server']);
    expect(readTape(store, made[0]!).sessions).toHaveLength(2);
    await scenario('auto', through(tsServer, ['--name', 'modern-auto', '--replace']));
    expect(tapeNames().filter((n) => n === 'modern-auto')).toHaveLength(1);
    expect(readTape(store, 'modern-auto').sessions).toHaveLength(2);
  });

  it('falls back to 2025 against a legacy server, faithfully: the failed probe and the initialize session on one tape', async () => {
    const everything = { command: node, args: [EVERYTHING, 'stdio'] };
    const direct = await scenario('auto', everything);
    expect(direct.protocolVersion).not.toBe('2026-07-28');
    const proxied = await scenario('auto', through(everything, ['--name', 'fallback']));
    expectSameView(proxied, direct, expect);
    expect(tapeNames().filter((n) => n.startsWith('fallback'))).toEqual(['fallback']);
    const { tape, frames } = readTape(store, 'fallback');
    expect(frames.filter((f) => f.flags.includes('probe')).map((f) => f.method)).toContain('server/discover');
    expect(frames.some((f) => f.method === 'initialize' && f.kind === 'request')).toBe(true);
    expect(tape.protocolVersion).toBe(direct.protocolVersion);
  });
});

describe('modern-only and legacy SDK v2 clients on stdio', () => {
  it('a client pinned to 2026-07-28 against a modern-only server', async () => {
    const modernOnly = { command: node, args: [TS_SERVER, 'stdio', '--modern-only'] };
    const direct = await scenario('pin', modernOnly);
    expect(direct.protocolVersion).toBe('2026-07-28');
    expectSameView(await scenario('pin', through(modernOnly, ['--name', 'pinned'])), direct, expect);
    expect(readTape(store, 'pinned').tape.protocolVersion).toBe('2026-07-28');
  });

  it('a plain 2025 client against the dual-era server', async () => {
    const direct = await scenario('legacy', tsServer);
    expect(direct.protocolVersion).not.toBe('2026-07-28');
    expectSameView(await scenario('legacy', through(tsServer, ['--name', 'legacy-client'])), direct, expect);
    const { tape, sessions } = readTape(store, 'legacy-client');
    expect(sessions).toHaveLength(1);
    expect(tape.protocolVersion).toBe(direct.protocolVersion);
  });
});

describe('the Python SDK on stdio', () => {
  const python = pythonPeers();
  it(`client and server through mcp-tap as direct${python.available ? '' : ` (Python SDK missing: ${python.reason}; the TypeScript peers above cover stdio alone)`}`, () => {
    if (!python.available) {
      console.warn(`Python SDK peers not run: ${python.reason}`);
      return;
    }
    const run = (args: string[]) => {
      const out = spawnSync(python.python, [PY_CLIENT, '--mode', 'auto', '--', ...args], { encoding: 'utf8', timeout: 60_000 });
      if (out.status !== 0) throw new Error(`py-client failed: ${out.stderr}`);
      return JSON.parse(out.stdout) as { protocolVersion: string };
    };
    const direct = run([python.python, PY_SERVER, 'stdio']);
    expect(direct.protocolVersion).toBe('2026-07-28');
    expect(run([node, CLI, 'record', '-q', '--store', store, '--name', 'python', '--', python.python, PY_SERVER, 'stdio'])).toEqual(direct);
    const recorded = readTape(store, 'python');
    expect(recorded.tape.protocolVersion).toBe('2026-07-28');
    // The Python client probes in place: its probe is on the tape once, as the frames it was.
    expect(recorded.frames.filter((f) => f.method === 'server/discover' && f.kind === 'request').map((f) => f.flags.includes('probe'))).toEqual([false]);
  });
});
