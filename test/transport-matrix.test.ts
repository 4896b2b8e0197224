/**
 * Every client transport against every upstream transport, with real peers: the SDK's stdio,
 * Streamable HTTP, SSE and WebSocket clients; server-everything on stdio, Streamable HTTP and
 * legacy SSE, and a WebSocket server built on the SDK's McpServer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { startHttpProxy, type HttpProxy } from '../src/proxy/http.js';
import type { LiveUpstreamSpec } from '../src/proxy/upstream.js';
import { silentLogger } from '../src/core/log.js';
import { TapeStore } from '../src/tape/store.js';
import { runCli } from './support/cli.js';
import { CLI, EVERYTHING, ROOT, tempDir } from './support/paths.js';
import { startEverything, type RunningServer } from './support/servers.js';

(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let dir: string;
let streamable: RunningServer;
let sse: RunningServer;
let ws: { child: ChildProcess; url: string };

beforeAll(async () => {
  dir = tempDir();
  const wsChild = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'ws-server.mjs'), '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const wsPort = new Promise<number>((resolve) => wsChild.stderr!.on('data', (chunk: Buffer) => /listening (\d+)/.test(chunk.toString()) && resolve(Number(/listening (\d+)/.exec(chunk.toString())![1]))));
  // One after the other, so the two free-port picks can never hand out the same port.
  streamable = await startEverything('streamableHttp');
  sse = await startEverything('sse');
  ws = { child: wsChild, url: `ws://127.0.0.1:${await wsPort}/` };
});

afterAll(async () => {
  ws?.child.kill();
  await Promise.all([streamable?.stop(), sse?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const upstreams: Record<string, () => LiveUpstreamSpec> = {
  stdio: () => ({ kind: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }),
  'streamable HTTP': () => ({ kind: 'streamable', url: streamable.url }),
  'legacy SSE': () => ({ kind: 'sse', url: sse.url }),
  WebSocket: () => ({ kind: 'ws', url: ws.url }),
};

/** The command-line arguments that make `mcp-tap record` reach an upstream. */
function upstreamArgs(spec: LiveUpstreamSpec): string[] {
  return spec.kind === 'stdio' ? ['--', spec.command, ...spec.args] : ['--url', spec.url, '--transport', spec.kind];
}

const clients: Record<string, (spec: LiveUpstreamSpec, name: string, proxy: () => Promise<HttpProxy>) => Promise<Transport>> = {
  stdio: async (spec, name) =>
    new StdioClientTransport({ command: process.execPath, args: [CLI, 'record', '-q', '--store', join(dir, 'matrix.db'), '--name', name, ...upstreamArgs(spec)], stderr: 'ignore' }),
  'streamable HTTP': async (_spec, _name, proxy) => new StreamableHTTPClientTransport(new URL((await proxy()).urls.streamableHttp)),
  'legacy SSE': async (_spec, _name, proxy) => new SSEClientTransport(new URL((await proxy()).urls.sse)),
  WebSocket: async (_spec, _name, proxy) => new WebSocketClientTransport(new URL((await proxy()).urls.websocket)),
};

describe('client transport × upstream transport', () => {
  for (const [clientKind, makeClient] of Object.entries(clients)) {
    for (const [upstreamKind, makeUpstream] of Object.entries(upstreams)) {
      it(`${clientKind} client → ${upstreamKind} server`, async () => {
        const spec = makeUpstream();
        const name = `${clientKind}-${upstreamKind}`.replace(/\s+/g, '_');
        let proxy: HttpProxy | undefined;
        let store: TapeStore | undefined;
        const startProxy = async () => {
          store = TapeStore.open(join(dir, `${name}.db`));
          proxy = await startHttpProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: spec, logger: silentLogger, record: { store, tape: { name, transport: spec.kind } } });
          return proxy;
        };
        const client = new Client({ name: 'matrix', version: '1.0.0' });
        try {
          await client.connect(await makeClient(spec, name, startProxy));
          const tools = (await client.listTools()).tools.map((t) => t.name);
          expect(tools).toContain('echo');
          const echo = await client.callTool({ name: 'echo', arguments: { message: `${clientKind} to ${upstreamKind}` } });
          expect((echo.content as { text: string }[])[0]!.text).toBe(`Echo: ${clientKind} to ${upstreamKind}`);
        } finally {
          await client.close();
          await proxy?.close({ drainTimeoutMs: 200 });
        }
        // Recorded either way: by the in-process proxy, or by the record command for stdio clients.
        const reader = TapeStore.open(store?.file ?? join(dir, 'matrix.db'), { readonly: true });
        const frames = reader.frames(reader.requireTape(name).id);
        reader.close();
        store?.close();
        expect(frames.some((f) => f.direction === 's2c' && f.message.includes(`Echo: ${clientKind} to ${upstreamKind}`))).toBe(true);
      });
    }
  }
});

describe('legacy SSE specifics', () => {
  it('streams progress and asks the client for roots over an SSE upstream', async () => {
    const store = TapeStore.open(join(dir, 'sse-progress.db'));
    const proxy = await startHttpProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: { kind: 'sse', url: sse.url }, logger: silentLogger, record: { store, tape: { name: 'p', transport: 'sse' } } });
    const client = new Client({ name: 'sse', version: '1.0.0' });
    try {
      await client.connect(new SSEClientTransport(new URL(proxy.urls.sse)));
      let progress = 0;
      const result = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.4, steps: 3 } }, undefined, { onprogress: () => progress++ });
      expect(JSON.stringify(result)).toContain('Long running operation completed');
      expect(progress).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
      await proxy.close({ drainTimeoutMs: 200 });
      store.close();
    }
  });

  it('answers an unknown session with 404 and a bad body with 400', async () => {
    const proxy = await startHttpProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: { kind: 'sse', url: sse.url }, logger: silentLogger });
    try {
      const base = proxy.urls.sse.replace(/\/sse$/, '');
      const unknown = await fetch(`${base}/messages?sessionId=nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
      expect(unknown.status).toBe(404);
      const stream = await fetch(proxy.urls.sse, { headers: { accept: 'text/event-stream' } });
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let first = '';
      while (!first.includes('\n\n')) first += (await reader.read()).value ?? '';
      const endpoint = /event: endpoint\ndata: (\S+)/.exec(first)![1]!;
      expect(endpoint).toMatch(/^\/messages\?sessionId=/);
      const bad = await fetch(`${base}${endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
      expect(bad.status).toBe(400);
      await reader.cancel();
    } finally {
      await proxy.close({ drainTimeoutMs: 200 });
    }
  });

  it('refuses to start in front of an SSE upstream that is not running, saying why', async () => {
    const result = await runCli(['record', '-q', '--store', join(dir, 'down.db'), '--url', 'http://127.0.0.1:9/sse']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('mcp-tap: cannot reach http://127.0.0.1:9/sse: nothing listens there (connection refused)\n');
    expect(result.stdout).toBe('');
  });
});
