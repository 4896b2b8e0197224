/** mcp-tap/testing: the record modes, in process and as a command line. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { tapeMode, tapeServer, tapeTransport } from '../src/testing/index.js';
import { TapeStore } from '../src/tape/store.js';
import { spawnSync } from 'node:child_process';
import { EVERYTHING, ROOT, tempDir } from './support/paths.js';

let dir: string;
let store: string;
const server = { command: process.execPath, args: [EVERYTHING, 'stdio'] };

beforeAll(() => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sumThrough(mode: 'record' | 'replay' | 'passthrough') {
  const tape = await tapeTransport({ store, tape: 'helper', server, mode });
  const client = new Client({ name: 'helper-test', version: '1.0.0' });
  await client.connect(tape.transport);
  const result = await client.callTool({ name: 'get-sum', arguments: { a: 20, b: 22 } });
  await client.close();
  await new Promise((r) => setTimeout(r, 100));
  return { result, tape };
}

describe('tapeTransport', () => {
  it('records against the real server, then replays the same answers with no server', async () => {
    const recorded = await sumThrough('record');
    expect(JSON.stringify(recorded.result)).toContain('The sum of 20 and 22 is 42.');
    const tapes = TapeStore.open(store, { readonly: true });
    expect(tapes.requireTape('helper').frameCount).toBeGreaterThanOrEqual(5);
    tapes.close();
    const replayed = await sumThrough('replay');
    expect(replayed.result).toEqual(recorded.result);
    expect(replayed.tape.summary()).toMatchObject({ missed: [], unused: [] });
  });

  it('has the whole tape written when the client’s close() returns, even in a process that exits at once', async () => {
    const file = join(dir, 'exits.db');
    // A test process that ends right after closing its client, as a test runner's worker may.
    const script = `
      import { Client } from '@modelcontextprotocol/sdk/client/index.js';
      import { tapeTransport } from ${JSON.stringify(join(ROOT, 'dist', 'testing', 'index.js'))};
      const tape = await tapeTransport({ store: ${JSON.stringify(file)}, tape: 'quick', mode: 'record', server: ${JSON.stringify(server)} });
      const client = new Client({ name: 'quick', version: '1.0.0' });
      await client.connect(tape.transport);
      await client.callTool({ name: 'echo', arguments: { message: 'kept' } });
      await client.close();
      process.exit(0);
    `;
    const exited = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    expect(exited.status, exited.stderr).toBe(0);
    const tapes = TapeStore.open(file, { readonly: true });
    try {
      const tape = tapes.requireTape('quick');
      const frames = tapes.frames(tape.id);
      // initialize, its answer, initialized, the call and its answer; and the tape marked ended.
      expect(frames.filter((f) => f.kind === 'response').map((f) => f.method)).toEqual(['initialize', 'tools/call']);
      expect(tape.endedAt).toBeDefined();
    } finally {
      tapes.close();
    }
  });

  it('records over the old tape in record mode', async () => {
    await sumThrough('record');
    const tapes = TapeStore.open(store, { readonly: true });
    expect(tapes.listTapes().filter((t) => t.name === 'helper')).toHaveLength(1);
    tapes.close();
  });

  it('reaches the real server and records nothing in passthrough mode', async () => {
    const before = TapeStore.open(store, { readonly: true });
    const frames = before.requireTape('helper').frameCount;
    before.close();
    const { result } = await sumThrough('passthrough');
    expect(JSON.stringify(result)).toContain('42');
    const after = TapeStore.open(store, { readonly: true });
    expect(after.requireTape('helper').frameCount).toBe(frames);
    after.close();
  });
});

describe('tapeServer and the mode', () => {
  it('gives a replay command line by default, and the real server in passthrough', () => {
    const previous = process.env.MCP_TAP_MODE;
    delete process.env.MCP_TAP_MODE;
    try {
      const replay = tapeServer({ store, tape: 'helper', ignore: ['arguments.ts'] });
      expect(replay.mode).toBe('replay');
      expect(replay.args).toEqual(expect.arrayContaining(['replay', 'helper', '--store', store, '--ignore', 'arguments.ts']));
      expect(tapeServer({ store, tape: 'helper', server, mode: 'passthrough' })).toMatchObject({ command: process.execPath, args: server.args });
      expect(tapeServer({ store, tape: 'helper', server, mode: 'record' }).args).toEqual(expect.arrayContaining(['record', '--replace', '--', process.execPath]));
    } finally {
      if (previous !== undefined) process.env.MCP_TAP_MODE = previous;
    }
  });

  it('refuses an unknown mode and a live mode without a server', () => {
    expect(() => tapeMode({ mode: 'sometimes' as never })).toThrow(/must be replay, record, passthrough, record-missing, not "sometimes"/);
    expect(() => tapeServer({ store, tape: 'x', mode: 'record' })).toThrow(/needs the real server/);
  });
});
