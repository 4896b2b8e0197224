/**
 * What a user sees when something is wrong at start, and the one exit status every command keeps
 * to: 0 ok, 1 the check failed, 2 a usage or runtime error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TapeStore } from '../src/tape/store.js';
import { runCli } from './support/cli.js';
import { CLI, EVERYTHING, ROOT, tempDir } from './support/paths.js';
import { rawProxy, request } from './support/raw-proxy.js';

const LINE_SERVER = join(ROOT, 'test', 'fixtures', 'line-server.mjs');

let dir: string;
let store: string;
let busy: Server;
let busyPort: number;

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
  // A tape to replay and verify.
  expect((await runCli(['demo', '-q', '--store', store], { timeoutMs: 60_000 })).code).toBe(0);
});

afterAll(async () => {
  await new Promise((resolve) => busy.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const tapeNames = () => {
  const reader = TapeStore.open(store, { readonly: true });
  try {
    return reader.listTapes().map((t) => t.name);
  } finally {
    reader.close();
  }
};

describe('--listen that cannot be had', () => {
  it('record and replay say the same words, exit 2 at once, and leave no tape behind', async () => {
    const before = tapeNames();
    const record = await runCli(['record', '--store', store, '--listen', `127.0.0.1:${busyPort}`, '--', process.execPath, LINE_SERVER], { timeoutMs: 10_000 });
    const replay = await runCli(['replay', 'demo', '--store', store, '--listen', `127.0.0.1:${busyPort}`], { timeoutMs: 10_000 });
    const words = `mcp-tap: cannot listen on 127.0.0.1:${busyPort}: the port is already in use; pick another --listen port\n`;
    // A killed process (the timeout) has no code: both exit by themselves.
    expect([record.code, record.stderr]).toEqual([2, words]);
    expect([replay.code, replay.stderr]).toEqual([2, words]);
    expect(tapeNames()).toEqual(before);
  });

  it('names an address that is not this host’s', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never an address of this machine; binding to it fails at once.
    // --allow-remote: a non-loopback address is refused before binding without it (-q keeps its warning off stderr).
    const result = await runCli(['record', '-q', '--allow-remote', '--store', store, '--listen', '192.0.2.1:8808', '--', process.execPath, LINE_SERVER], { timeoutMs: 10_000 });
    expect([result.code, result.stderr]).toEqual([2, 'mcp-tap: cannot listen on 192.0.2.1:8808: 192.0.2.1 is not an address of this host\n']);
  });
});

describe('--url that cannot be reached', () => {
  it('refuses a scheme mcp-tap cannot speak, before anything starts', async () => {
    for (const command of [['record'], ['verify', 'demo']]) {
      const result = await runCli([...command, '--store', store, '--url', 'ftp://127.0.0.1/mcp']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^mcp-tap: --url: ftp:\/\/ is not a scheme mcp-tap can reach a server by/);
    }
  });

  it('refuses a server that does not answer, for record and verify, leaving no tape', async () => {
    const before = tapeNames();
    for (const command of [['record'], ['verify', 'demo']]) {
      const result = await runCli([...command, '--store', store, '--url', 'http://127.0.0.1:9/mcp']);
      expect([result.code, result.stderr]).toEqual([2, 'mcp-tap: cannot reach http://127.0.0.1:9/mcp: nothing listens there (connection refused)\n']);
    }
    expect(tapeNames()).toEqual(before);
  });
});

describe('exit status', () => {
  it('is 2 for usage errors and runtime errors, in every command', async () => {
    const cases: string[][] = [
      ['nonesuch'],
      ['record', '--store', store],
      ['record', '--store', store, '--rate', 'fast', '--', process.execPath, LINE_SERVER],
      ['replay', 'nonesuch', '--store', store],
      ['replay', 'demo', '--store', store, '--on-miss', 'sometimes'],
      ['verify', 'nonesuch', '--store', store, '--', process.execPath, EVERYTHING, 'stdio'],
      ['tapes', 'show', 'nonesuch', '--store', store],
      ['tapes', 'export', 'demo', '--store', join(dir, 'missing.db')],
      ['tapes', 'import', join(dir, 'missing.json'), '--store', store],
      ['tapes', 'diff', 'demo', 'nonesuch', '--store', store],
      ['sessions', 'list', '--sessions', 'nonesuch'],
      ['attach', 'ffffff'],
      ['config', 'emacs'],
    ];
    for (const args of cases) {
      const result = await runCli(args, { env: { MCP_TAP_STATE_DIR: join(dir, 'state') } });
      expect({ args, code: result.code, stack: /\n\s+at /.test(result.stderr) }).toEqual({ args, code: 2, stack: false });
    }
  });

  it('is 1 when the check failed and 0 when it passed', async () => {
    expect((await runCli(['tapes', 'diff', 'demo', 'demo', '--store', store])).code).toBe(0);
    // replay --strict with a client that asks for nothing: every recorded request went unused.
    expect((await runCli(['replay', 'demo', '--store', store, '--strict'])).code).toBe(1);
    expect((await runCli(['replay', 'demo', '--store', store])).code).toBe(0);
  });

  it('is in every command’s --help', async () => {
    const commands = [[], ['record'], ['replay'], ['verify'], ['demo'], ['config'], ['tapes'], ['tapes', 'list'], ['tapes', 'show'], ['tapes', 'export'], ['tapes', 'import'], ['tapes', 'rm'], ['tapes', 'diff'], ['sessions', 'list'], ['proxies'], ['attach']];
    for (const command of commands) {
      const help = await runCli([...command, '--help']);
      expect({ command, code: help.code, says: /Exit status: 0 ok.*2 usage or runtime error/.test(help.stdout) }).toEqual({ command, code: 0, says: true });
    }
  });
});

describe('output cut short', () => {
  it('tapes export into a pipe that closes early ends quietly', async () => {
    // A tape far bigger than a pipe holds: the demo's frames, many times over.
    const exported = JSON.parse((await runCli(['tapes', 'export', 'demo', '--store', store])).stdout) as { tape: { name: string }; frames: { seq: number }[] };
    const frames = Array.from({ length: 200 }, () => exported.frames).flat().map((frame, i) => ({ ...frame, seq: i + 1 }));
    writeFileSync(join(dir, 'big.json'), JSON.stringify({ ...exported, tape: { ...exported.tape, name: 'big' }, frames }));
    expect((await runCli(['tapes', 'import', join(dir, 'big.json'), '--store', store])).code).toBe(0);
    const child = spawn(process.execPath, [CLI, 'tapes', 'export', 'big', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Like `| head -c 100`: read a little, then close the pipe.
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('a breakpoint hit', () => {
  it('says once on stderr what is held and how to release it, and nothing with -q', async () => {
    const run = async (extra: string[]) => {
      const proxy = rawProxy(['--store', store, '--break', '~m echo & ~d c2s', '--pause-timeout', '1', ...extra, '--', process.execPath, LINE_SERVER]);
      proxy.send(request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } }));
      await proxy.next((m) => m.id === 1);
      proxy.send(request(2, 'echo', { said: 'held' }));
      // The pause times out after a second and the answer comes.
      await proxy.next((m) => m.id === 2);
      proxy.child.stdin.end();
      await proxy.exited;
      return proxy.stderr();
    };
    const said = (await run([])).split('\n').filter((line) => line.includes('paused'));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^mcp-tap: paused request echo \(client → server, id 2\) \(breakpoint 1: ~m echo & ~d c2s\); release it with: mcp-tap attach [0-9a-f]{6} \(or it continues by itself in 1 s\)$/);
    expect(await run(['-q'])).not.toMatch(/paused/);
  });
});

describe('several proxies started at once on one store', () => {
  it('each gets a tape of its own, named from the server, none fails', async () => {
    const shared = join(dir, 'shared.db');
    TapeStore.open(shared).close();
    // Making a tape takes a while here (a slow trigger, as on a busy disk), so the others look for
    // a free name while the first is still creating its own: the name must be taken as the tape
    // is made, not looked up before.
    const db = new Database(shared);
    db.exec('CREATE TRIGGER slow_insert AFTER INSERT ON tapes BEGIN SELECT count(*) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 300000) SELECT x FROM c); END;');
    db.close();
    const start = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'record', '--store', shared, '--', process.execPath, LINE_SERVER], { stdio: ['pipe', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdin.end(`${request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } })}\n`);
        child.once('close', (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all(Array.from({ length: 6 }, start));
    for (const result of results) expect(result.stderr).not.toMatch(/already exists|UNIQUE/);
    const reader = TapeStore.open(shared, { readonly: true });
    try {
      expect(reader.listTapes().map((t) => t.name).sort()).toEqual(['line-server', 'line-server-2', 'line-server-3', 'line-server-4', 'line-server-5', 'line-server-6']);
    } finally {
      reader.close();
    }
  });
});

describe('a stream the proxy resumed with Last-Event-ID', () => {
  it('does not keep the proxy from exiting on SIGINT', async () => {
    const server = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'resume-server.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const port = await new Promise<string>((resolve) => server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())));
      const proxy = rawProxy(['--store', store, '--url', `http://127.0.0.1:${port}/mcp`]);
      proxy.send(request(1, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } }));
      await proxy.next((m) => m.id === 1);
      proxy.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      proxy.send(request(2, 'tools/call', { name: 'slow', _meta: { progressToken: 'p' } }));
      // The answer came over the resumed stream, which the server keeps open.
      expect(await proxy.next((m) => m.id === 2)).toMatchObject({ result: { content: [{ text: 'resumed answer' }] } });
      proxy.child.kill('SIGINT');
      const timer = setTimeout(() => proxy.child.kill('SIGKILL'), 5000);
      const exit = await proxy.exited;
      clearTimeout(timer);
      expect(exit).toEqual({ code: 0, signal: null });
    } finally {
      server.kill();
    }
  });
});
