/**
 * What an HTTP server does to a proxy in the field: it dies with requests in flight, drops an
 * answer stream it cannot resume, pretty-prints its JSON, spreads SSE data over several lines,
 * asks for a reconnection delay with `retry:`, refuses initialize, or closes a keep-alive socket
 * just as it is reused. Every request owed an answer gets one, and the client never hangs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startHttpProxy, type HttpProxy } from '../src/proxy/http.js';
import { silentLogger, type Logger } from '../src/core/log.js';
import type { UpstreamSpec } from '../src/proxy/upstream.js';
import { ROOT } from './support/paths.js';
import { startEverything, startFixture, type RunningFixture } from './support/servers.js';

const HOSTILE = join(ROOT, 'test', 'fixtures', 'hostile-http-server.mjs');

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m), debug: () => undefined };
}

async function proxyTo(upstream: UpstreamSpec, logger: Logger = silentLogger): Promise<HttpProxy> {
  return startHttpProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream, logger });
}

const newClient = () => new Client({ name: 'faults', version: '1.0.0' });

async function connected(url: string, kind: 'streamable' | 'sse' = 'streamable'): Promise<Client> {
  const client = newClient();
  await client.connect(kind === 'streamable' ? new StreamableHTTPClientTransport(new URL(url)) : new SSEClientTransport(new URL(url)));
  return client;
}

/** A proxy to `upstream` and a client connected through it, for `work`; both closed after. */
async function throughProxy(upstream: UpstreamSpec, work: (client: Client, proxy: HttpProxy) => Promise<void>, options: { logger?: Logger; client?: 'streamable' | 'sse' } = {}): Promise<void> {
  const proxy = await proxyTo(upstream, options.logger);
  const kind = options.client ?? 'streamable';
  const client = await connected(kind === 'streamable' ? proxy.urls.streamableHttp : proxy.urls.sse, kind);
  try {
    await work(client, proxy);
  } finally {
    await client.close().catch(() => undefined);
    await proxy.close({ drainTimeoutMs: 0 });
  }
}

/** How each of `calls` settled, with the time it took. */
async function settle(calls: Promise<unknown>[]): Promise<{ ok: boolean; message: string; ms: number }[]> {
  const started = performance.now();
  return Promise.all(
    calls.map((call) =>
      call.then(
        () => ({ ok: true, message: '', ms: performance.now() - started }),
        (error: Error) => ({ ok: false, message: error.message, ms: performance.now() - started }),
      ),
    ),
  );
}

/** The GET requests the hostile fixture has seen (when, and with which Last-Event-ID), once there are `count`. */
async function getsSeen(fixture: RunningFixture, count: number): Promise<{ at: number; lastEventId: string | null }[]> {
  let gets: { at: number; lastEventId: string | null }[] = [];
  for (let i = 0; i < 60 && gets.length < count; i++) {
    await new Promise((r) => setTimeout(r, 100));
    gets = ((await (await fetch(`http://127.0.0.1:${fixture.port}/stats`)).json()) as { gets: typeof gets }).gets;
  }
  return gets;
}

describe('an upstream that dies with requests pending', () => {
  it.each([
    // A stream with event ids is resumed a few times (backing off) before its call is answered with an error.
    ['streamableHttp', 'streamable', /upstream.*(could not be resumed|unreachable)|before answering/, 20_000],
    // A legacy session cannot be resumed: the calls are answered as soon as the stream drops.
    ['sse', 'sse', /upstream SSE stream .* dropped/, 5_000],
  ] as const)('%s: every pending call gets an error, well before the client would give up', async (mode, kind, why, within) => {
    const server = await startEverything(mode);
    try {
      await throughProxy({ kind, url: server.url }, async (client) => {
        const calls = Array.from({ length: 5 }, () => client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 60, steps: 60 } }, undefined, { timeout: 25_000 }));
        await new Promise((r) => setTimeout(r, 1000));
        server.child.kill('SIGKILL');
        const results = await settle(calls);
        expect(results.map((r) => r.ok)).toEqual([false, false, false, false, false]);
        for (const r of results) expect(r.message).toMatch(why);
        for (const r of results) expect(r.ms).toBeLessThan(within);
      });
    } finally {
      await server.stop();
    }
  });
});

describe('a hostile Streamable HTTP server', () => {
  const fixtures: RunningFixture[] = [];
  const start = async (mode: string) => {
    const fixture = await startFixture(HOSTILE, [mode]);
    fixtures.push(fixture);
    return fixture;
  };
  afterAll(async () => {
    for (const fixture of fixtures) await fixture.stop();
  });

  const hostile = async (mode: string, path: 'mcp' | 'sse' = 'mcp'): Promise<UpstreamSpec> => {
    const fixture = await start(mode);
    return path === 'mcp' ? { kind: 'streamable', url: `http://127.0.0.1:${fixture.port}/mcp` } : { kind: 'sse', url: `http://127.0.0.1:${fixture.port}/sse` };
  };

  it('that drops an answer stream with no event ids: the call gets an error at once, and stderr says so', async () => {
    const logger = recordingLogger();
    await throughProxy(
      await hostile('drop'),
      async (client) => {
        const [result] = await settle([client.callTool({ name: 'hang', arguments: {} }, undefined, { timeout: 20_000 })]);
        expect(result!.ok).toBe(false);
        expect(result!.message).toMatch(/closed the answer stream and it could not be resumed before answering tools\/call/);
        expect(result!.ms).toBeLessThan(3000);
        expect(logger.lines.join('\n')).toMatch(/no answer will come from the server to tools\/call/);
      },
      { logger },
    );
  });

  it.each([
    ['pretty', 'streamable'],
    ['pretty', 'sse'],
    ['multiline', 'streamable'],
    ['multiline', 'sse'],
  ] as const)('that sends %s JSON: a %s client initializes and calls tools as usual', async (mode, clientKind) => {
    await throughProxy(
      await hostile(mode),
      async (client) => {
        const tools = await client.listTools();
        expect(tools.tools[0]!.description).toBe('Echoes.\nOver two lines.');
        const echo = await client.callTool({ name: 'echo', arguments: { message: 'multi\nline' } });
        expect((echo.content as { text: string }[])[0]!.text).toBe('Echo: multi\nline');
      },
      { client: clientKind },
    );
  });

  it.each(['streamable', 'sse'] as const)('a legacy SSE server with multi-line data reaches a %s client', async (clientKind) => {
    await throughProxy(
      await hostile('multiline', 'sse'),
      async (client) => {
        const echo = await client.callTool({ name: 'echo', arguments: { message: 'over sse' } });
        expect((echo.content as { text: string }[])[0]!.text).toBe('Echo: over sse');
      },
      { client: clientKind },
    );
  });

  it("honours the server's retry: field on its GET stream (SEP-1699: 500 ms asked, not ~250 ms), with Last-Event-ID", async () => {
    const upstream = await hostile('retry');
    await throughProxy(upstream, async () => {
      const gets = await getsSeen(fixtures.at(-1)!, 3);
      expect(gets.length).toBeGreaterThanOrEqual(3);
      // Each stream stays open 100 ms, then the proxy waits the 500 ms asked for (within the conformance tolerance).
      for (let i = 1; i < 3; i++) {
        const waited = gets[i]!.at - gets[i - 1]!.at - 100;
        expect(waited).toBeGreaterThanOrEqual(450);
        expect(waited).toBeLessThan(700);
        expect(gets[i]!.lastEventId).toMatch(/^e\d+$/);
      }
    });
  });

  it("honours the server's retry: field on a legacy SSE stream that drops", async () => {
    await throughProxy(await hostile('retry', 'sse'), async () => {
      const gets = await getsSeen(fixtures.at(-1)!, 2);
      expect(gets.length).toBe(2);
      // The first stream is cut 300 ms after it opens; the proxy waits the 500 ms asked for.
      const waited = gets[1]!.at - gets[0]!.at - 300;
      expect(waited).toBeGreaterThanOrEqual(450);
      expect(waited).toBeLessThan(900);
    });
  });

  it('that refuses initialize: the client hears why, and its session is ended rather than left answering 400s', async () => {
    const fixture = await start('refuse-init');
    const proxy = await proxyTo({ kind: 'streamable', url: `http://127.0.0.1:${fixture.port}/mcp` });
    try {
      const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
      const sessionId = init.headers.get('mcp-session-id')!;
      expect(await init.text()).toMatch(/upstream answered 500/);
      await new Promise((r) => setTimeout(r, 100));
      expect(proxy.links.size).toBe(0);
      const next = await fetch(proxy.urls.streamableHttp, { method: 'POST', headers: { ...headers, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
      expect(next.status).toBe(404);
    } finally {
      await proxy.close({ drainTimeoutMs: 0 });
    }
  });
});

describe('a keep-alive socket the server closes as it is reused', () => {
  let server: Server;
  let port: number;
  let resets = 0;

  beforeAll(async () => {
    // Every second request on a connection is met by a reset before any byte of an answer: the
    // race a pooled client meets when the server's keep-alive timeout ends just as it sends.
    const served = new WeakMap<object, number>();
    server = createServer((req, res) => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const n = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, n);
      if (n === 2) {
        resets++;
        req.socket.resetAndDestroy();
        return;
      }
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const message = JSON.parse(body) as { id?: number; method: string };
        if (message.id === undefined) return res.writeHead(202).end();
        const result = message.method === 'initialize' ? { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'resetting', version: '1' } } : {};
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is retried once on a fresh socket: no call fails', async () => {
    const proxy = await proxyTo({ kind: 'streamable', url: `http://127.0.0.1:${port}/mcp` });
    const client = await connected(proxy.urls.streamableHttp);
    try {
      const results = await settle(Array.from({ length: 6 }, (_, i) => new Promise((r) => setTimeout(r, i * 30)).then(() => client.ping())));
      expect(resets).toBeGreaterThan(0);
      expect(results.filter((r) => !r.ok)).toEqual([]);
    } finally {
      await client.close();
      await proxy.close({ drainTimeoutMs: 0 });
    }
  });
});
