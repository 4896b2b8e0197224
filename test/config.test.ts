/**
 * `mcp-tap config`: a client's config file with its servers put behind mcp-tap, printed or merged
 * in; the user's other entries, keys and comments kept; a backup before writing; and the wrapped
 * entry really starting a recording proxy that the SDK client can use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { parse } from 'jsonc-parser';
import { clientConfigPath } from '../src/cli/config.js';
import { runCli } from './support/cli.js';
import { readTape } from './support/record.js';
import { EVERYTHING, tempDir } from './support/paths.js';

let dir: string;
let home: string;
let env: NodeJS.ProcessEnv;
let claudeFile: string;

const original = {
  globalShortcut: 'Ctrl+Space',
  mcpServers: {
    everything: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { EVERYTHING_NOTE: 'kept' } },
    remote: { url: 'http://127.0.0.1:9/mcp', headers: { 'X-Team': 'blue' } },
  },
};

beforeAll(() => {
  dir = tempDir();
  home = join(dir, 'home');
  env = { HOME: home, XDG_CONFIG_HOME: '', MCP_TAP_STORE: join(dir, 'tapes.db') };
  claudeFile = join(home, '.config', 'Claude', 'claude_desktop_config.json');
  mkdirSync(join(home, '.config', 'Claude'), { recursive: true });
  writeFileSync(claudeFile, JSON.stringify(original, null, 2));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('where each client keeps its config', () => {
  it('knows the file per client and OS', () => {
    const where = (platform: NodeJS.Platform) => ({ platform, env: { APPDATA: 'C:\\Users\\me\\AppData\\Roaming' }, home: platform === 'win32' ? 'C:\\Users\\me' : '/home/me', cwd: '/work/project' });
    expect(clientConfigPath('claude', {}, where('darwin'))).toBe('/home/me/Library/Application Support/Claude/claude_desktop_config.json');
    expect(clientConfigPath('claude', {}, where('linux'))).toBe('/home/me/.config/Claude/claude_desktop_config.json');
    expect(clientConfigPath('claude', {}, where('win32'))).toBe('C:\\Users\\me\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
    expect(clientConfigPath('cursor', {}, where('darwin'))).toBe('/home/me/.cursor/mcp.json');
    expect(clientConfigPath('cursor', {}, where('win32'))).toBe('C:\\Users\\me\\.cursor\\mcp.json');
    expect(clientConfigPath('vscode', {}, where('linux'))).toBe('/work/project/.vscode/mcp.json');
    expect(clientConfigPath('vscode', { user: true }, where('darwin'))).toBe('/home/me/Library/Application Support/Code/User/mcp.json');
    expect(clientConfigPath('vscode', { user: true }, where('win32'))).toBe('C:\\Users\\me\\AppData\\Roaming\\Code\\User\\mcp.json');
  });
});

describe('mcp-tap config claude', () => {
  it('prints the file with the server wrapped, and writes nothing', async () => {
    const result = await runCli(['config', 'claude', '--server', 'everything'], { env });
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout) as typeof original;
    expect(printed.globalShortcut).toBe('Ctrl+Space');
    expect(printed.mcpServers.remote).toEqual(original.mcpServers.remote);
    expect(printed.mcpServers.everything.env).toEqual({ EVERYTHING_NOTE: 'kept' });
    expect(printed.mcpServers.everything.args).toEqual(expect.arrayContaining(['record', '--store', join(dir, 'tapes.db'), '--', process.execPath, EVERYTHING, 'stdio']));
    expect(result.stderr).toContain('nothing was written: add --write');
    expect(JSON.parse(readFileSync(claudeFile, 'utf8'))).toEqual(original);
  });

  it('with --write backs the file up, merges the change in, and the entry starts a recording proxy', async () => {
    const result = await runCli(['config', 'claude', '--server', 'everything', '--write'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(readFileSync(`${claudeFile}.mcp-tap-backup`, 'utf8'))).toEqual(original);
    const written = JSON.parse(readFileSync(claudeFile, 'utf8')) as { globalShortcut: string; mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> };
    expect(written.globalShortcut).toBe('Ctrl+Space');
    expect(written.mcpServers.remote).toEqual(original.mcpServers.remote);

    // As Claude Desktop would start it: command, args and env from the entry.
    const entry = written.mcpServers.everything!;
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...process.env, ...entry.env } as Record<string, string>, stderr: 'pipe' });
    (transport.stderr as Readable | null)?.resume();
    const client = new Client({ name: 'config-test', version: '1.0.0' });
    await client.connect(transport);
    expect(JSON.stringify(await client.callTool({ name: 'echo', arguments: { message: 'through the config' } }))).toContain('Echo: through the config');
    await client.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(readTape(join(dir, 'tapes.db'), 'server-everything').frames.some((f) => f.method === 'tools/call')).toBe(true);
  });

  it('leaves a server already behind mcp-tap as it is, and wraps one reached by URL', async () => {
    const result = await runCli(['config', 'claude'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('"everything" already runs through mcp-tap; left as it is');
    const printed = JSON.parse(result.stdout) as { mcpServers: Record<string, { command?: string; args?: string[]; url?: string }> };
    expect(printed.mcpServers.remote).toMatchObject({ command: process.execPath });
    expect(printed.mcpServers.remote!.url).toBeUndefined();
    expect(printed.mcpServers.remote!.args).toEqual(expect.arrayContaining(['record', '--url', 'http://127.0.0.1:9/mcp', '--header', 'X-Team: blue']));
  });

  it('refuses a server it does not have, and a file that is not JSON, changing nothing', async () => {
    const missing = await runCli(['config', 'claude', '--server', 'nonesuch'], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no server "nonesuch" in .*claude_desktop_config\.json \(it has: everything, remote\)/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "mcpServers": { "a": ');
    const result = await runCli(['config', 'cursor', '--file', broken, '--write'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/broken\.json is not valid JSON \(line 1: .*\); fix it first/);
    expect(readFileSync(broken, 'utf8')).toBe('{ "mcpServers": { "a": ');
    expect(existsSync(`${broken}.mcp-tap-backup`)).toBe(false);
  });
});

describe('mcp-tap config vscode', () => {
  it('keeps the comments and the other entries of the file, and adds a server given after --', async () => {
    const workspace = join(dir, 'workspace');
    mkdirSync(join(workspace, '.vscode'), { recursive: true });
    const file = join(workspace, '.vscode', 'mcp.json');
    const before = '{\n  // the team\'s servers\n  "servers": {\n    "memory": { "type": "stdio", "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"] }\n  },\n  "inputs": []\n}\n';
    writeFileSync(file, before);
    const result = await runCli(['config', 'vscode', '--file', file, '--server', 'everything', '--write', '--', 'npx', '-y', '@modelcontextprotocol/server-everything'], { env });
    expect(result.code, result.stderr).toBe(0);
    const after = readFileSync(file, 'utf8');
    expect(after).toContain("// the team's servers");
    const parsed = parse(after) as { servers: Record<string, { type?: string; command: string; args: string[] }>; inputs: unknown[] };
    expect(parsed.servers.memory).toEqual({ type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] });
    expect(parsed.inputs).toEqual([]);
    expect(parsed.servers.everything).toMatchObject({ type: 'stdio', command: process.execPath });
    expect(parsed.servers.everything!.args).toEqual(expect.arrayContaining(['record', '--', 'npx', '-y', '@modelcontextprotocol/server-everything']));
    expect(readFileSync(`${file}.mcp-tap-backup`, 'utf8')).toBe(before);
  });
});
