/**
 * What the launcher does before it loads the command line: it answers `--version` alone, and
 * `mcp-tap record -- <server>` starts the server before it has loaded the rest of itself, so a
 * client waits for the slower of the two start-ups, not for both. What must hold all the same:
 * what the server says before the proxy is ready reaches the client, in order; a server that
 * cannot be run or exits at once is reported as before; and a command line that ends without
 * proxying (a usage error) leaves no server behind.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { ROOT, tempDir } from './support/paths.js';

const dir = tempDir('mcp-tap-start-');
const store = join(dir, 'tapes.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('--version', () => {
  it('prints the package version alone, as -V does, and the full command line agrees', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) expect(await runCli([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    // With more on the line, the command line itself answers it (commander's --version).
    expect(await runCli(['--version', '--no-such-flag'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('the server of record, started first', () => {
  it('is stopped when the command line turns out to be wrong, and mcp-tap exits at once', async () => {
    // A server that writes its pid and would run on after its stdin closes.
    const server = join(dir, 'stubborn.mjs');
    const pidFile = join(dir, 'stubborn.pid');
    writeFileSync(server, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nsetInterval(() => {}, 1000);\n`);
    const result = await runCli(['record', '-q', '--store', store, '--rate', 'fast', '--', process.execPath, server], { timeoutMs: 10_000 });
    expect([result.code, result.stdout]).toEqual([2, '']);
    expect(result.stderr).toMatch(/^mcp-tap: --rate: /);
    // Had it been left running, it would have held mcp-tap's stderr open: runCli would have
    // waited for its timeout (code null). It started with mcp-tap, before the options were read,
    // and (unless it was stopped before it ran a line) wrote its pid: that process is gone.
    if (existsSync(pidFile)) await expect.poll(() => alive(Number(readFileSync(pidFile, 'utf8'))), { timeout: 5000 }).toBe(false);
  });

  it('passes on what the server says before the proxy is ready, in order, and exits with its status', async () => {
    const lines = [1, 2, 3].map((n) => JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `line ${n}` } }));
    // A shell starts in a millisecond, so this server has said everything and exited long before
    // the proxy is loaded: Node drops the output of a child that ends while nobody reads it.
    const result = await runCli(['record', '-q', '--store', store, '--', '/bin/sh', '-c', 'printf "%s\\n" "$@"; exit 3', 'hasty', ...lines], { timeoutMs: 10_000 });
    expect({ code: result.code, stdout: result.stdout }).toEqual({ code: 3, stdout: lines.map((l) => `${l}\n`).join('') });
  });

  it('that cannot be run is reported as a start that failed, with no stack', async () => {
    const missing = join(dir, 'no-such-server');
    const result = await runCli(['record', '-q', '--store', store, '--', missing], { timeoutMs: 10_000 });
    expect({ code: result.code, stdout: result.stdout, stack: /\n\s+at /.test(result.stderr) }).toEqual({ code: 2, stdout: '', stack: false });
    expect(result.stderr).toContain(`could not start "${missing}"`);
  });
});
