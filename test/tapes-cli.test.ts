/** `mcp-tap tapes ...` on a tape recorded from the real server-everything. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { recordEverything } from './support/record.js';
import { ROOT, tempDir } from './support/paths.js';

let dir: string;
let store: string;

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  const session = await recordEverything(store, 'sample');
  await session.client.callTool({ name: 'echo', arguments: { message: 'hello tapes' } });
  await session.client.callTool({ name: 'get-sum', arguments: { a: 4, b: 5 } });
  await session.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mcp-tap tapes', () => {
  it('lists tapes as text and as JSON', async () => {
    const text = await runCli(['tapes', 'list', '--store', store]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^sample\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+ frames\s+1 session\(s\)\s+mcp-servers\/everything/m);
    const json = await runCli(['tapes', 'list', '--store', store, '--json']);
    const list = JSON.parse(json.stdout) as { name: string; frameCount: number; serverInfo: { name: string } }[];
    expect(list).toHaveLength(1);
    expect(list[0]!.name).toBe('sample');
    expect(list[0]!.frameCount).toBeGreaterThanOrEqual(8);
    expect(list[0]!.serverInfo.name).toBe('mcp-servers/everything');
  });

  it('shows the timeline in order, with arrows, tools and latencies, and no colour codes off a terminal', async () => {
    const { code, stdout } = await runCli(['tapes', 'show', 'sample', '--store', store]);
    expect(code).toBe(0);
    expect(stdout).toContain('tape sample');
    expect(stdout).toContain('server     mcp-servers/everything');
    const lines = stdout.split('\n').filter((l) => /^\s+\+\d+\.\d{3}s /.test(l));
    const echoCall = lines.findIndex((l) => /→ request\s+tools\/call echo #\d+/.test(l));
    const echoAnswer = lines.findIndex((l) => /← response\s+tools\/call echo #\d+ \d+\.\d ms/.test(l));
    expect(echoCall).toBeGreaterThan(-1);
    expect(echoAnswer).toBeGreaterThan(echoCall);
    expect(lines[0]).toMatch(/→ request\s+initialize #0/);
    expect(stdout.includes(String.fromCharCode(27))).toBe(false);
    const full = await runCli(['tapes', 'show', 'sample', '--store', store, '--full']);
    expect(full.stdout).toContain('"text": "Echo: hello tapes"');
  });

  it('exports, imports under another name, and exports the same document again', async () => {
    const out = join(dir, 'sample.json');
    expect((await runCli(['tapes', 'export', 'sample', '--store', store, '-o', out])).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const imported = await runCli(['tapes', 'import', out, '--name', 'copy', '--store', store]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe('');
    expect(imported.stderr).toContain('imported "copy"');
    const again = JSON.parse((await runCli(['tapes', 'export', 'copy', '--store', store])).stdout);
    const first = JSON.parse(readFileSync(out, 'utf8'));
    expect(again.frames).toEqual(first.frames);
    expect(again.sessions).toEqual(first.sessions);
    expect({ ...again.tape, name: 'sample' }).toEqual(first.tape);
    expect((await runCli(['tapes', 'import', out, '--store', store])).stderr).toMatch(/already exists.*--name/);
  });

  it('imports the sample tape shipped in tapes/', async () => {
    const other = join(dir, 'shipped.db');
    const result = await runCli(['tapes', 'import', join(ROOT, 'tapes', 'everything-sample.json'), '--store', other]);
    expect(result.code).toBe(0);
    const shown = await runCli(['tapes', 'show', 'everything-sample', '--store', other]);
    expect(shown.stdout).toMatch(/← response\s+tools\/call echo/);
  });

  it('removes tapes, and says what exists when a name is unknown', async () => {
    await runCli(['tapes', 'import', join(ROOT, 'tapes', 'everything-sample.json'), '--name', 'doomed', '--store', store]);
    const rm = await runCli(['tapes', 'rm', 'doomed', '--store', store]);
    expect(rm.code).toBe(0);
    const missing = await runCli(['tapes', 'rm', 'doomed', '--store', store]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no tape named "doomed".*tapes here: sample/);
  });

  it('gives one-line errors for a missing store, a corrupt store, a bad document and a bad name', async () => {
    const none = await runCli(['tapes', 'list', '--store', join(dir, 'nope.db')]);
    expect(none.code).toBe(1);
    expect(none.stderr.trim().split('\n')).toHaveLength(1);
    expect(none.stderr).toMatch(/no tape store at .*nope\.db/);
    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'this is not a database, just text '.repeat(200));
    const bad = await runCli(['tapes', 'list', '--store', corrupt]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a valid tape store/);
    const doc = join(dir, 'bad.json');
    writeFileSync(doc, JSON.stringify({ format: 'mcp-tap/tape', version: 1, tape: { name: 'x', createdAt: 'now', transport: 'stdio' }, sessions: [], frames: [{ seq: 1 }] }));
    const invalid = await runCli(['tapes', 'import', doc, '--store', store]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/invalid tape document: frames\[0\]\.session must be a string/);
    const badName = await runCli(['record', '--store', store, '--name', '../evil', '--', 'true']);
    expect(badName.code).not.toBe(0);
    expect(badName.stderr).toMatch(/not a valid tape name/);
  });

  it('creates the store readable only by its owner', () => {
    expect(statSync(store).mode & 0o777).toBe(0o600);
  });
});
