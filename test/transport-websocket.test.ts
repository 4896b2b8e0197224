/**
 * WebSocket on both sides: the SDK's WebSocketClientTransport as a client, a WebSocket MCP server
 * (SDK McpServer) as an upstream, bridged to and from stdio and Streamable HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { WebSocketClientTransport } from '@modelcontextprotocol/sdk/client/websocket.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startHttpProxy } from '../src/proxy/http.js';
import type { UpstreamSpec } from '../src/proxy/upstream.js';
import { silentLogger } from '../src/core/log.js';
import { TapeStore } from '../src/tape/store.js';
import { CLI, EVERYTHING, ROOT, tempDir } from './support/paths.js';
import { freePort, startEverything, type RunningServer } from './support/servers.js';

// Node 20 has no global WebSocket; the SDK's client transport uses the global one.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;

let dir: string;
let wsServer: { child: ChildProcess; port: number; url: string };
let http: RunningServer;

async function startWsServer(port?: number) {
  const child = spawn(process.execPath, [join(ROOT, 'test', 'fixtures', 'ws-server.mjs'), String(port ?? 0)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const bound = await new Promise<number>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      const match = /listening (\d+)/.exec(chunk.toString());
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`ws fixture exited ${code}`)));
  });
  return { child, port: bound, url: `ws://127.0.0.1:${bound}/` };
}

beforeAll(async () => {
  dir = tempDir();
  // One after the other: the ws fixture binds port 0, and while server-everything boots it could
  // be handed the very port freePort() just picked for server-everything.
  wsServer = await startWsServer();
  http = await startEverything('streamableHttp');
});
afterAll(async () => {
  wsServer?.child.kill();
  await http?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function proxy(spec: UpstreamSpec, name: string, extra: { pingIntervalMs?: number } = {}) {
  const store = TapeStore.open(join(dir, `${name}.db`));
  const server = await startHttpProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: spec, logger: silentLogger, record: { store, tape: { name, transport: spec.kind } }, ...extra });
  return {
    server,
    frames: () => {
      server.proxy.recorder?.flush();
      const reader = TapeStore.open(store.file, { readonly: true });
      try {
        return reader.frames(reader.requireTape(name).id);
      } finally {
        reader.close();
      }
    },
    close: async () => {
      await server.close({ drainTimeoutMs: 200 });
      store.close();
    },
  };
}

const text = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

describe('WebSocket client through the proxy', () => {
  it('reaches a WebSocket upstream: calls, progress, all on the tape', async () => {
    const tap = await proxy({ kind: 'ws', url: wsServer.url }, 'ws-to-ws');
    const client = new Client({ name: 'ws-client', version: '1.0.0' });
    try {
      await client.connect(new WebSocketClientTransport(new URL(tap.server.urls.websocket)));
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['add', 'echo', 'slow']);
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'over ws' } }))).toBe('Echo: over ws');
      let progress = 0;
      expect(text(await client.callTool({ name: 'slow', arguments: { steps: 3 } }, undefined, { onprogress: () => progress++ }))).toBe('done after 3 steps');
      expect(progress).toBeGreaterThanOrEqual(2);
    } finally {
      await client.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    const frames = tap.frames();
    expect(frames.some((f) => f.direction === 's2c' && f.message.includes('Echo: over ws'))).toBe(true);
    expect(frames.filter((f) => f.method === 'notifications/progress').length).toBeGreaterThanOrEqual(2);
    await tap.close();
  });

  it('reaches a stdio server, including the server asking the client for roots', async () => {
    const tap = await proxy({ kind: 'stdio', command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }, 'ws-to-stdio');
    const client = new Client({ name: 'ws-client', version: '1.0.0' }, { capabilities: { roots: {} } });
    let roots = 0;
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      roots++;
      return { roots: [{ uri: 'file:///ws', name: 'ws' }] };
    });
    try {
      await client.connect(new WebSocketClientTransport(new URL(tap.server.urls.websocket)));
      expect(text(await client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } }))).toContain('42');
      for (let i = 0; i < 50 && roots === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(roots).toBe(1);
    } finally {
      await client.close();
      await tap.close();
    }
  });

  it('reaches a Streamable HTTP server', async () => {
    const tap = await proxy({ kind: 'streamable', url: http.url }, 'ws-to-http');
    const client = new Client({ name: 'ws-client', version: '1.0.0' });
    try {
      await client.connect(new WebSocketClientTransport(new URL(tap.server.urls.websocket)));
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'bridged' } }))).toBe('Echo: bridged');
    } finally {
      await client.close();
      await tap.close();
    }
  });
});

describe('other clients to a WebSocket server', () => {
  it('Streamable HTTP client to the WebSocket upstream', async () => {
    const tap = await proxy({ kind: 'ws', url: wsServer.url }, 'http-to-ws');
    const client = new Client({ name: 'http-client', version: '1.0.0' });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(tap.server.urls.streamableHttp)));
      expect(text(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } }))).toBe('5');
    } finally {
      await client.close();
      await tap.close();
    }
  });

  it('stdio client to the WebSocket upstream with mcp-tap record --url ws://', async () => {
    const client = new Client({ name: 'stdio-client', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'record', '-q', '--store', join(dir, 'stdio-ws.db'), '--url', wsServer.url], stderr: 'ignore' }));
    try {
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'from stdio' } }))).toBe('Echo: from stdio');
    } finally {
      await client.close();
    }
  });
});

describe('a WebSocket upstream that restarts', () => {
  it('reconnects, initializes the new connection, and later calls work', async () => {
    const own = await startWsServer(await freePort());
    const tap = await proxy({ kind: 'ws', url: own.url }, 'ws-restart');
    const client = new Client({ name: 'ws-client', version: '1.0.0' });
    let restarted: Awaited<ReturnType<typeof startWsServer>> | undefined;
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(tap.server.urls.streamableHttp)));
      expect(text(await client.callTool({ name: 'echo', arguments: { message: 'before' } }))).toBe('Echo: before');
      own.child.kill();
      await new Promise((r) => own.child.once('exit', r));
      restarted = await startWsServer(own.port);
      let answer = '';
      for (let i = 0; i < 30 && !answer; i++) {
        answer = await client.callTool({ name: 'echo', arguments: { message: 'after' } }).then(text, () => '');
        if (!answer) await new Promise((r) => setTimeout(r, 200));
      }
      expect(answer).toBe('Echo: after');
    } finally {
      await client.close();
      await tap.close();
      restarted?.child.kill();
    }
  });
});

describe('the WebSocket endpoint', () => {
  it('detects a client that stops answering pings and ends its session', async () => {
    const tap = await proxy({ kind: 'ws', url: wsServer.url }, 'ws-dead', { pingIntervalMs: 100 });
    const socket = new WebSocket(tap.server.urls.websocket, 'mcp', { autoPong: false });
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mute', version: '1' } } }));
    await new Promise((resolve) => socket.once('message', resolve));
    expect(tap.server.links.size).toBe(1);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    expect(await closed).toBe(1006);
    for (let i = 0; i < 20 && tap.server.links.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(tap.server.links.size).toBe(0);
    await tap.close();
  });

  it('refuses a client offering another subprotocol, and a browser origin that is not allowed', async () => {
    const tap = await proxy({ kind: 'ws', url: wsServer.url }, 'ws-refuse');
    const status = (protocols: string | undefined, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(tap.server.urls.websocket, protocols, { headers });
        socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('error', () => undefined);
      });
    try {
      expect(await status('graphql-ws')).toBe(400);
      expect(await status('mcp', { origin: 'http://evil.example' })).toBe(403);
      expect(await status('mcp')).toBe(101);
    } finally {
      await tap.close();
    }
  });
});
