/**
 * A real session through `mcp-tap record`: server-everything on stdio and the SDK client. The
 * client sees what it would see without the proxy; the tape holds every message, in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { classify } from '../src/core/jsonrpc.js';
import { REDACTED } from '../src/tape/redact.js';
import { EVERYTHING, tempDir } from './support/paths.js';
import { connectEverything, readTape, recordEverything, ROOTS, type ReadTape, type RecordingClient } from './support/record.js';
import { rawProxy, request } from './support/raw-proxy.js';

const ECHOED = 'héllo 😀 wörld';

/** The script a user runs against a server; returns what the client saw. */
async function script({ client, rootsAsked }: RecordingClient) {
  const seen: Record<string, unknown> = {};
  seen.server = client.getServerVersion();
  seen.capabilities = client.getServerCapabilities();
  seen.tools = (await client.listTools()).tools.map((t) => t.name);
  seen.echo = await client.callTool({ name: 'echo', arguments: { message: ECHOED } });
  seen.sum = await client.callTool({ name: 'get-sum', arguments: { a: 19, b: 23 } });
  seen.resource = await client.readResource({ uri: 'demo://resource/static/document/architecture.md' });
  seen.prompt = await client.getPrompt({ name: 'simple-prompt' });
  const progress: number[] = [];
  seen.long = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } }, undefined, {
    onprogress: (p) => progress.push(p.progress),
  });
  // The SDK client may drop the last progress notification when it arrives in the same read as
  // the response (it handles notifications a microtask late), with or without a proxy; what it
  // did call must be progress in order.
  seen.progressInOrder = progress.length > 0 && progress.every((p, i) => p === i + 1);
  // server-everything asks for the roots once the session is initialized; give it a moment.
  for (let i = 0; i < 100 && rootsAsked() === 0; i++) await new Promise((r) => setTimeout(r, 20));
  seen.rootsAsked = rootsAsked();
  return seen;
}

let dir: string;
let store: string;
let proxied: Record<string, unknown>;
let direct: Record<string, unknown>;
let recorded: RecordingClient;
let tape: ReadTape;

const parsed = (frames: ReadTape['frames']) => frames.map((f) => JSON.parse(f.message) as JSONRPCMessage);

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  // The same script through the proxy and straight to the server, side by side (each close
  // waits out server-everything's shutdown, so running them together halves the wait).
  const throughProxy = async () => {
    recorded = await recordEverything(store, 'full', ['--redact', 'params.arguments.message']);
    proxied = await script(recorded);
    await recorded.close();
    tape = readTape(store, 'full');
  };
  const withoutProxy = async () => {
    const directly = await connectEverything();
    direct = await script(directly);
    await directly.close();
  };
  await Promise.all([throughProxy(), withoutProxy()]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mcp-tap record over stdio: what the client sees', () => {
  it('is the same through the proxy as without it', () => {
    expect(proxied).toEqual(direct);
  });

  it('got every answer: tools, echo (with non-ASCII text), sum, resource, prompt', () => {
    expect(proxied.tools).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']));
    expect(proxied.echo).toEqual({ content: [{ type: 'text', text: `Echo: ${ECHOED}` }] });
    expect(JSON.stringify(proxied.sum)).toContain('42');
    expect((proxied.resource as { contents: { uri: string }[] }).contents[0]!.uri).toBe('demo://resource/static/document/architecture.md');
    expect((proxied.prompt as { messages: unknown[] }).messages.length).toBeGreaterThan(0);
  });

  it('had its progress callback called and answered the server’s roots/list through the proxy', () => {
    expect(proxied.progressInOrder).toBe(true);
    expect(proxied.rootsAsked).toBe(1);
  });
});

describe('mcp-tap record over stdio: the tape', () => {
  it('holds exactly what the client sent, in order, secrets redacted', () => {
    const c2s = tape.frames.filter((f) => f.direction === 'c2s');
    const expected = recorded.wire.sent.map((m) => structuredClone(m) as { params?: { arguments?: Record<string, unknown> } });
    for (const m of expected) if (m.params?.arguments && 'message' in m.params.arguments) m.params.arguments.message = REDACTED;
    expect(parsed(c2s)).toEqual(expected);
  });

  it('holds exactly what the client received, in order', () => {
    const s2c = tape.frames.filter((f) => f.direction === 's2c');
    expect(parsed(s2c)).toEqual(recorded.wire.received);
  });

  it('numbers frames in order on one clock, and names the session’s exchanges', () => {
    const { frames } = tape;
    expect(frames.map((f) => f.seq)).toEqual(frames.map((_, i) => i + 1));
    const times = frames.map((f) => f.tMs);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // What the server says on its own (progress, list_changed, roots/list) comes when it comes.
    const outline = frames.filter((f) => !(f.direction === 's2c' && f.kind !== 'response') && f.method !== 'roots/list').map((f) => `${f.direction} ${f.kind} ${f.method}`);
    expect(outline.slice(0, 15)).toEqual([
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
      's2c response tools/call',
    ]);
    // Nothing was changed, blocked or flagged on the way (besides noting what came in one read).
    expect(new Set(frames.map((f) => `${f.action} ${f.flags.filter((flag) => flag !== 'same-read').join(',')} ${f.original ?? ''}`))).toEqual(new Set(['continue  ']));
  });

  it('pairs every request with one response of the same method, in the other direction, with a latency', () => {
    const requests = tape.frames.filter((f) => f.kind === 'request');
    const responses = tape.frames.filter((f) => f.kind === 'response' || f.kind === 'error');
    expect(responses).toHaveLength(requests.length);
    for (const req of requests) {
      const answers = responses.filter((r) => r.id === req.id && r.direction !== req.direction);
      expect(answers).toHaveLength(1);
      expect(answers[0]!.method).toBe(req.method);
      expect(answers[0]!.seq).toBeGreaterThan(req.seq);
      expect(answers[0]!.latencyMs).toBeGreaterThan(0);
    }
    for (const other of tape.frames.filter((f) => f.kind !== 'response' && f.kind !== 'error')) expect(other.latencyMs).toBeUndefined();
    // The long operation took at least its 0.6 s duration, and its latency says so.
    const long = responses.find((r) => r.message.includes('Long running operation completed'));
    expect(long!.latencyMs).toBeGreaterThanOrEqual(600);
  });

  it('has every progress notification, while the long call was pending', () => {
    const call = tape.frames.find((f) => f.kind === 'request' && f.message.includes('trigger-long-running-operation'))!;
    const answer = tape.frames.find((f) => f.kind === 'response' && f.id === call.id && f.direction === 's2c')!;
    const progress = tape.frames.filter((f) => f.method === 'notifications/progress');
    expect(progress).toHaveLength(3);
    const token = (JSON.parse(call.message) as { params: { _meta: { progressToken: unknown } } }).params._meta.progressToken;
    for (const p of progress) {
      expect(p.direction).toBe('s2c');
      expect(p.kind).toBe('notification');
      expect(p.seq).toBeGreaterThan(call.seq);
      expect(p.seq).toBeLessThan(answer.seq);
      // The progress token is a protocol field, never redacted.
      expect((JSON.parse(p.message) as { params: { progressToken: unknown } }).params.progressToken).toBe(token);
    }
  });

  it('has the server-to-client roots/list request, then the client’s answer', () => {
    const roots = tape.frames.filter((f) => f.method === 'roots/list');
    expect(roots.map((f) => `${f.direction} ${f.kind}`)).toEqual(['s2c request', 'c2s response']);
    expect(roots[1]!.id).toBe(roots[0]!.id);
    expect(JSON.parse(roots[1]!.message)).toMatchObject({ result: { roots: ROOTS } });
  });

  it('records who spoke: client and server info and the negotiated protocol version', () => {
    const init = recorded.wire.received.find((m) => 'result' in m && 'protocolVersion' in m.result) as unknown as { result: { protocolVersion: string; serverInfo: unknown } };
    expect(tape.tape.clientInfo).toEqual({ name: 'test-client', version: '1.0.0' });
    expect(tape.tape.serverInfo).toEqual(init.result.serverInfo);
    expect(tape.tape.serverInfo).toEqual(proxied.server);
    expect(tape.tape.protocolVersion).toBe(init.result.protocolVersion);
    expect(tape.tape.upstream?.command).toEqual([process.execPath, EVERYTHING, 'stdio']);
    expect(tape.tape.transport).toBe('stdio');
    expect(tape.tape.frameCount).toBe(tape.frames.length);
    expect(tape.tape.endedAt).toBeDefined();
    expect(tape.sessions).toHaveLength(1);
    expect(tape.sessions[0]).toMatchObject({ clientCapabilities: { roots: {} }, protocolVersion: init.result.protocolVersion });
  });

  it('redacts --redact paths on the tape only, and names them', () => {
    const call = tape.frames.find((f) => f.kind === 'request' && f.message.includes('"name":"echo"'))!;
    expect(call.message).toContain(`"message":"${REDACTED}"`);
    expect(call.message).not.toContain('héllo');
    expect(call.redacted).toEqual(['params.arguments.message']);
    expect(tape.frames.filter((f) => f.redacted.length > 0)).toEqual([call]);
    expect(tape.tape.redactions).toContain('params.arguments.message');
    // The client's request went out unredacted: the server echoed the real text back.
    expect(proxied.echo).toEqual({ content: [{ type: 'text', text: `Echo: ${ECHOED}` }] });
    const answer = tape.frames.find((f) => f.kind === 'response' && f.id === call.id)!;
    expect(JSON.parse(answer.message)).toMatchObject({ result: { content: [{ text: `Echo: ${ECHOED}` }] } });
  });

  it('keeps the store readable only by its owner', () => {
    expect(statSync(store).mode & 0o777).toBe(0o600);
  });
});

describe('mcp-tap record over stdio: stdout', () => {
  it('carries nothing but JSON-RPC messages', async () => {
    const proxy = rawProxy(['--store', join(dir, 'raw.db'), '--', process.execPath, EVERYTHING, 'stdio']);
    proxy.send(request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: { roots: {} }, clientInfo: { name: 'raw', version: '1' } }));
    await proxy.next((m) => m.id === 0);
    proxy.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    proxy.send(request(1, 'tools/call', { name: 'echo', arguments: { message: 'x' } }));
    await proxy.next((m) => m.id === 1);
    // The server asks for roots; answer it as a client would.
    const ask = await proxy.next((m) => m.method === 'roots/list');
    proxy.send(JSON.stringify({ jsonrpc: '2.0', id: ask.id, result: { roots: [] } }));
    proxy.send(request(2, 'tools/list'));
    await proxy.next((m) => m.id === 2);
    proxy.child.stdin.end();
    expect((await proxy.exited).code).toBe(0);
    // rawProxy fails on any stdout line that is not JSON; each one is also a JSON-RPC message.
    expect(proxy.out.length).toBeGreaterThanOrEqual(4);
    for (const message of proxy.out) expect(classify(message)).not.toBe('invalid');
    // The proxy's own notes went to stderr.
    expect(proxy.stderr()).toContain('saved to');
  });
});
