/**
 * A new user's first steps, as the README gives them, on the package as npm packs it: the tarball
 * is installed into an empty prefix (as `npm install -g` does), and the README's commands are run
 * from an empty folder in the order the README lists them. The commands are read from the README
 * itself, so it cannot drift from what works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ROOT, tempDir } from './support/paths.js';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const tarball = `mcp-tap-${version}.tgz`;

/** The shell lines of the README block that follows `<!-- first-use: NAME -->`, comments dropped. */
function readmeBlock(name: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const marker = `<!-- first-use: ${name} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker}`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at))![1]!;
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.length > 0);
}

let dir: string;
let prefix: string;
let work: string;
let env: NodeJS.ProcessEnv;

function sh(line: string, cwd = work): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sh', ['-c', line], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  dir = tempDir('mcp-tap-first-use-');
  prefix = join(dir, 'prefix');
  work = join(dir, 'work');
  const home = join(dir, 'home');
  for (const folder of [prefix, work, home]) mkdirSync(folder, { recursive: true });
  // The npm cache stays the user's (so installs can be offline); everything else is the test's own.
  const cache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  env = {
    ...process.env,
    PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
    HOME: home,
    XDG_CONFIG_HOME: '',
    npm_config_prefix: prefix,
    npm_config_cache: cache,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    MCP_TAP_STATE_DIR: join(dir, 'state'),
    MCP_TAP_STORE: '',
    NO_COLOR: '1',
  };
  delete env.MCP_TAP_STORE;

  // The README's install, as it is written, with the checkout's own build (npm test built it):
  // packing skips `prepare`, so the dist/ other tests are running from is not rebuilt under them.
  expect(readmeBlock('install')).toEqual(['npm ci', 'npm pack', `npm install -g ./${tarball}`]);
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, env, encoding: 'utf8' });
  expect(pack.status, pack.stderr).toBe(0);
  // Offline from the npm cache (npm ci filled it). better-sqlite3's compile (a minute or two, the
  // same one `npm ci` did for this checkout) is skipped, and the checkout's build of the same
  // version is put in its place: what is tested here is what the package holds and how it installs.
  const install = sh(`npm install -g --offline --ignore-scripts ./${tarball}`, dir);
  expect(install.status, install.stderr).toBe(0);
  const installed = join(prefix, 'lib', 'node_modules', 'mcp-tap');
  const sqlite = (root: string) => join(root, 'node_modules', 'better-sqlite3');
  const versionOf = (root: string) => (JSON.parse(readFileSync(join(sqlite(root), 'package.json'), 'utf8')) as { version: string }).version;
  expect(versionOf(installed)).toBe(versionOf(ROOT));
  mkdirSync(join(sqlite(installed), 'build', 'Release'), { recursive: true });
  copyFileSync(join(sqlite(ROOT), 'build', 'Release', 'better_sqlite3.node'), join(sqlite(installed), 'build', 'Release', 'better_sqlite3.node'));
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the packed package', () => {
  it('holds what it needs to run and nothing of the checkout besides', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'mcp-tap');
    for (const file of ['bin/mcp-tap.js', 'dist/bundle/main.js', 'dist/cli/main.js', 'dist/testing/index.js', 'README.md', 'LICENSE', 'docs/replay.md', 'tapes/everything-sample.json']) {
      expect({ file, there: existsSync(join(installed, file)) }).toEqual({ file, there: true });
    }
    for (const file of ['src', 'test', 'bench', 'tsconfig.json']) expect({ file, there: existsSync(join(installed, file)) }).toEqual({ file, there: false });
    // On PATH, from the prefix npm install -g put it in.
    expect(sh('command -v mcp-tap').stdout.trim()).toBe(join(prefix, 'bin', 'mcp-tap'));
    expect(sh('mcp-tap --version').stdout.trim()).toBe(version);
  });
});

describe('the README, walked in order from an empty folder', () => {
  it('runs every first command as it is written', () => {
    const lines = readmeBlock('try');
    expect(lines[0]).toBe('mcp-tap demo');
    for (const line of lines) {
      const result = sh(line);
      expect({ line, status: result.status, stderr: result.status === 0 ? '' : result.stderr }).toEqual({ line, status: 0, stderr: '' });
      if (line === 'mcp-tap demo') {
        expect(result.stdout).toMatch(/✓ 8 of 8 steps gave the same answers as the real server/);
        // Its hints name mcp-tap as it is installed: on PATH.
        expect(result.stdout).toContain('as the server:    mcp-tap replay demo');
      }
      if (line.startsWith('mcp-tap tapes list')) expect(result.stdout).toMatch(/^demo\s/m);
      if (line.startsWith('mcp-tap verify')) expect(result.stdout).toMatch(/no drift/);
      if (line.startsWith('mcp-tap config claude')) {
        const config = JSON.parse(result.stdout) as { mcpServers: Record<string, { command: string; args: string[] }> };
        expect(config.mcpServers.everything!.args).toEqual(expect.arrayContaining(['record', '--', 'npx', '-y', '@modelcontextprotocol/server-everything']));
      }
    }
    // The demo wrote its store in the folder it ran in.
    expect(existsSync(join(work, 'tapes', 'tapes.db'))).toBe(true);
  });

  it('records a session with the SDK client through the installed mcp-tap record', async () => {
    const transport = new StdioClientTransport({
      command: 'mcp-tap',
      args: ['record', '-q', '--store', join(work, 'client.db'), '--', 'npx', '-y', '@modelcontextprotocol/server-everything'],
      env: env as Record<string, string>,
      cwd: work,
      stderr: 'pipe',
    });
    (transport.stderr as Readable | null)?.resume();
    const client = new Client({ name: 'first-use', version: '1.0.0' });
    await client.connect(transport);
    const echoed = await client.callTool({ name: 'echo', arguments: { message: 'from an installed mcp-tap' } });
    expect(JSON.stringify(echoed)).toContain('Echo: from an installed mcp-tap');
    await client.close();
    const listed = sh(`mcp-tap tapes list --json --store ${join(work, 'client.db')}`);
    const tapes = JSON.parse(listed.stdout) as { name: string; frameCount: number }[];
    expect(tapes.map((t) => t.name)).toEqual(['server-everything']);
    expect(tapes[0]!.frameCount).toBeGreaterThanOrEqual(5);
  }, 60_000);
});
