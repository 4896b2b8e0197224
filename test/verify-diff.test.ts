/** verify against the real server-everything, and tape diffs, with a tape whose answers were changed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { recordEverything } from './support/record.js';
import { EVERYTHING, tempDir } from './support/paths.js';
import { startEverything } from './support/servers.js';

let dir: string;
let store: string;
const server = ['--', process.execPath, EVERYTHING, 'stdio'];

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  const session = await recordEverything(store, 'good');
  await session.client.listTools();
  await session.client.callTool({ name: 'echo', arguments: { message: 'hello' } });
  await session.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } });
  await session.close();
  // The same tape with an answer and the tool list changed, as if the server had drifted.
  const exported = join(dir, 'good.json');
  await runCli(['tapes', 'export', 'good', '--store', store, '-o', exported]);
  const doc = JSON.parse(readFileSync(exported, 'utf8'));
  for (const frame of doc.frames) {
    if (frame.kind === 'response' && JSON.stringify(frame.message).includes('Echo: hello')) frame.message.result.content[0].text = 'Echo: goodbye';
    if (frame.kind === 'response' && frame.method === 'tools/list') frame.message.result.tools = frame.message.result.tools.filter((t: { name: string }) => t.name !== 'get-sum');
  }
  writeFileSync(join(dir, 'tampered.json'), JSON.stringify(doc));
  await runCli(['tapes', 'import', join(dir, 'tampered.json'), '--name', 'tampered', '--store', store]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mcp-tap verify', () => {
  it('passes against the server the tape was recorded from', async () => {
    const result = await runCli(['verify', 'good', '--store', store, ...server], { timeoutMs: 60_000 });
    expect(result.stdout).toMatch(/no drift: \d+ of \d+ answers match tape "good"/);
    expect(result.stdout).toMatch(/✓ tools\/call .*echo/);
    expect(result.code).toBe(0);
  });

  it('fails on a changed answer, naming the field and both values', async () => {
    const result = await runCli(['verify', 'tampered', '--store', store, ...server], { timeoutMs: 60_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ tools\/call .*echo/);
    expect(result.stdout).toContain('result.content[0].text: "Echo: goodbye" → "Echo: hello"');
    expect(result.stdout).toMatch(/result\.tools\[\d+\]/);
    expect(result.stdout).toMatch(/drift: 2 of \d+ answers differ/);
  });

  it('gives a machine report with --json, and --ignore leaves fields out', async () => {
    const json = await runCli(['verify', 'tampered', '--store', store, '--json', ...server], { timeoutMs: 60_000 });
    const report = JSON.parse(json.stdout) as { drifted: number; requests: { method: string; status: string; differences: { path: string }[] }[] };
    expect(report.drifted).toBe(2);
    const echo = report.requests.find((r) => r.status === 'changed' && r.method === 'tools/call')!;
    expect(echo.differences.map((d) => d.path)).toEqual(['result.content[0].text']);
    const ignoring = await runCli(['verify', 'tampered', '--store', store, '--ignore', 'result.content', '--ignore', 'result.tools', ...server], { timeoutMs: 60_000 });
    expect(ignoring.code).toBe(0);
  });

  it('verifies against a Streamable HTTP server with --url, ending cleanly with a report', async () => {
    const http = await startEverything('streamableHttp');
    try {
      const result = await runCli(['verify', 'good', '--store', store, '--json', '--url', http.url], { timeoutMs: 60_000 });
      expect(result.stderr).not.toMatch(/AbortError|\n\s+at /);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as { drifted: number; requests: unknown[] };
      expect(report.drifted).toBe(0);
      expect(report.requests.length).toBeGreaterThanOrEqual(4);
    } finally {
      await http.stop();
    }
  });

  it('exits 2 on a usage error', async () => {
    expect((await runCli(['verify', 'good', '--store', store])).code).toBe(2);
    expect((await runCli(['verify', 'missing', '--store', store, ...server])).code).toBe(2);
  });
});

describe('mcp-tap tapes diff', () => {
  it('agrees with itself', async () => {
    const result = await runCli(['tapes', 'diff', 'good', 'good', '--store', store]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/agree/);
  });

  it('reports changed answers by path and tools that went away', async () => {
    const result = await runCli(['tapes', 'diff', 'good', 'tampered', '--store', store]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('result.content[0].text: "Echo: hello" → "Echo: goodbye"');
    expect(result.stdout).toContain('- tools: get-sum');
    const json = JSON.parse((await runCli(['tapes', 'diff', 'good', 'tampered', '--store', store, '--json'])).stdout);
    expect(json.lists).toEqual([{ list: 'tools', added: [], removed: ['get-sum'] }]);
    expect(json.changed).toHaveLength(2);
  });
});
