/**
 * A real session through `mcp-tap record`: server-everything on stdio and the SDK client. The
 * client sees what it would see without the proxy; the tape holds every message, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { TapeStore } from '../src/tape/store.js';
import type { TapeFrame, TapeInfo } from '../src/tape/types.js';
import { EVERYTHING, tempDir } from './support/paths.js';
import { recordEverything } from './support/record.js';
import { rawProxy, request } from './support/raw-proxy.js';

/** The script a user runs against a server; returns what the client saw. */
async function script(client: Client, rootsAsked: () => number) {
  const seen: Record<string, unknown> = {};
  seen.server = client.getServerVersion();
  seen.tools = (await client.listTools()).tools.map((t) => t.name);
  seen.echo = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
  seen.sum = await client.callTool({ name: 'get-sum', arguments: { a: 19, b: 23 } });
  seen.resource = await client.readResource({ uri: 'demo://resource/static/document/architecture.md' });
  seen.prompt = await client.getPrompt({ name: 'simple-prompt' });
  const progress: number[] = [];
  seen.long = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } }, undefined, {
    onprogress: (p) => progress.push(p.progress),
  });
  seen.progressSeen = progress.length > 0;
  for (let i = 0; i < 50 && rootsAsked() === 0; i++) await new Promise((r) => setTimeout(r, 20));
  seen.rootsAsked = rootsAsked();
  return seen;
}

let dir: string;
let store: string;
let proxied: Record<string, unknown>;
let direct: Record<string, unknown>;
let tape: TapeInfo;
let frames: TapeFrame[];

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  const session = await recordEverything(store, 'full', ['--redact', 'params.arguments.secretNote']);
  proxied = await script(session.client, session.rootsAsked);
  await session.client.callTool({ name: 'echo', arguments: { message: 'redact me', secretNote: 'classified' } }).catch(() => undefined);
  await session.close();

  const directClient = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
  let roots = 0;
  directClient.setRequestHandler(ListRootsRequestSchema, async () => {
    roots++;
    return { roots: [{ uri: 'file:///tmp', name: 'tmp' }] };
  });
  await directClient.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }));
  direct = await script(directClient, () => roots);
  await directClient.close();

  const reader = TapeStore.open(store, { readonly: true });
  tape = reader.requireTape('full');
  frames = reader.frames(tape.id);
  reader.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mcp-tap record over stdio', () => {
  it('is invisible to the client: every answer is what the server gives without the proxy', () => {
    expect(proxied).toEqual(direct);
    expect(proxied.progressSeen).toBe(true);
    expect(proxied.rootsAsked).toBe(1);
  });

  it('records who spoke: client and server info and the negotiated protocol version', () => {
    expect(tape.clientInfo).toEqual({ name: 'test-client', version: '1.0.0' });
    expect((tape.serverInfo as { name: string }).name).toBe('mcp-servers/everything');
    expect(tape.protocolVersion).toMatch(/^\d{4}-\d\d-\d\d$/);
    expect(tape.upstream?.command?.slice(-2)).toEqual([EVERYTHING, 'stdio']);
    expect(tape.endedAt).toBeDefined();
  });

  it('holds every message in order, with directions, kinds, methods and ids', () => {
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    const times = frames.map((f) => f.tMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const outline = frames.filter((f) => f.kind !== 'notification' || f.direction === 'c2s').map((f) => `${f.direction} ${f.kind} ${f.method}`);
    const expected = [
      'c2s request initialize',
      's2c response initialize',
      'c2s notification notifications/initialized',
      'c2s request tools/list',
      's2c response tools/list',
      'c2s request tools/call',
      's2c response tools/call',
      'c2s request tools/call',
      's2c response tools/call',
      'c2s request resources/read',
      's2c response resources/read',
      'c2s request prompts/get',
      's2c response prompts/get',
      'c2s request tools/call',
    ];
    expect(outline.slice(0, expected.length)).toEqual(expected);
    for (const response of frames.filter((f) => f.kind === 'response')) {
      const request = frames.find((f) => f.kind === 'request' && f.id === response.id && f.direction !== response.direction && f.seq < response.seq);
      expect(request?.method).toBe(response.method);
    }
  });

  it('puts a latency on every response', () => {
    const responses = frames.filter((f) => f.kind === 'response');
    expect(responses.length).toBeGreaterThan(8);
    for (const r of responses) expect(r.latencyMs).toBeGreaterThan(0);
    const long = responses.find((r) => r.message.includes('Long running operation completed'));
    expect(long!.latencyMs).toBeGreaterThan(500);
  });

  it('has the progress notifications and the roots/list exchange the server started', () => {
    const progress = frames.filter((f) => f.method === 'notifications/progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.every((f) => f.direction === 's2c')).toBe(true);
    const asked = frames.find((f) => f.method === 'roots/list' && f.kind === 'request');
    const answered = frames.find((f) => f.method === 'roots/list' && f.kind === 'response');
    expect(asked?.direction).toBe('s2c');
    expect(answered?.direction).toBe('c2s');
    expect(answered?.message).toContain('file:///tmp');
  });

  it('redacts on the tape only', () => {
    const call = frames.find((f) => f.message.includes('redact me') && f.kind === 'request')!;
    expect(call.message).toContain('[REDACTED]');
    expect(call.message).not.toContain('classified');
    expect(call.redacted).toEqual(['params.arguments.secretNote']);
  });

  it('keeps the store readable only by its owner', () => {
    expect(statSync(store).mode & 0o777).toBe(0o600);
  });

  it('writes nothing but JSON-RPC messages to stdout', async () => {
    const proxy = rawProxy(['--store', join(dir, 'raw.db'), '--', process.execPath, EVERYTHING, 'stdio']);
    proxy.send(request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } }));
    await proxy.next((m) => m.id === 0);
    proxy.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    proxy.send(request(1, 'tools/call', { name: 'echo', arguments: { message: 'x' } }));
    await proxy.next((m) => m.id === 1);
    proxy.child.stdin.end();
    await proxy.exited;
    expect(proxy.out.length).toBeGreaterThanOrEqual(2);
    expect(proxy.out.every((m) => (m as { jsonrpc?: string }).jsonrpc === '2.0')).toBe(true);
    // The proxy's own notes went to stderr.
    expect(proxy.stderr()).toContain('saved to');
  });
});
