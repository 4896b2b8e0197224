/**
 * Replay: record real sessions (server-everything, server-memory), then serve them to the SDK
 * client from the tape with no server running at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { TapeStore } from '../src/tape/store.js';
import { CLI, EVERYTHING, MEMORY, tempDir } from './support/paths.js';

let dir: string;
let store: string;

/** Connects the SDK client to `mcp-tap <args>` on stdio; collects its stderr. */
async function connect(args: string[], env: NodeJS.ProcessEnv = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...args], stderr: 'pipe', env: { ...process.env, ...env } as Record<string, string> });
  let stderr = '';
  (transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'replay-test', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
  let roots = 0;
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    roots++;
    return { roots: [{ uri: 'file:///tmp', name: 'tmp' }] };
  });
  await client.connect(transport);
  const exited = new Promise<number | null>((resolve) => {
    const child = (transport as unknown as { _process?: { once(e: 'exit', f: (code: number | null) => void): void } })._process;
    child?.once('exit', (code) => resolve(code));
  });
  return {
    client,
    roots: () => roots,
    stderr: () => stderr,
    async close() {
      await client.close();
      return exited;
    },
  };
}

/** The same calls, live and replayed. */
async function everythingScript(client: Client) {
  const out: Record<string, unknown> = {};
  out.server = client.getServerVersion();
  out.tools = await client.listTools();
  out.echo = await client.callTool({ name: 'echo', arguments: { message: 'replay me' } });
  out.sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
  out.resource = await client.readResource({ uri: 'demo://resource/static/document/architecture.md' });
  out.prompt = await client.getPrompt({ name: 'simple-prompt' });
  let progress = 0;
  out.long = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 3 } }, undefined, { onprogress: () => progress++ });
  out.progressArrived = progress > 0;
  return out;
}

let live: Record<string, unknown>;

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  const recording = await connect(['record', '-q', '--store', store, '--name', 'everything', '--', process.execPath, EVERYTHING, 'stdio']);
  live = await everythingScript(recording.client);
  for (let i = 0; i < 50 && recording.roots() === 0; i++) await new Promise((r) => setTimeout(r, 20));
  await recording.close();

  // server-memory: the same read_graph request answered differently before and after a change.
  const memory = await connect(['record', '-q', '--store', store, '--name', 'memory', '--', process.execPath, MEMORY], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') });
  await memory.client.callTool({ name: 'read_graph', arguments: {} });
  await memory.client.callTool({ name: 'create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] } });
  await memory.client.callTool({ name: 'read_graph', arguments: {} });
  await memory.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mcp-tap replay', () => {
  it('answers every call exactly as the live server did, with no server running', async () => {
    const replay = await connect(['replay', 'everything', '--store', store]);
    const replayed = await everythingScript(replay.client);
    for (let i = 0; i < 50 && replay.roots() === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(replayed).toEqual(live);
    expect(replayed.progressArrived).toBe(true);
    expect(replay.roots()).toBe(1);
    expect(await replay.close()).toBe(0);
    expect(replay.stderr()).toMatch(/replay: \d+ matched, 0 missed, 0 recorded request\(s\) unused/);
  });

  it('serves identical requests their recorded answers in order', async () => {
    const replay = await connect(['replay', 'memory', '--store', store]);
    const before = JSON.stringify(await replay.client.callTool({ name: 'read_graph', arguments: {} }));
    await replay.client.callTool({ name: 'create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }] } });
    const after = JSON.stringify(await replay.client.callTool({ name: 'read_graph', arguments: {} }));
    expect(before).not.toContain('Ada');
    expect(after).toContain('Ada');
    // A third identical request: the recorded answers are used up.
    await expect(replay.client.callTool({ name: 'read_graph', arguments: {} })).rejects.toThrow(/no recorded answer for tools\/call/);
    await replay.close();
  });

  it('with --reuse serves the last answer again once the sequence is used up', async () => {
    const replay = await connect(['replay', 'memory', '--store', store, '--reuse']);
    await replay.client.callTool({ name: 'read_graph', arguments: {} });
    await replay.client.callTool({ name: 'read_graph', arguments: {} });
    expect(JSON.stringify(await replay.client.callTool({ name: 'read_graph', arguments: {} }))).toContain('Ada');
    await replay.close();
  });

  it('answers a request the tape never saw with an error naming the nearest recorded one; --strict exits 1', async () => {
    const replay = await connect(['replay', 'everything', '--store', store, '--strict']);
    await expect(replay.client.callTool({ name: 'echo', arguments: { message: 'never said' } })).rejects.toThrow(
      /no recorded answer for tools\/call .*never said.*nearest recorded request: tools\/call .*replay me/,
    );
    expect(await replay.close()).toBe(1);
    expect(replay.stderr()).toMatch(/missed: tools\/call/);
    expect(replay.stderr()).toMatch(/unused: tools\/list/);
  });

  it('with --on-miss passthrough sends misses to the real server and adds them to the tape', async () => {
    const replay = await connect(['replay', 'everything', '--store', store, '--on-miss', 'passthrough', '--', process.execPath, EVERYTHING, 'stdio']);
    const recorded = await replay.client.callTool({ name: 'echo', arguments: { message: 'replay me' } });
    expect(JSON.stringify(recorded)).toContain('Echo: replay me');
    const fresh = await replay.client.callTool({ name: 'echo', arguments: { message: 'brand new' } });
    expect(JSON.stringify(fresh)).toContain('Echo: brand new');
    await replay.close();
    const reader = TapeStore.open(store, { readonly: true });
    const frames = reader.frames(reader.requireTape('everything').id);
    reader.close();
    const added = frames.filter((f) => f.flags.includes('passthrough'));
    // The exchange itself, plus whatever the real server said on its own (list changes, roots/list).
    const call = added.find((f) => f.direction === 'c2s' && f.kind === 'request' && f.method === 'tools/call')!;
    const answer = added.find((f) => f.direction === 's2c' && f.kind === 'response' && f.method === 'tools/call')!;
    expect(call.message).toContain('brand new');
    expect(answer.message).toContain('Echo: brand new');
    expect(answer.seq).toBeGreaterThan(call.seq);
    expect(answer.latencyMs).toBeGreaterThan(0);
    expect(frames.filter((f) => f.message.includes('brand new') && !f.flags.includes('passthrough'))).toEqual([]);
    // Replayed again, the tape now answers the new request itself.
    const again = await connect(['replay', 'everything', '--store', store]);
    expect(JSON.stringify(await again.client.callTool({ name: 'echo', arguments: { message: 'brand new' } }))).toContain('Echo: brand new');
    await again.close();
  });

  it('keeps the recorded pace with --speed 1, and goes much faster with --speed 10', async () => {
    const timed = async (args: string[]) => {
      const replay = await connect(['replay', 'everything', '--store', store, ...args]);
      const started = Date.now();
      await replay.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 3 } });
      const elapsed = Date.now() - started;
      await replay.close();
      return elapsed;
    };
    // The recorded call took about a second, gaps included: at the recorded pace the replay waits
    // them out, ten times as fast it waits a tenth. One wide line between the two, as this is
    // behaviour, not a benchmark (a loaded machine slows both).
    expect(await timed(['--speed', '1'])).toBeGreaterThan(700);
    expect(await timed(['--speed', '10'])).toBeLessThan(500);
  });
});
