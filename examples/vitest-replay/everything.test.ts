/**
 * A client test that needs no server: its answers come from a tape.
 *
 *   npx vitest run examples/vitest-replay                          # replay (offline, deterministic)
 *   MCP_TAP_MODE=record npx vitest run examples/vitest-replay      # re-record against the real server
 *   MCP_TAP_MODE=passthrough npx vitest run examples/vitest-replay # the real server, nothing recorded
 *
 * The tape is kept as JSON beside the test (tapes/everything.json), so changes show up in review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { exportTape, importTape, TapeStore } from 'mcp-tap';
import { tapeMode, tapeServer } from 'mcp-tap/testing';

const here = dirname(fileURLToPath(import.meta.url));
const tapeFile = join(here, 'tapes', 'everything.json');
const everything = join(dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'mcp-tap-example-'));
const store = join(dir, 'tapes.db');
const mode = tapeMode();

beforeAll(() => {
  if (mode !== 'replay') return;
  const tapes = TapeStore.open(store);
  importTape(tapes, JSON.parse(readFileSync(tapeFile, 'utf8')));
  tapes.close();
});

afterAll(() => {
  if (mode === 'record') {
    const tapes = TapeStore.open(store, { create: false });
    writeFileSync(tapeFile, `${JSON.stringify(exportTape(tapes, 'everything'), null, 2)}\n`);
    tapes.close();
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('a client of server-everything', () => {
  it('adds numbers and echoes', async () => {
    const client = new Client({ name: 'example-client', version: '1.0.0' });
    await client.connect(new StdioClientTransport(tapeServer({ store, tape: 'everything', server: { command: process.execPath, args: [everything, 'stdio'] } })));
    try {
      const sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
      expect(sum.content).toEqual([{ type: 'text', text: 'The sum of 2 and 3 is 5.' }]);
      const echo = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
      expect(echo.content).toEqual([{ type: 'text', text: 'Echo: hi' }]);
    } finally {
      await client.close();
    }
  });
});
