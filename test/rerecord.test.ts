/**
 * Re-record hygiene against server-everything: `replay --record-missing`, tape expiry with
 * `--max-age` and `--on-expired warn|error|record`, the same in `mcp-tap/testing`, and `tapes
 * prune` (old tapes; the exchanges no strict replay used, by the usage file replays append to).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { runCli } from './support/cli.js';
import { CLI, EVERYTHING, tempDir } from './support/paths.js';
import { rawProxy, request } from './support/raw-proxy.js';
import { connectStdioClient, readTape, recordEverything } from './support/record.js';
import { tapeTransport } from '../src/testing/index.js';

let dir: string;
let store: string;
const everything = ['--', process.execPath, EVERYTHING, 'stdio'];
/** A "server" that fails at once: a run that tries to record instead of replaying shows it. */
const noServer = ['--', process.execPath, '-e', 'process.exit(3)'];

async function echoThrough(args: string[], message: string): Promise<unknown> {
  const client = await connectStdioClient(process.execPath, [CLI, ...args]);
  try {
    return (await client.client.callTool({ name: 'echo', arguments: { message } })).content;
  } finally {
    await client.close();
  }
}

/** A copy of a real recording, as if it had been made `days` ago. */
async function agedCopy(from: string, to: string, days: number): Promise<void> {
  const exported = await runCli(['tapes', 'export', from, '--store', store]);
  const document = JSON.parse(exported.stdout) as { tape: { createdAt: string } };
  document.tape.createdAt = new Date(Date.now() - days * 86_400_000).toISOString();
  const file = join(dir, `${to}.json`);
  writeFileSync(file, JSON.stringify(document));
  expect((await runCli(['tapes', 'import', file, '--name', to, '--store', store])).code).toBe(0);
}

/** A strict replay driven by hand: initialize, then the given echo calls; its exit status and stderr. */
async function strictReplay(name: string, usage: string, messages: string[]): Promise<{ code: number | null; stderr: string }> {
  const replay = rawProxy([name, '--store', store, '--strict', '--usage', usage], 'replay');
  replay.send(request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: { roots: {} }, clientInfo: { name: 'test-client', version: '1.0.0' } }));
  await replay.next((m) => m.id === 0);
  replay.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  for (const [i, message] of messages.entries()) {
    replay.send(request(i + 1, 'tools/call', { name: 'echo', arguments: { message } }));
    expect((await replay.next((m) => m.id === i + 1)).result).toEqual({ content: [{ type: 'text', text: `Echo: ${message}` }] });
  }
  replay.child.stdin.end();
  return { code: (await replay.exited).code, stderr: replay.stderr() };
}

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  const client = await recordEverything(store, 'wide');
  try {
    for (let i = 0; i < 100 && client.rootsAsked() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const message of ['kept', 'dropped']) await client.client.callTool({ name: 'echo', arguments: { message } });
    await client.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
  } finally {
    await client.close();
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay --record-missing', () => {
  it('keeps the server command\'s credentials off the tape, as record does', async () => {
    const secret = 'sk-live-abcdefghijklmnop123456';
    const keyed = ['--', process.execPath, EVERYTHING, 'stdio', `--api-key=${secret}`];
    expect(await echoThrough(['replay', 'with-key', '--store', store, '-q', '--record-missing', ...keyed], 'keyed')).toEqual([{ type: 'text', text: 'Echo: keyed' }]);
    expect(readTape(store, 'with-key').tape.upstream?.command).toContain('--api-key=[REDACTED]');
    // The store's own bytes (and its write-ahead log), not what the store shows when read back.
    for (const file of [store, `${store}-wal`]) if (existsSync(file)) expect(readFileSync(file).includes(secret), file).toBe(false);
  });

  it('records a tape that does not exist yet, then replays it without the server', async () => {
    expect(await echoThrough(['replay', 'missing', '--store', store, '-q', '--record-missing', ...everything], 'first')).toEqual([{ type: 'text', text: 'Echo: first' }]);
    expect(readTape(store, 'missing').frames.some((f) => f.message.includes('Echo: first'))).toBe(true);
    expect(await echoThrough(['replay', 'missing', '--store', store, '-q', '--record-missing', ...noServer], 'first')).toEqual([{ type: 'text', text: 'Echo: first' }]);
  }, 30_000);

  it('needs the server to be able to record', async () => {
    const result = await runCli(['replay', 'whatever', '--store', store, '--record-missing']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--record-missing needs the real server: a command after --, or --url/);
  });
});

describe('replay --max-age', () => {
  it('warns about an expired tape and replays it (warn, the default)', async () => {
    await agedCopy('wide', 'aged-warn', 40);
    const result = await runCli(['replay', 'aged-warn', '--store', store, '--max-age', '30d']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/tape "aged-warn" was recorded 40\.0 days ago \(.*\), more than the allowed --max-age 30d; replaying it anyway/);
    // A fresh tape says nothing.
    expect((await runCli(['replay', 'wide', '--store', store, '--max-age', '30d'])).stderr).not.toMatch(/days ago/);
  });

  it('refuses an expired tape with exit 1 (error), serving nothing', async () => {
    await agedCopy('wide', 'aged-error', 10);
    const result = await runCli(['replay', 'aged-error', '--store', store, '--max-age', '7', '--on-expired', 'error'], { input: `${request(0, 'initialize', {})}\n` });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/more than the allowed --max-age 7; re-record it/);
  });

  it('records an expired tape again from the server (record)', async () => {
    await agedCopy('wide', 'aged-record', 100);
    const before = readTape(store, 'aged-record').tape.createdAt;
    expect(await echoThrough(['replay', 'aged-record', '--store', store, '-q', '--max-age', '90d', '--on-expired', 'record', ...everything], 'renewed')).toEqual([{ type: 'text', text: 'Echo: renewed' }]);
    const after = readTape(store, 'aged-record');
    expect(Date.parse(after.tape.createdAt)).toBeGreaterThan(Date.parse(before) + 99 * 86_400_000);
    expect(after.frames.some((f) => f.message.includes('Echo: renewed'))).toBe(true);
    expect(after.frames.some((f) => f.message.includes('Echo: dropped'))).toBe(false);
  }, 30_000);
});

describe('mcp-tap/testing', () => {
  const server = { command: process.execPath, args: [EVERYTHING, 'stdio'] };

  async function callEcho(tape: Awaited<ReturnType<typeof tapeTransport>>, message: string): Promise<unknown> {
    const client = new Client({ name: 'helper-test', version: '1.0.0' });
    await client.connect(tape.transport);
    try {
      return (await client.callTool({ name: 'echo', arguments: { message } })).content;
    } finally {
      await client.close();
    }
  }

  it('record-missing: records the first time, replays after', async () => {
    const first = await tapeTransport({ store, tape: 'helper', mode: 'record-missing', server });
    expect(first.mode).toBe('record');
    expect(await callEcho(first, 'helped')).toEqual([{ type: 'text', text: 'Echo: helped' }]);
    const second = await tapeTransport({ store, tape: 'helper', mode: 'record-missing', server: { command: process.execPath, args: ['-e', 'process.exit(3)'] } });
    expect(second.mode).toBe('replay');
    expect(await callEcho(second, 'helped')).toEqual([{ type: 'text', text: 'Echo: helped' }]);
    expect(second.summary()?.matched).toBeGreaterThan(0);
  }, 30_000);

  it('an expired tape: error refuses, record records again', async () => {
    await agedCopy('wide', 'helper-aged', 45);
    await expect(tapeTransport({ store, tape: 'helper-aged', maxAge: '30d', onExpired: 'error' })).rejects.toThrow(/tape "helper-aged" was recorded 45\.0 days ago .* record it again/);
    const renewed = await tapeTransport({ store, tape: 'helper-aged', maxAge: '30d', onExpired: 'record', server });
    expect(renewed.mode).toBe('record');
    expect(await callEcho(renewed, 'fresh')).toEqual([{ type: 'text', text: 'Echo: fresh' }]);
    expect(Date.now() - Date.parse(readTape(store, 'helper-aged').tape.createdAt)).toBeLessThan(60_000);
  }, 30_000);

  it('tapeServer passes the same to the command line', async () => {
    const { tapeServer } = await import('../src/testing/index.js');
    const line = tapeServer({ store, tape: 't', mode: 'record-missing', maxAge: '30d', onExpired: 'record', usage: 'u.jsonl', strict: true, server });
    expect(line.args).toEqual([CLI, 'replay', 't', '--store', store, '-q', '--strict', '--usage', 'u.jsonl', '--max-age', '30d', '--on-expired', 'record', '--record-missing', '--', process.execPath, EVERYTHING, 'stdio']);
  });
});

describe('tapes prune', () => {
  it('removes the exchanges no strict replay used, and the tape then replays strictly clean', async () => {
    const usage = join(dir, 'usage.jsonl');
    await agedCopy('wide', 'lean', 0);
    const first = await strictReplay('lean', usage, ['kept']);
    // Strict: the echo of "dropped" and the get-sum went unused.
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/unused: tools\/call \{"arguments":\{"message":"dropped"\},"name":"echo"\}/);
    const line = JSON.parse(readFileSync(usage, 'utf8').trim()) as { tape: string; strict: boolean; used: number[] };
    expect(line).toMatchObject({ tape: 'lean', strict: true });
    const dry = await runCli(['tapes', 'prune', 'lean', '--unused', usage, '--dry-run', '--store', store]);
    expect(dry.stderr).toMatch(/would remove 2 unused exchange\(s\)/);
    expect(readTape(store, 'lean').frames.length).toBe(readTape(store, 'wide').frames.length);
    const pruned = await runCli(['tapes', 'prune', 'lean', '--unused', usage, '--store', store]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stderr).toMatch(/removed tools\/call \{"arguments":\{"message":"dropped"\},"name":"echo"\}/);
    expect(pruned.stderr).toMatch(/removed tools\/call \{"arguments":\{"a":1,"b":2\},"name":"get-sum"\}/);
    const { frames } = readTape(store, 'lean');
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    expect(frames.some((f) => f.message.includes('dropped') || f.message.includes('get-sum'))).toBe(false);
    expect(frames.some((f) => f.method === 'initialize')).toBe(true);
    expect((await strictReplay('lean', join(dir, 'usage-2.jsonl'), ['kept'])).code).toBe(0);
  }, 30_000);

  it('refuses without a strict replay of the tape as it is now, or when a replay missed', async () => {
    const usage = join(dir, 'loose.jsonl');
    await runCli(['replay', 'wide', '--store', store, '--usage', usage]);
    expect((await runCli(['tapes', 'prune', 'wide', '--unused', usage, '--store', store])).stderr).toMatch(/has no --strict replay of tape "wide"/);
    expect((await runCli(['tapes', 'prune', 'missing', '--unused', usage, '--store', store])).stderr).toMatch(/has no replay of tape "missing" as it is now/);
    const missed = join(dir, 'missed.jsonl');
    const replay = rawProxy(['wide', '--store', store, '--strict', '--usage', missed], 'replay');
    replay.send(request(1, 'tools/call', { name: 'echo', arguments: { message: 'never recorded' } }));
    await replay.next((m) => m.id === 1);
    replay.child.stdin.end();
    await replay.exited;
    expect((await runCli(['tapes', 'prune', 'wide', '--unused', missed, '--store', store])).stderr).toMatch(/missed requests tape "wide" lacks: re-record it rather than prune it/);
  });

  it('removes tapes older than an age', async () => {
    await agedCopy('wide', 'ancient', 400);
    const dry = await runCli(['tapes', 'prune', '--older-than', '365d', '--dry-run', '--store', store]);
    expect(dry.stderr).toMatch(/would remove "ancient"/);
    expect(dry.stderr).not.toMatch(/"wide"/);
    const done = await runCli(['tapes', 'prune', '--older-than', '365', '--store', store]);
    expect(done.code).toBe(0);
    expect(done.stderr).toMatch(/removed "ancient"/);
    expect((await runCli(['tapes', 'list', '--store', store])).stdout).not.toMatch(/^ancient /m);
  });
});
