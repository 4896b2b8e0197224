/**
 * `mcp-tap record --listen` between real SDK v2 clients and real SDK v2 servers (a stdio command
 * and a Streamable HTTP server): modern sessionless POSTs are served through the pipeline (the
 * client's view is the view direct), grouped into one conversation per client run, with 2025
 * clients beside them; headers are checked on the way in; rules block modern calls; answers
 * mcp-tap makes are valid for the era; and `--url` behind a stdio client speaks modern HTTP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { runScenario } from '../test/peers/ts-client.mjs';
import { encodeHeaderValue, ModernProxyErrorCode } from '../src/core/era.js';
import { CLI, tempDir } from './support/paths.js';
import { TS_SERVER } from './support/peers.js';
import { freePort } from './support/servers.js';
import { readTape } from './support/record.js';

const dir = tempDir();
const store = join(dir, 'tapes.db');
const node = process.execPath;
const children: ChildProcess[] = [];

function waitFor(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${output}`)), 20_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${output}`)));
  });
}

async function start(args: string[], what: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(node, args.map((a) => a.replace('$PORT', String(port))), { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  await waitFor(child, /listening|Streamable HTTP/, what);
  return { url: `http://127.0.0.1:${port}/mcp`, child };
}

const recordArgs = (name: string, extra: string[]) => [CLI, 'record', '--store', store, '--name', name, '--listen', '$PORT', ...extra];

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

let server: { url: string };
let overStdio: { url: string; child: ChildProcess };
let overHttp: { url: string; child: ChildProcess };

beforeAll(async () => {
  server = await start([TS_SERVER, 'http', '--port', '$PORT'], 'ts-server http');
  overStdio = await start(recordArgs('over-stdio', ['--', node, TS_SERVER, 'stdio']), 'record --listen -- stdio');
  overHttp = await start(recordArgs('over-http', ['--url', server.url]), 'record --listen --url');
});

afterAll(async () => {
  await Promise.all(children.map(stop));
  rmSync(dir, { recursive: true, force: true });
});

describe('modern and dual-era clients over Streamable HTTP', () => {
  it('see through record --listen -- <stdio server> what they see from the server direct', async () => {
    const direct = await runScenario({ negotiation: 'auto', url: server.url });
    expect(direct.protocolVersion).toBe('2026-07-28');
    expect(await runScenario({ negotiation: 'auto', url: overStdio.url })).toEqual(direct);
    expect(await runScenario({ negotiation: 'pin', url: overStdio.url })).toEqual(await runScenario({ negotiation: 'pin', url: server.url }));
  });

  it('see through record --listen --url what they see direct', async () => {
    const direct = await runScenario({ negotiation: 'auto', url: server.url });
    expect(await runScenario({ negotiation: 'auto', url: overHttp.url })).toEqual(direct);
  });

  it('2025 clients keep their sessions beside the modern conversations', async () => {
    const direct = await runScenario({ negotiation: 'legacy', url: server.url });
    expect(direct.protocolVersion).not.toBe('2026-07-28');
    expect(await runScenario({ negotiation: 'legacy', url: overHttp.url })).toEqual(direct);
    expect((await runScenario({ negotiation: 'legacy', url: overStdio.url })).protocolVersion).toBe(direct.protocolVersion);
  });

  it('two clients at once are two conversations, each naming its client, protocol and server on the tape', async () => {
    const [a, b] = await Promise.all([
      runScenario({ negotiation: 'pin', url: overStdio.url, clientName: 'client-a' }),
      runScenario({ negotiation: 'pin', url: overStdio.url, clientName: 'client-b' }),
    ]);
    // Both sent ids 0, 1, 2... to one shared child process: neither got the other's answers.
    expect(a.steps).toEqual(b.steps);
    const { sessions, frames } = readTape(store, 'over-stdio');
    const named = (name: string) => sessions.filter((s) => (s.clientInfo as { name?: string } | undefined)?.name === name);
    expect(named('client-a')).toHaveLength(1);
    expect(named('client-b')).toHaveLength(1);
    for (const session of [...named('client-a'), ...named('client-b')]) {
      expect(session.protocolVersion).toBe('2026-07-28');
      expect(session.serverInfo).toMatchObject({ name: 'ts-peer-server' });
      // Recorded under the ids the client used.
      expect(frames.some((f) => f.session === session.id && f.kind === 'request' && f.id === '0')).toBe(true);
    }
  });
});

/** A raw modern POST, as an SDK client would send it, with headers the test may spoil. */
async function modernPost(url: string, body: object, headers: Record<string, string>): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });
}

const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'raw-client', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };

describe('headers on the way in', () => {
  it('a wrong Mcp-Name gets 400 HeaderMismatch, is not relayed, and is on the tape', async () => {
    const body = { jsonrpc: '2.0', id: 'spoiled', method: 'tools/call', params: { name: 'echo', arguments: { message: 'x' }, _meta: envelope } };
    const res = await modernPost(overHttp.url, body, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'bump' });
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { id: unknown; error: { code: number; data: { mismatch: { header: string } } } };
    expect(answer).toMatchObject({ id: 'spoiled', error: { code: -32020, data: { mismatch: { header: 'Mcp-Name', got: 'bump', expected: 'echo' } } } });
    await new Promise((r) => setTimeout(r, 300));
    const frames = readTape(store, 'over-http').frames.filter((f) => f.id === '"spoiled"');
    expect(frames.map((f) => `${f.direction} ${f.kind}`)).toEqual(['c2s request', 's2c error']);
    expect(frames[1]!.flags).toContain('header-mismatch');
  });

  it('a missing Mcp-Method gets 400 too; a right set of headers (Mcp-Param-City in base64) is served', async () => {
    const body = (id: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'weather', arguments: { city: 'Zürich' }, _meta: envelope } });
    const missing = await modernPost(overStdio.url, body('m1'), { 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'weather' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: number } }).error.code).toBe(-32020);
    const good = await modernPost(overStdio.url, body('m2'), { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'weather', 'mcp-param-city': encodeHeaderValue('Zürich') });
    expect(good.status).toBe(200);
    expect(await good.text()).toContain('Zürich: 21 C');
  });
});

describe('intercepting modern traffic', () => {
  let guarded: { url: string; child: ChildProcess };
  beforeAll(async () => {
    const rules = join(dir, 'rules.json');
    writeFileSync(rules, JSON.stringify({ rules: [{ match: '~t bump', action: 'block', reason: 'no bumping' }, { match: '~t echo', action: 'mock', result: { content: [{ type: 'text', text: 'mocked echo' }] } }] }));
    guarded = await start(recordArgs('guarded', ['--rules', rules, '--url', server.url]), 'record --rules');
  });

  it('a block rule blocks a modern call, with a code the modern era allows; a mock carries resultType', async () => {
    const client = new Client({ name: 'guarded-client', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new StreamableHTTPClientTransport(new URL(guarded.url)));
    try {
      const blocked = await client.callTool({ name: 'bump', arguments: {} }).then(
        () => undefined,
        (error: { code?: number; message: string }) => error,
      );
      expect(blocked?.code).toBe(ModernProxyErrorCode.Blocked);
      expect(blocked?.message).toContain('no bumping');
      const mocked = await client.callTool({ name: 'echo', arguments: { message: 'real?' } });
      expect(mocked.content).toEqual([{ type: 'text', text: 'mocked echo' }]);
    } finally {
      await client.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    const frames = readTape(store, 'guarded').frames;
    expect(frames.some((f) => f.method === 'tools/call' && f.action === 'block')).toBe(true);
    const mock = frames.find((f) => f.direction === 's2c' && f.action === 'mock' && f.kind === 'response');
    expect(JSON.parse(mock!.message).result.resultType).toBe('complete');
  });
});

describe('tasks and cache hints', () => {
  it('pass through untouched and stay on the tape', async () => {
    const body = { jsonrpc: '2.0', id: 'tasked', method: 'tools/call', params: { name: 'echo', arguments: { message: 't' }, task: { ttl: 60000 }, _meta: { ...envelope, 'io.modelcontextprotocol/clientCapabilities': { extensions: { 'io.modelcontextprotocol/tasks': {} } } } } };
    const res = await modernPost(overHttp.url, body, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' });
    expect(res.status).toBe(200);
    const read = await modernPost(overHttp.url, { jsonrpc: '2.0', id: 'cached', method: 'resources/read', params: { uri: 'counter://value', _meta: envelope } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'resources/read', 'mcp-name': 'counter://value' });
    const text = await read.text();
    expect(text).toContain('"ttlMs":0');
    await new Promise((r) => setTimeout(r, 300));
    const frames = readTape(store, 'over-http').frames;
    expect(JSON.parse(frames.find((f) => f.id === '"tasked"' && f.kind === 'request')!.message)).toEqual(body);
    const answer = JSON.parse(frames.find((f) => f.id === '"cached"' && f.kind === 'response')!.message) as { result: Record<string, unknown> };
    expect(answer.result).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
  });
});

describe('subscriptions/listen through the live proxy', () => {
  it('SIGTERM does not hang on an open listen stream', async () => {
    const proxy = await start(recordArgs('listen-open', ['--', node, TS_SERVER, 'stdio']), 'record for listen');
    const res = await modernPost(proxy.url, { jsonrpc: '2.0', id: 'l1', method: 'subscriptions/listen', params: { notifications: { resourceSubscriptions: ['counter://value'] }, _meta: envelope } }, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('notifications/subscriptions/acknowledged');
    const started = Date.now();
    await stop(proxy.child);
    expect(Date.now() - started).toBeLessThan(8000);
    await reader.cancel().catch(() => undefined);
  });
});

describe('a stdio client bridged to a modern HTTP server (record --url)', () => {
  it('stays modern when both ends are, and falls back when the client is 2025', async () => {
    const bridged = { command: node, args: [CLI, 'record', '-q', '--store', store, '--url', server.url] };
    const direct = await runScenario({ negotiation: 'auto', url: server.url });
    const viaStdio = await runScenario({ negotiation: 'auto', stdio: bridged });
    expect(viaStdio.protocolVersion).toBe('2026-07-28');
    expect(viaStdio).toEqual(direct);
    const legacy = await runScenario({ negotiation: 'legacy', stdio: bridged });
    expect(legacy.protocolVersion).not.toBe('2026-07-28');
  });
});
