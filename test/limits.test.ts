/**
 * The limits that keep one client, or many, from taking a listening proxy down: frame and body
 * sizes on every client transport, a cap on sessions (sessionless requests in flight counted),
 * memory budgets for what sessions keep, clients that send too slowly, and JSON-RPC batches
 * matched item by item.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { join, } from 'node:path';
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startHttpProxy, type HttpProxy } from '../src/proxy/http.js';
import { silentLogger } from '../src/core/log.js';
import { TapeStore } from '../src/tape/store.js';
import { EventTracker } from '../src/session/event-tracker.js';
import type { UpstreamSpec } from '../src/proxy/upstream.js';
import { ROOT, tempDir } from './support/paths.js';
import { rawProxy, request } from './support/raw-proxy.js';
import { readTape } from './support/record.js';
import { startFixture, type RunningFixture } from './support/servers.js';

const LINE_SERVER = join(ROOT, 'test', 'fixtures', 'line-server.mjs');
const LINE_UPSTREAM: UpstreamSpec = { kind: 'stdio', command: process.execPath, args: [LINE_SERVER], stderr: 'ignore' };
const POST = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function proxyWith(options: Partial<Parameters<typeof startHttpProxy>[0]> = {}, upstream: UpstreamSpec = LINE_UPSTREAM): Promise<{ proxy: HttpProxy; store: TapeStore }> {
  const store = TapeStore.open(join(dir, `${Math.random().toString(36).slice(2)}.db`));
  const proxy = await startHttpProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream, logger: silentLogger, record: { store, tape: { name: 't', transport: upstream.kind } }, ...options });
  return { proxy, store };
}

function openWs(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'mcp');
    ws.on('open', () => resolve(ws));
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
  });
}

describe('frame and body limits', () => {
  for (const [mode, body] of [['pretty', 'a JSON answer'], ['multiline', 'an SSE event']] as const) {
    it(`cuts off ${body} from a Streamable HTTP server over --max-message-size: the call gets -32004, the tape says so, the next call works`, async () => {
      const fixture = await startFixture(join(ROOT, 'test', 'fixtures', 'hostile-http-server.mjs'), [mode]);
      const { proxy, store } = await proxyWith({}, { kind: 'streamable', url: `http://127.0.0.1:${fixture.port}/mcp`, maxMessageBytes: 64 * 1024 });
      const client = new Client({ name: 'limits', version: '1.0.0' });
      try {
        await client.connect(new StreamableHTTPClientTransport(new URL(proxy.urls.streamableHttp)));
        const refused = await client.callTool({ name: 'big', arguments: { bytes: 4 * 1024 * 1024 } }).then(
          () => undefined,
          (error: unknown) => error as { code?: number; message?: string },
        );
        expect(refused?.code).toBe(-32004);
        expect(refused?.message).toMatch(/exceeds the 65536-byte limit/);
        // What fits still passes, on the same session.
        expect(await client.callTool({ name: 'big', arguments: { bytes: 1000 } })).toMatchObject({ content: [{ type: 'text', text: 'x'.repeat(1000) }] });
        proxy.proxy.recorder!.flush();
        const frames = store.frames(proxy.proxy.recorder!.tape.id);
        expect(frames.filter((f) => f.flags.includes('oversized')).length).toBeGreaterThan(0);
      } finally {
        await client.close();
        await proxy.close({ drainTimeoutMs: 0 });
        store.close();
        await fixture.stop();
      }
    });
  }

  it('closes a WebSocket whose frame is over --max-body-size with 1009, notes it on the tape, and keeps serving others', async () => {
    const { proxy, store } = await proxyWith({ policy: { maxBodyBytes: 64 * 1024 } });
    try {
      const ws = await openWs(proxy.urls.websocket);
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { pad: 'x'.repeat(200 * 1024) } }));
      expect(await closed).toBe(1009);
      // Another client is served as before.
      const other = await openWs(proxy.urls.websocket);
      const answer = new Promise<string>((resolve) => other.on('message', (data) => resolve(data.toString())));
      other.send(INIT);
      expect(await answer).toContain('line-server');
      other.close();
      proxy.proxy.recorder!.flush();
      const frames = store.frames(proxy.proxy.recorder!.tape.id);
      expect(frames.some((f) => f.flags.includes('oversized') && /over the 65536-byte limit/.test(f.note ?? ''))).toBe(true);
    } finally {
      await proxy.close({ drainTimeoutMs: 0 });
      store.close();
    }
  });

  it('keeps a limit on WebSocket frames by default (ws\'s own is not switched off)', async () => {
    const { proxy, store } = await proxyWith();
    try {
      const ws = await openWs(proxy.urls.websocket);
      const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'echo', params: { pad: 'x'.repeat(5 * 1024 * 1024) } }));
      expect(await closed).toBe(1009);
    } finally {
      await proxy.close({ drainTimeoutMs: 0 });
      store.close();
    }
  });

  it('answers a body over --max-body-size with 413 on /mcp, declared or not', async () => {
    const { proxy, store } = await proxyWith({ policy: { maxBodyBytes: 1024 } });
    try {
      const declared = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: INIT.replace('"raw"', `"${'r'.repeat(4000)}"`) });
      expect(declared.status).toBe(413);
      // Chunked, so no Content-Length to refuse it by: the reader counts.
      const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(`{"pad":"${'p'.repeat(4000)}"}`)), c.close()) });
      const chunked = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body, duplex: 'half' } as RequestInit);
      expect(chunked.status).toBe(413);
    } finally {
      await proxy.close({ drainTimeoutMs: 0 });
      store.close();
    }
  });
});

describe('--max-sessions', () => {
  it('refuses sessions past the cap with 503 on every client transport, and takes new ones when one ends', async () => {
    const { proxy, store } = await proxyWith({ limits: { maxSessions: 2 } });
    try {
      const first = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: INIT });
      const firstId = first.headers.get('mcp-session-id')!;
      await first.text();
      const ws = await openWs(proxy.urls.websocket);
      await new Promise((r) => setTimeout(r, 100));
      expect(proxy.links.size).toBe(2);
      const third = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: INIT });
      expect(third.status).toBe(503);
      expect(await third.text()).toMatch(/--max-sessions 2/);
      const sse = await fetch(proxy.urls.sse, { headers: { accept: 'text/event-stream' } });
      expect(sse.status).toBe(503);
      await sse.body?.cancel();
      await expect(openWs(proxy.urls.websocket)).rejects.toThrow(/HTTP 503/);
      // Still two sessions, and still two server processes: nothing was spawned for the refused ones.
      expect(proxy.links.size).toBe(2);
      await fetch(proxy.urls.streamableHttp, { method: 'DELETE', headers: { 'mcp-session-id': firstId } });
      const again = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: INIT });
      expect(again.status).toBe(200);
      await again.text();
      ws.close();
    } finally {
      await proxy.close({ drainTimeoutMs: 0 });
      store.close();
    }
  });

  it('counts MCP 2026-07-28 conversations against the cap', async () => {
    const { proxy, store } = await proxyWith({ limits: { maxSessions: 1 } });
    const modern = (client: string) => ({
      method: 'POST',
      headers: { ...POST, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'ping' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: client, version: '1' } } } }),
    });
    try {
      const first = await fetch(proxy.urls.streamableHttp, modern('first'));
      expect(first.status).not.toBe(503);
      await first.text();
      // A second client identity would open a second conversation: over the cap.
      const second = await fetch(proxy.urls.streamableHttp, modern('second'));
      expect(second.status).toBe(503);
      await second.text();
      const legacy = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: INIT });
      expect(legacy.status).toBe(503);
      await legacy.text();
    } finally {
      await proxy.close({ drainTimeoutMs: 0 });
      store.close();
    }
  });

  it('counts sessionless requests in flight against the cap', async () => {
    const fixture: RunningFixture = await startFixture(join(ROOT, 'test', 'fixtures', 'hostile-http-server.mjs'), ['pretty']);
    const { proxy, store } = await proxyWith({ limits: { maxSessions: 1 } }, { kind: 'streamable', url: `http://127.0.0.1:${fixture.port}/mcp` });
    try {
      // One sessionless call that never ends holds the only place.
      const hanging = fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'hang' } }), signal: AbortSignal.timeout(3000) }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      const refused = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }) });
      expect(refused.status).toBe(503);
      const session = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: INIT });
      expect(session.status).toBe(503);
      void hanging;
    } finally {
      await proxy.close({ drainTimeoutMs: 0 });
      store.close();
      await fixture.stop();
    }
  });
});

describe('slow clients', () => {
  it('cuts off a client that dribbles its headers or its body (408), and an SSE stream lives on past the timeout', async () => {
    const { proxy, store } = await proxyWith({ limits: { requestTimeoutMs: 1000, headersTimeoutMs: 500 } });
    const port = proxy.address.port;
    const dribble = (lines: string[]) =>
      new Promise<{ answer: string; ms: number }>((resolve) => {
        const started = performance.now();
        const socket = connect(port, '127.0.0.1');
        let answer = '';
        let i = 0;
        const timer = setInterval(() => socket.write(lines[Math.min(i++, lines.length - 1)]!), 100);
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('close', () => {
          clearInterval(timer);
          resolve({ answer, ms: performance.now() - started });
        });
        socket.on('error', () => undefined);
      });
    try {
      const headers = await dribble(['POST /mcp HTTP/1.1\r\n', 'Host: 127.0.0.1\r\n', 'X-Slow: 1\r\n']);
      expect(headers.answer).toMatch(/^HTTP\/1\.1 408/);
      expect(headers.ms).toBeLessThan(3000);
      const body = await dribble([`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 100000\r\n\r\n{`, ' ']);
      expect(body.answer).toMatch(/408/);
      expect(body.ms).toBeLessThan(4000);
      // A session's GET stream is a response meant to last: still open after twice the timeout.
      const init = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: POST, body: INIT });
      const sessionId = init.headers.get('mcp-session-id')!;
      await init.text();
      const get = await fetch(proxy.urls.streamableHttp, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId } });
      expect(get.status).toBe(200);
      const reader = get.body!.getReader();
      const ended = reader.read().then(() => 'ended');
      const stillOpen = await Promise.race([ended, new Promise((r) => setTimeout(() => r('open'), 2500))]);
      expect(stillOpen).toBe('open');
      await reader.cancel();
    } finally {
      await proxy.close({ drainTimeoutMs: 0 });
      store.close();
    }
  });
});

describe('memory budgets for what sessions keep', () => {
  it('keeps each session\'s SSE events under its byte budget, and all sessions under the total', () => {
    const tracker = new EventTracker(1000, { sessionBytes: 10_000, totalBytes: 25_000 });
    const kilobyte = 'k'.repeat(1000);
    for (let i = 0; i < 50; i++) tracker.track('a', 'p1', kilobyte);
    expect(tracker.stats('a').buffered).toBe(10);
    expect(tracker.stats('a').dropped).toBe(40);
    for (const session of ['b', 'c', 'd']) for (let i = 0; i < 10; i++) tracker.track(session, 'p1', kilobyte);
    expect(tracker.heldBytes).toBeLessThanOrEqual(25_000);
    // What is kept is the newest: a client that resumes gets the end of what it missed.
    expect(tracker.afterSync('d', 'p1.0')!.events.at(-1)!.id).toBe('p1.10');
    tracker.free('a');
    tracker.free('b');
    tracker.free('c');
    tracker.free('d');
    expect(tracker.heldBytes).toBe(0);
  });
});

describe('JSON-RPC batches over stdio', () => {
  it('matches batch answers item by item: no spurious -32002 at exit, nothing left pending', async () => {
    const store = join(dir, 'batch.db');
    const proxy = rawProxy(['--store', store, '--name', 'batch', '--', process.execPath, LINE_SERVER]);
    proxy.send(request(0, 'initialize', {}));
    await proxy.next((m) => m.id === 0);
    for (let round = 0; round < 50; round++) {
      proxy.send(JSON.stringify([1, 2, 3].map((n) => ({ jsonrpc: '2.0', id: `${round}-${n}`, method: 'echo', params: { n } }))));
    }
    await proxy.next((m) => Array.isArray(m) || m.id === '49-3', 10_000).catch(() => undefined);
    for (let i = 0; i < 50 && proxy.out.length < 51; i++) await new Promise((r) => setTimeout(r, 50));
    proxy.child.stdin.end();
    await proxy.exited;
    const errors = proxy.out.filter((m) => !Array.isArray(m) && (m as { error?: unknown }).error !== undefined);
    expect(errors).toEqual([]);
    expect(proxy.out.filter(Array.isArray)).toHaveLength(50);
    const frames = readTape(store, 'batch').frames;
    expect(frames.filter((f) => f.flags.includes('upstream-closed'))).toEqual([]);
  });

  it('refuses a batch with an item that is no JSON-RPC message, answering each request in it', async () => {
    const store = join(dir, 'bad-batch.db');
    const proxy = rawProxy(['--store', store, '--name', 'bad', '--', process.execPath, LINE_SERVER]);
    proxy.send(JSON.stringify([{ jsonrpc: '2.0', id: 'a', method: 'echo' }, 42, { jsonrpc: '2.0', method: 'notifications/x' }]));
    const answer = (await proxy.next((m) => Array.isArray(m))) as unknown as { id: unknown; error: { code: number; message: string } }[];
    expect(answer.map((a) => a.id)).toEqual(['a', null]);
    for (const a of answer) expect(a.error.code).toBe(-32600);
    expect(answer[0]!.error.message).toMatch(/batch item 1 is not a JSON-RPC 2.0 message/);
    proxy.child.stdin.end();
    await proxy.exited;
  });
});
