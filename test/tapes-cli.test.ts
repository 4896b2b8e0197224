/** `mcp-tap tapes ...` (the built CLI) on a tape recorded from the real server-everything. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from './support/cli.js';
import { recordEverything } from './support/record.js';
import { ROOT, tempDir } from './support/paths.js';

const SAMPLE = join(ROOT, 'tapes', 'everything-sample.json');
const ESC = String.fromCharCode(27);
/** The timeline's frame lines, without the header. */
const frameLines = (stdout: string) => stdout.split('\n').filter((l) => /^\s+\+\d+\.\d{3}s /.test(l));

let dir: string;
let store: string;

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  const session = await recordEverything(store, 'sample');
  await session.client.listTools();
  await session.client.callTool({ name: 'echo', arguments: { message: 'hello tapes' } });
  await session.client.callTool({ name: 'get-sum', arguments: { a: 4, b: 5 } });
  await session.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tapes list', () => {
  it('prints one line per tape: name, time, frames, sessions, server, upstream', async () => {
    const { code, stdout } = await runCli(['tapes', 'list', '--store', store]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sample\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+ frames\s+1 session\(s\)\s+mcp-servers\/everything \S+\s+\S*node .*server-everything.* stdio$/m);
  });

  it('prints a JSON array with every field present', async () => {
    const { code, stdout } = await runCli(['tapes', 'list', '--store', store, '--json']);
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as Record<string, unknown>[];
    expect(list).toHaveLength(1);
    expect(Object.keys(list[0]!).sort()).toEqual(
      ['clientInfo', 'createdAt', 'endedAt', 'frameCount', 'labels', 'name', 'protocolVersion', 'redactions', 'serverInfo', 'sessionCount', 'transport', 'upstream'].sort(),
    );
    expect(list[0]).toMatchObject({ name: 'sample', transport: 'stdio', sessionCount: 1, clientInfo: { name: 'test-client' }, serverInfo: { name: 'mcp-servers/everything' } });
    expect(list[0]!.frameCount).toBeGreaterThanOrEqual(10);
  });

  it('says how to record a tape when the store is empty', async () => {
    const empty = join(dir, 'empty.db');
    await runCli(['tapes', 'import', SAMPLE, '--store', empty]);
    await runCli(['tapes', 'rm', 'everything-sample', '--store', empty]);
    const { code, stdout } = await runCli(['tapes', 'list', '--store', empty]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^no tapes in .*empty\.db yet; record one with: (?:npx )?mcp-tap record --store .* -- <server command>\n$/);
    expect(JSON.parse((await runCli(['tapes', 'list', '--store', empty, '--json'])).stdout)).toEqual([]);
  });
});

describe('tapes show', () => {
  it('prints one line per exchange: the request with its outcome and latency, what belongs to no request as its frame', async () => {
    const { code, stdout } = await runCli(['tapes', 'show', 'sample', '--store', store]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}client {5}test-client 1\.0\.0$/m);
    const lines = frameLines(stdout);
    expect(lines[0]).toMatch(/→ initialize #0 ok \d+\.\d ms$/);
    expect(lines[1]).toMatch(/→ notification notifications\/initialized$/);
    expect(lines.find((l) => l.includes('echo'))).toMatch(/→ tools\/call echo #\d+ ok \d+\.\d ms$/);
    expect(lines.find((l) => l.includes('get-sum'))).toMatch(/→ tools\/call get-sum #\d+ ok \d+\.\d ms$/);
    // A request line stands for its answer too: no response lines.
    expect(lines.some((l) => /response/.test(l))).toBe(false);
    expect(stdout.includes(ESC)).toBe(false);
  });

  it('prints the header and the frames in order with --frames, with arrows, tools and latencies, and no colour off a terminal', async () => {
    const { code, stdout } = await runCli(['tapes', 'show', 'sample', '--frames', '--store', store]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^tape sample\n/);
    expect(stdout).toMatch(/^ {2}upstream {3}\S*node .*server-everything.* stdio {2}\[stdio\]$/m);
    expect(stdout).toMatch(/^ {2}client {5}test-client 1\.0\.0$/m);
    expect(stdout).toMatch(/^ {2}server {5}mcp-servers\/everything \S+$/m);
    expect(stdout).toMatch(/^ {2}protocol {3}\d{4}-\d\d-\d\d$/m);
    const lines = frameLines(stdout);
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    // A frame that came in the same read as the one before is marked {same-read}; either way it is in order.
    const steps = [
      at(/→ request\s+initialize #0(?: \{same-read\})?$/),
      at(/← response\s+initialize #0 \d+\.\d ms(?: \{same-read\})?$/),
      at(/→ notification notifications\/initialized(?: \{same-read\})?$/),
      at(/→ request\s+tools\/list #\d+(?: \{same-read\})?$/),
      at(/← response\s+tools\/list #\d+ \d+\.\d ms(?: \{same-read\})?$/),
      at(/→ request\s+tools\/call echo #\d+(?: \{same-read\})?$/),
      at(/← response\s+tools\/call echo #\d+ \d+\.\d ms(?: \{same-read\})?$/),
      at(/→ request\s+tools\/call get-sum #\d+(?: \{same-read\})?$/),
      at(/← response\s+tools\/call get-sum #\d+ \d+\.\d ms(?: \{same-read\})?$/),
    ];
    expect(steps[0], lines.join('\n')).toBe(0);
    expect(steps.every((index, i) => index > (i === 0 ? -1 : steps[i - 1]!)), `${steps.join(' ')}\n${lines.join('\n')}`).toBe(true);
    expect(stdout.includes(ESC)).toBe(false);
  });

  it('prints no colour when NO_COLOR is set either', async () => {
    const { stdout } = await runCli(['tapes', 'show', 'sample', '--store', store], { env: { NO_COLOR: '1' } });
    expect(frameLines(stdout).length).toBeGreaterThan(0);
    expect(stdout.includes(ESC)).toBe(false);
  });

  it('prints each message in full with --full', async () => {
    const { stdout } = await runCli(['tapes', 'show', 'sample', '--store', store, '--frames', '--full']);
    expect(stdout).toContain('"text": "Echo: hello tapes"');
    expect(stdout).toMatch(/→ request\s+tools\/call get-sum #\d+\n\s+\{\n\s+"method": "tools\/call",/);
  });

  it('prints the tape and its frames, messages parsed, with --json', async () => {
    const { stdout } = await runCli(['tapes', 'show', 'sample', '--store', store, '--json']);
    const shown = JSON.parse(stdout) as { tape: { name: string; frameCount: number; sessionCount: number }; frames: { kind: string; message: { params?: { name?: string } } }[] };
    expect(shown.tape).toMatchObject({ name: 'sample', sessionCount: 1 });
    expect(shown.frames).toHaveLength(shown.tape.frameCount);
    expect(shown.frames.filter((f) => f.kind === 'request').map((f) => f.message.params?.name).filter(Boolean)).toEqual(['echo', 'get-sum']);
  });
});

describe('tapes export and import', () => {
  it('round-trips: export, import under another name, export again gives the same document', async () => {
    const out = join(dir, 'sample.json');
    const exported = await runCli(['tapes', 'export', 'sample', '--store', store, '-o', out]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const first = JSON.parse(readFileSync(out, 'utf8'));
    expect(first).toMatchObject({ format: 'mcp-tap/tape', version: 1, tape: { name: 'sample' } });
    expect(first.frames[0].message).toMatchObject({ jsonrpc: '2.0', method: 'initialize' });
    expect(first.frames[0].session).toBe(first.sessions[0].key);
    expect(JSON.parse((await runCli(['tapes', 'export', 'sample', '--store', store])).stdout)).toEqual(first);

    const imported = await runCli(['tapes', 'import', out, '--name', 'copy', '--store', store]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toBe('');
    expect(imported.stderr).toMatch(/^mcp-tap: imported "copy" \(\d+ frames, 1 session\(s\)\) into .*tapes\.db\n$/);
    const again = JSON.parse((await runCli(['tapes', 'export', 'copy', '--store', store])).stdout);
    expect(again.frames).toEqual(first.frames);
    expect(again.sessions).toEqual(first.sessions);
    expect({ ...again.tape, name: 'sample' }).toEqual(first.tape);
    expect((await runCli(['tapes', 'rm', 'copy', '--store', store])).code).toBe(0);
  });

  it('makes an existing output file private before writing to it', async () => {
    const out = join(dir, 'shared.json');
    writeFileSync(out, 'old');
    chmodSync(out, 0o644);
    expect((await runCli(['tapes', 'export', 'sample', '--store', store, '-o', out])).code).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(out, 'utf8')).tape.name).toBe('sample');
  });

  it('imports the sample tape shipped in tapes/ into a new store and shows it', async () => {
    const other = join(dir, 'shipped.db');
    const result = await runCli(['tapes', 'import', SAMPLE, '--store', other]);
    expect(result.code).toBe(0);
    expect(statSync(other).mode & 0o777).toBe(0o600);
    const shown = await runCli(['tapes', 'show', 'everything-sample', '--frames', '--store', other]);
    expect(frameLines(shown.stdout).map((l) => /[→←] \w+\s+(\S+(?: [a-z-]+)?)/.exec(l)![1])).toEqual([
      'initialize',
      'initialize',
      'notifications/initialized',
      'tools/list',
      'notifications/tools/list_changed',
      'tools/list',
      'tools/call echo',
      'tools/call echo',
      'tools/call get-sum',
      'tools/call get-sum',
    ]);
  });

  it('refuses a name that exists, suggesting --name', async () => {
    const other = join(dir, 'twice.db');
    expect((await runCli(['tapes', 'import', SAMPLE, '--store', other])).code).toBe(0);
    const twice = await runCli(['tapes', 'import', SAMPLE, '--store', other]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/^mcp-tap: a tape named "everything-sample" already exists in .*twice\.db; import it under another name with --name NAME\n$/);
  });

  it('names the file and the field of a bad document, and creates no store for it', async () => {
    const doc = join(dir, 'bad.json');
    const fresh = join(dir, 'never.db');
    const broken = JSON.parse(readFileSync(SAMPLE, 'utf8'));
    broken.frames[3].direction = 'sideways';
    writeFileSync(doc, JSON.stringify(broken));
    const invalid = await runCli(['tapes', 'import', doc, '--store', fresh]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toBe(`mcp-tap: ${doc}: invalid tape document: frames[3].direction must be "c2s" or "s2c"\n`);
    expect(existsSync(fresh)).toBe(false);

    writeFileSync(doc, '{"format": "mcp-tap/tape", ');
    const notJson = await runCli(['tapes', 'import', doc, '--store', fresh]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^mcp-tap: .*bad\.json is not JSON: .+\n$/);

    const missing = await runCli(['tapes', 'import', join(dir, 'absent.json'), '--store', fresh]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^mcp-tap: no such file: .*absent\.json\n$/);
    expect(existsSync(fresh)).toBe(false);
  });

  it('refuses a bad tape name', async () => {
    const bad = await runCli(['tapes', 'import', SAMPLE, '--name', '../evil', '--store', store]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mcp-tap: "\.\.\/evil" is not a valid tape name: use letters, digits/);
  });
});

describe('tapes rm', () => {
  it('removes tapes, and says what exists when a name is unknown, removing nothing then', async () => {
    await runCli(['tapes', 'import', SAMPLE, '--name', 'doomed-1', '--store', store]);
    await runCli(['tapes', 'import', SAMPLE, '--name', 'doomed-2', '--store', store]);
    const partly = await runCli(['tapes', 'rm', 'doomed-1', 'nonesuch', '--store', store]);
    expect(partly.code).toBe(2);
    expect(partly.stderr).toMatch(/^mcp-tap: no tape named "nonesuch" in .*tapes\.db \(tapes here: doomed-1, doomed-2, sample\)\n$/);
    const rm = await runCli(['tapes', 'rm', 'doomed-1', 'doomed-2', '--store', store]);
    expect(rm.code).toBe(0);
    expect(rm.stderr).toBe('mcp-tap: removed "doomed-1"\nmcp-tap: removed "doomed-2"\n');
    const names = (JSON.parse((await runCli(['tapes', 'list', '--json', '--store', store])).stdout) as { name: string }[]).map((t) => t.name);
    expect(names).toEqual(['sample']);
    const again = await runCli(['tapes', 'rm', 'doomed-1', '--store', store]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/no tape named "doomed-1".*\(tapes here: sample\)/);
  });
});

describe('errors', () => {
  it('a missing store: one line, exit 2, and the store is not created', async () => {
    const nope = join(dir, 'nope.db');
    for (const args of [['list'], ['show', 'sample'], ['export', 'sample'], ['rm', 'sample']]) {
      const result = await runCli(['tapes', ...args, '--store', nope]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^mcp-tap: no tape store at .*nope\.db \(record a session first, or pass --store\)\n$/);
    }
    expect(existsSync(nope)).toBe(false);
  });

  it('a missing tape: one line naming what there is', async () => {
    for (const command of ['show', 'export']) {
      const result = await runCli(['tapes', command, 'nonesuch', '--store', store]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^mcp-tap: no tape named "nonesuch" in .*tapes\.db \(tapes here: sample\)\n$/);
    }
  });

  it('a corrupt store: one line, exit 2, for reads and writes', async () => {
    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'this is not a database, just text '.repeat(200));
    for (const args of [['list'], ['show', 'sample'], ['rm', 'sample'], ['import', SAMPLE]]) {
      const result = await runCli(['tapes', ...args, '--store', corrupt]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`mcp-tap: ${corrupt} is not a valid tape store (corrupt, or not an mcp-tap file)\n`);
    }
  });

  it('a store locked by another process: one line, exit 2', async () => {
    const locked = join(dir, 'locked.db');
    expect((await runCli(['tapes', 'import', SAMPLE, '--store', locked])).code).toBe(0);
    const holder = new Database(locked);
    try {
      holder.pragma('locking_mode = EXCLUSIVE');
      holder.exec('BEGIN EXCLUSIVE');
      holder.prepare('UPDATE tapes SET labels = labels').run();
      const [list, rm] = await Promise.all([runCli(['tapes', 'list', '--store', locked]), runCli(['tapes', 'rm', 'everything-sample', '--store', locked])]);
      for (const result of [list, rm]) {
        expect(result.code).toBe(2);
        expect(result.stderr).toBe(`mcp-tap: ${locked} is locked by another process; try again when it is done\n`);
      }
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect((await runCli(['tapes', 'list', '--store', locked])).stdout).toMatch(/^everything-sample /);
  });

  it('every command has help with examples', async () => {
    for (const command of [[], ['list'], ['show'], ['export'], ['import'], ['rm']]) {
      const help = await runCli(['tapes', ...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`Usage: mcp-tap tapes ${command[0] ?? ''}`));
      expect(help.stdout).toMatch(new RegExp(`Examples:\\n {2}mcp-tap tapes ${command[0] ?? ''}`));
    }
  });

  it('creates the store readable only by its owner', () => {
    expect(statSync(store).mode & 0o777).toBe(0o600);
  });
});
