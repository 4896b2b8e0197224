/**
 * Streamable HTTP through the proxy, against the real server-everything and the SDK's
 * StreamableHTTPClientTransport: both directions of bridging, live progress, the server's own
 * requests over the GET stream, resumption with Last-Event-ID, and the spec's status codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startHttpProxy } from '../src/proxy/http.js';
import { TapeStore } from '../src/tape/store.js';
import { silentLogger } from '../src/core/log.js';
import type { UpstreamSpec } from '../src/proxy/upstream.js';
import { CLI, EVERYTHING, ROOT, tempDir } from './support/paths.js';
import { startEverything, type RunningServer } from './support/servers.js';

const INIT = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const POST_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let upstream: RunningServer;
let dir: string;

beforeAll(async () => {
  upstream = await startEverything('streamableHttp');
  dir = tempDir();
});

afterAll(async () => {
  await upstream?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function proxyTo(spec: UpstreamSpec, name: string, extra: Partial<Parameters<typeof startHttpProxy>[0]> = {}) {
  const store = TapeStore.open(join(dir, `${name}.db`));
  const proxy = await startHttpProxy({
    listen: { host: '127.0.0.1', port: 0 },
    upstream: spec,
    logger: silentLogger,
    record: { store, tape: { name, transport: spec.kind } },
    ...extra,
  });
  return {
    proxy,
    store,
    async close() {
      await proxy.close();
      store.close();
    },
    frames() {
      const reader = TapeStore.open(store.file, { readonly: true });
      try {
        return reader.frames(reader.requireTape(name).id);
      } finally {
        reader.close();
      }
    },
  };
}

interface Observed {
  tools: number;
  echo: string;
  progress: number;
  progressBeforeResult: boolean;
  rootsAsked: number;
}

/** What a user does with a server: the same script over any transport. */
async function exercise(client: Client, connect: () => Promise<void>): Promise<Observed> {
  let rootsAsked = 0;
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    rootsAsked++;
    return { roots: [{ uri: 'file:///tmp', name: 'tmp' }] };
  });
  await connect();
  const tools = await client.listTools();
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'through the proxy' } });
  let progress = 0;
  let resultArrived = false;
  let progressBeforeResult = false;
  await client
    .callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } }, undefined, {
      onprogress: () => {
        progress++;
        if (!resultArrived) progressBeforeResult = true;
      },
    })
    .then(() => (resultArrived = true));
  // server-everything asks for roots right after initialization; give the answer time to land.
  for (let i = 0; i < 50 && rootsAsked === 0; i++) await new Promise((r) => setTimeout(r, 20));
  return { tools: tools.tools.length, echo: (echo.content as { text: string }[])[0]!.text, progress, progressBeforeResult, rootsAsked };
}

function newClient(): Client {
  return new Client({ name: 'streamable-test', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
}

describe('Streamable HTTP client through the proxy', () => {
  it('reaches a Streamable HTTP upstream: calls, live progress, roots/list over the GET stream, all on the tape', async () => {
    const tap = await proxyTo({ kind: 'streamable', url: upstream.url }, 'http-to-http');
    const client = newClient();
    try {
      const seen = await exercise(client, () => client.connect(new StreamableHTTPClientTransport(new URL(tap.proxy.urls.streamableHttp))));
      expect(seen.tools).toBeGreaterThan(5);
      expect(seen.echo).toBe('Echo: through the proxy');
      expect(seen.progress).toBeGreaterThanOrEqual(2);
      expect(seen.progressBeforeResult).toBe(true);
      expect(seen.rootsAsked).toBe(1);
    } finally {
      await client.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    const frames = tap.frames();
    const methods = frames.map((f) => `${f.direction} ${f.kind} ${f.method ?? ''}`);
    expect(methods).toContain('c2s request initialize');
    expect(methods).toContain('s2c response initialize');
    expect(methods).toContain('s2c request roots/list');
    expect(methods).toContain('c2s response roots/list');
    expect(methods.filter((m) => m === 's2c notification notifications/progress').length).toBeGreaterThanOrEqual(2);
    const echoAnswer = frames.find((f) => f.kind === 'response' && f.message.includes('Echo: through the proxy'));
    expect(echoAnswer?.latencyMs).toBeGreaterThan(0);
    await tap.close();
  });

  it('reaches a stdio server spawned per session', async () => {
    const tap = await proxyTo({ kind: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }, 'http-to-stdio');
    const client = newClient();
    try {
      const seen = await exercise(client, () => client.connect(new StreamableHTTPClientTransport(new URL(tap.proxy.urls.streamableHttp))));
      expect(seen.echo).toBe('Echo: through the proxy');
      expect(seen.progressBeforeResult).toBe(true);
      expect(seen.rootsAsked).toBe(1);
      expect(tap.proxy.links.size).toBe(1);
    } finally {
      await client.close();
    }
    await tap.close();
  });

  it('keeps sessions apart: two clients, two upstream sessions, one tape', async () => {
    const tap = await proxyTo({ kind: 'streamable', url: upstream.url }, 'two-clients');
    const a = newClient();
    const b = newClient();
    try {
      await a.connect(new StreamableHTTPClientTransport(new URL(tap.proxy.urls.streamableHttp)));
      await b.connect(new StreamableHTTPClientTransport(new URL(tap.proxy.urls.streamableHttp)));
      const [ra, rb] = await Promise.all([
        a.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }),
        b.callTool({ name: 'get-sum', arguments: { a: 10, b: 20 } }),
      ]);
      expect(JSON.stringify(ra)).toContain('3');
      expect(JSON.stringify(rb)).toContain('30');
      expect(tap.proxy.links.size).toBe(2);
      // Each proxy session knows its own upstream session, which the client never sees.
      const upstreamIds = [...tap.proxy.links.values()].map((link) => link.session.upstreamSessionId);
      expect(new Set(upstreamIds).size).toBe(2);
      expect(upstreamIds.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
    const reader = TapeStore.open(tap.store.file, { readonly: true });
    expect(reader.sessions(reader.requireTape('two-clients').id)).toHaveLength(2);
    reader.close();
    await tap.close();
  });
});

describe('stdio client to a Streamable HTTP server', () => {
  it('bridges a stdio client to an HTTP upstream with mcp-tap record --url', async () => {
    const store = join(dir, 'stdio-to-http.db');
    const client = newClient();
    try {
      const seen = await exercise(client, () =>
        client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'record', '-q', '--store', store, '--name', 'bridge', '--url', upstream.url], stderr: 'ignore' })),
      );
      expect(seen.echo).toBe('Echo: through the proxy');
      expect(seen.progress).toBeGreaterThanOrEqual(2);
      expect(seen.rootsAsked).toBe(1);
    } finally {
      await client.close();
    }
    const reader = TapeStore.open(store, { readonly: true });
    const tape = reader.requireTape('bridge');
    expect(tape.upstream).toEqual({ url: upstream.url });
    expect(reader.frames(tape.id).some((f) => f.method === 'roots/list')).toBe(true);
    reader.close();
  });
});

/** A session opened with plain fetch, to look at the HTTP layer the SDK hides. */
async function rawSession(url: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: POST_HEADERS, body: JSON.stringify(INIT) });
  expect(res.status).toBe(200);
  const sessionId = res.headers.get('mcp-session-id');
  await res.text();
  expect(sessionId).toBeTruthy();
  await fetch(url, {
    method: 'POST',
    headers: { ...POST_HEADERS, 'mcp-session-id': sessionId! },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  }).then((r) => r.text());
  return sessionId!;
}

interface SseEvent {
  id?: string;
  data: string;
}

/** Reads SSE events from a response until `stop` says so (or the stream ends). */
async function readEvents(res: Response, stop: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!stop(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event: SseEvent = { data: '' };
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) event.id = line.slice(4);
        if (line.startsWith('data: ')) event.data += line.slice(6);
      }
      if (event.data) events.push(event);
    }
  }
  await reader.cancel().catch(() => undefined);
  return events;
}

describe('resumption with Last-Event-ID', () => {
  it('gives a client that dropped a POST stream mid-call everything it missed, then the rest live', async () => {
    const tap = await proxyTo({ kind: 'streamable', url: upstream.url }, 'resume');
    const url = tap.proxy.urls.streamableHttp;
    const sessionId = await rawSession(url);
    const call = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'trigger-long-running-operation', arguments: { duration: 1.2, steps: 4 }, _meta: { progressToken: 'tok' } },
    };
    const controller = new AbortController();
    const res = await fetch(url, { method: 'POST', headers: { ...POST_HEADERS, 'mcp-session-id': sessionId }, body: JSON.stringify(call), signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    // Read the first progress event, then drop the connection.
    const before = await readEvents(res, (events) => events.length >= 1);
    controller.abort();
    expect(JSON.parse(before[0]!.data).method).toBe('notifications/progress');
    const lastEventId = before[0]!.id!;
    expect(lastEventId).toMatch(/^p\d+\.\d+$/);
    // Stay away long enough for more progress to happen while disconnected.
    await new Promise((r) => setTimeout(r, 500));
    const resumed = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'last-event-id': lastEventId } });
    expect(resumed.status).toBe(200);
    const after = await readEvents(resumed, (events) => events.some((e) => JSON.parse(e.data).id === 7));
    const messages = after.map((e) => JSON.parse(e.data));
    const progress = [before[0]!, ...after].map((e) => JSON.parse(e.data)).filter((m) => m.method === 'notifications/progress').map((m) => m.params.progress);
    // Nothing lost, nothing twice: every step once, in order, then the answer.
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(messages.at(-1).id).toBe(7);
    expect(messages.at(-1).result.content[0].text).toContain('Long running operation completed');
    // Every event id belongs to the same stream as the one resumed.
    const stream = lastEventId.split('.')[0];
    expect(after.every((e) => e.id!.startsWith(`${stream}.`))).toBe(true);
    await tap.close();
  });

  it('lets the SDK client resume a broken stream on its own and finish the call', async () => {
    const tap = await proxyTo({ kind: 'streamable', url: upstream.url }, 'sdk-resume');
    let broken = 0;
    // A fetch that cuts the first long-running call's stream after its first event.
    const flakyFetch: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      const body = typeof init?.body === 'string' ? init.body : '';
      if (broken > 0 || !body.includes('trigger-long-running-operation') || !res.body) return res;
      broken++;
      const reader = res.body.getReader();
      let sentOne = false;
      const cut = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sentOne) {
            await reader.cancel();
            controller.error(new Error('connection lost'));
            return;
          }
          const { value, done } = await reader.read();
          if (done) return controller.close();
          controller.enqueue(value);
          if (new TextDecoder().decode(value).includes('\n\n')) sentOne = true;
        },
      });
      return new Response(cut, { status: res.status, headers: res.headers });
    };
    const client = newClient();
    client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [] }));
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(tap.proxy.urls.streamableHttp), { fetch: flakyFetch }));
      let progress = 0;
      const result = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } }, undefined, {
        onprogress: () => progress++,
        timeout: 20_000,
      });
      expect(broken).toBe(1);
      expect(JSON.stringify(result)).toContain('Long running operation completed');
      expect(progress).toBeGreaterThanOrEqual(3);
    } finally {
      await client.close();
    }
    await tap.close();
  });
});

describe('the HTTP layer', () => {
  let tap: Awaited<ReturnType<typeof proxyTo>>;
  let url: string;
  beforeAll(async () => {
    tap = await proxyTo({ kind: 'streamable', url: upstream.url }, 'http-layer', { policy: { maxBodyBytes: 64 * 1024 } });
    url = tap.proxy.urls.streamableHttp;
  });
  afterAll(async () => tap.close());

  it('answers an unknown session with 404 and a missing one with 400', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const unknown = await fetch(url, { method: 'POST', headers: { ...POST_HEADERS, 'mcp-session-id': 'no-such-session' }, body: ping });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toMatch(/session not found/i);
    const missing = await fetch(url, { method: 'POST', headers: POST_HEADERS, body: ping });
    expect(missing.status).toBe(400);
  });

  it('ends a session on DELETE, after which the session id is unknown', async () => {
    const sessionId = await rawSession(url);
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const alive = await fetch(url, { method: 'POST', headers: { ...POST_HEADERS, 'mcp-session-id': sessionId }, body: ping });
    expect(alive.status).toBe(200);
    expect(await alive.text()).toContain('"result"');
    const deleted = await fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': sessionId } });
    expect(deleted.status).toBe(200);
    const after = await fetch(url, { method: 'POST', headers: { ...POST_HEADERS, 'mcp-session-id': sessionId }, body: ping });
    expect(after.status).toBe(404);
    expect(tap.proxy.links.has(sessionId)).toBe(false);
  });

  it('keeps the spec status codes: 406, 415, 405, 409, 400 on bad JSON', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' });
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: ping })).status).toBe(406);
    expect((await fetch(url, { method: 'POST', headers: { ...POST_HEADERS, 'content-type': 'text/plain' }, body: ping })).status).toBe(415);
    expect((await fetch(url, { method: 'PUT', body: ping })).status).toBe(405);
    const badJson = await fetch(url, { method: 'POST', headers: POST_HEADERS, body: '{"jsonrpc": "2.0", "id": 1, ' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const sessionId = await rawSession(url);
    const first = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId } });
    expect(first.status).toBe(200);
    const second = await fetch(url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId } });
    expect(second.status).toBe(409);
    await first.body?.cancel();
  });

  it('refuses a browser origin that is not allowed (403), accepts loopback origins', async () => {
    const refused = await fetch(url, { method: 'POST', headers: { ...POST_HEADERS, origin: 'http://evil.example' }, body: JSON.stringify(INIT) });
    expect(refused.status).toBe(403);
    const allowed = await fetch(url, { method: 'POST', headers: { ...POST_HEADERS, origin: 'http://localhost:6274' }, body: JSON.stringify(INIT) });
    expect(allowed.status).toBe(200);
    await allowed.text();
  });

  it('refuses an oversized body with 413 and keeps serving', async () => {
    const huge = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping', params: { pad: 'x'.repeat(100 * 1024) } });
    const res = await fetch(url, { method: 'POST', headers: POST_HEADERS, body: huge });
    expect(res.status).toBe(413);
    await rawSession(url);
  });
});

describe('an upstream that is not there', () => {
  it('answers initialize with 502 naming the upstream, and the proxy keeps serving', async () => {
    const tap = await proxyTo({ kind: 'streamable', url: 'http://127.0.0.1:9/mcp' }, 'down');
    const res = await fetch(tap.proxy.urls.streamableHttp, { method: 'POST', headers: POST_HEADERS, body: JSON.stringify(INIT) });
    // The session opens (the upstream is reached lazily); the initialize answer carries the failure.
    const text = await res.text();
    expect(text).toMatch(/unreachable|ECONNREFUSED/);
    const again = await fetch(tap.proxy.urls.streamableHttp, { method: 'POST', headers: POST_HEADERS, body: JSON.stringify(INIT) });
    expect(await again.text()).toMatch(/unreachable|ECONNREFUSED/);
    await tap.close();
  });
});

describe('stateless servers (no sessions)', () => {
  async function startStateless(mode: 'sse' | 'json'): Promise<{ url: string; stop(): void }> {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'stateless-server.mjs'), '0', mode], { stdio: ['ignore', 'ignore', 'pipe'] });
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        const match = /listening (\d+)/.exec(chunk.toString());
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`stateless fixture exited with ${code}`)));
    });
    return { url: `http://127.0.0.1:${port}/mcp`, stop: () => child.kill() };
  }

  const call = (id: number, name: string, args: Record<string, unknown>) =>
    JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { progressToken: id } } });
  const statelessHeaders = { ...POST_HEADERS, 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/call', 'mcp-name': 'headers', 'x-custom': 'kept' };

  for (const mode of ['sse', 'json'] as const) {
    it(`relays a sessionless exchange untouched (${mode} answer) and records it as its own session`, async () => {
      const server = await startStateless(mode);
      const tap = await proxyTo({ kind: 'streamable', url: server.url }, `stateless-${mode}`);
      try {
        const direct = await fetch(server.url, { method: 'POST', headers: statelessHeaders, body: call(1, 'headers', {}) });
        const viaProxy = await fetch(tap.proxy.urls.streamableHttp, { method: 'POST', headers: statelessHeaders, body: call(1, 'headers', {}) });
        expect(viaProxy.status).toBe(direct.status);
        expect(viaProxy.headers.get('content-type')).toBe(direct.headers.get('content-type'));
        expect(viaProxy.headers.get('mcp-session-id')).toBeNull();
        const [directBody, proxiedBody] = [await direct.text(), await viaProxy.text()];
        expect(proxiedBody).toBe(directBody);
        // The routing headers reached the server as the client sent them.
        expect(proxiedBody).toContain('\\"method\\":\\"tools/call\\"');
        expect(proxiedBody).toContain('\\"name\\":\\"headers\\"');
        expect(proxiedBody).toContain('\\"custom\\":\\"kept\\"');
        const second = await fetch(tap.proxy.urls.streamableHttp, { method: 'POST', headers: { ...statelessHeaders, 'mcp-name': 'echo' }, body: call(2, 'echo', { message: 'again' }) });
        expect(await second.text()).toContain('Echo: again');
        await new Promise((r) => setTimeout(r, 100));
        const frames = tap.frames();
        expect(frames.map((f) => `${f.direction} ${f.kind} ${f.method}`)).toEqual([
          'c2s request tools/call',
          's2c response tools/call',
          'c2s request tools/call',
          's2c response tools/call',
        ]);
        expect(frames.every((f) => f.flags.includes('stateless'))).toBe(true);
        expect(frames[1]!.latencyMs).toBeGreaterThan(0);
        const reader = TapeStore.open(tap.store.file, { readonly: true });
        expect(reader.sessions(reader.requireTape(`stateless-${mode}`).id)).toHaveLength(2);
        reader.close();
      } finally {
        await tap.close();
        server.stop();
      }
    });
  }

  it('lets an SDK client that initializes reach a stateless server through its proxy session', async () => {
    const server = await startStateless('sse');
    const tap = await proxyTo({ kind: 'streamable', url: server.url }, 'stateless-sdk');
    const client = new Client({ name: 'stateless-sdk', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(tap.proxy.urls.streamableHttp)));
      const result = await client.callTool({ name: 'echo', arguments: { message: 'sessionless upstream' } });
      expect((result.content as { text: string }[])[0]!.text).toBe('Echo: sessionless upstream');
    } finally {
      await client.close();
      await tap.close();
      server.stop();
    }
  });
});

describe('replaying an HTTP-recorded tape over HTTP', () => {
  it('serves a Streamable HTTP client from a tape recorded over Streamable HTTP, with the server gone', async () => {
    const { spawn } = await import('node:child_process');
    const store = join(dir, 'http-replay.db');
    // Record through the CLI, as a user would.
    const record = spawn(process.execPath, [CLI, 'record', '--store', store, '--name', 'over-http', '--listen', '127.0.0.1:0', '--url', upstream.url], { stdio: ['ignore', 'ignore', 'pipe'] });
    const recordUrl = await new Promise<string>((resolve) => {
      let err = '';
      record.stderr!.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const match = /Streamable HTTP\s+(\S+)/.exec(err);
        if (match) resolve(match[1]!);
      });
    });
    const live = newClient();
    const liveSeen = await exercise(live, () => live.connect(new StreamableHTTPClientTransport(new URL(recordUrl))));
    await live.close();
    record.kill('SIGTERM');
    await new Promise((r) => record.once('exit', r));

    const replay = spawn(process.execPath, [CLI, 'replay', 'over-http', '--store', store, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let replayErr = '';
    const replayUrl = await new Promise<string>((resolve) => {
      replay.stderr!.on('data', (chunk: Buffer) => {
        replayErr += chunk.toString();
        const match = /Streamable HTTP\s+(\S+)/.exec(replayErr);
        if (match) resolve(match[1]!);
      });
    });
    const client = newClient();
    try {
      const replayed = await exercise(client, () => client.connect(new StreamableHTTPClientTransport(new URL(replayUrl))));
      expect(replayed.echo).toBe(liveSeen.echo);
      expect(replayed.tools).toBe(liveSeen.tools);
      expect(replayed.progress).toBeGreaterThanOrEqual(1);
      expect(replayed.rootsAsked).toBe(1);
    } finally {
      await client.close();
      replay.kill('SIGTERM');
      await new Promise((r) => replay.once('exit', r));
    }
    expect(replayErr).toMatch(/replay: \d+ matched, 0 missed/);
  });
});

describe('headers passed to the upstream', () => {
  it('passes the client headers on, except those stripped, and only the allowed ones when listed', async () => {
    const { spawn } = await import('node:child_process');
    const fixture = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'stateless-server.mjs'), '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const port = await new Promise<number>((resolve) => fixture.stderr!.on('data', (chunk: Buffer) => /listening (\d+)/.test(chunk.toString()) && resolve(Number(/listening (\d+)/.exec(chunk.toString())![1]))));
    const url = `http://127.0.0.1:${port}/mcp`;
    const seen = async (policy: { stripHeaders?: string[]; allowHeaders?: string[] }) => {
      const store = TapeStore.open(join(dir, `headers-${Math.random()}.db`));
      const proxy = await startHttpProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: { kind: 'streamable', url }, logger: silentLogger, policy, record: { store, tape: { name: 'h', transport: 'streamable' } } });
      const client = new Client({ name: 'headers', version: '1.0.0' });
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(proxy.urls.streamableHttp), { requestInit: { headers: { 'x-custom': 'secret-value', authorization: 'Bearer abc' } } }));
        const result = await client.callTool({ name: 'headers', arguments: {} });
        return JSON.parse((result.content as { text: string }[])[0]!.text) as { custom?: string };
      } finally {
        await client.close();
        await proxy.close({ drainTimeoutMs: 100 });
        const reader = TapeStore.open(store.file, { readonly: true });
        // Tapes never hold headers: the credentials the client sent are nowhere on it.
        const all = reader.frames(reader.requireTape('h').id).map((f) => f.message).join('\n');
        expect(all).not.toContain('Bearer abc');
        reader.close();
        store.close();
      }
    };
    try {
      expect((await seen({})).custom).toBe('secret-value');
      expect((await seen({ stripHeaders: ['x-custom'] })).custom).toBeUndefined();
      expect((await seen({ allowHeaders: ['authorization'] })).custom).toBeUndefined();
      expect((await seen({ allowHeaders: ['x-custom'] })).custom).toBe('secret-value');
    } finally {
      fixture.kill();
    }
  });
});
