/**
 * `mcp-tap config claude|cursor|vscode`: puts mcp-tap in front of the servers of an MCP client's
 * config file. Prints what the file would become, or with --write merges it in (after a backup).
 * The file is edited in place, not rewritten: the user's other entries, keys, comments and layout
 * stay as they were.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { applyEdits, modify, parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { collect, UsageError } from './common.js';

export const CLIENTS = ['claude', 'cursor', 'vscode'] as const;
export type ClientName = (typeof CLIENTS)[number];

interface Where {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  cwd: string;
}

const here = (): Where => ({ platform: process.platform, env: process.env, home: homedir(), cwd: process.cwd() });

/** The folder a desktop app keeps its settings in, per OS. */
function appSupport(where: Where): string {
  if (where.platform === 'darwin') return join(where.home, 'Library', 'Application Support');
  if (where.platform === 'win32') return where.env.APPDATA ?? join(where.home, 'AppData', 'Roaming');
  return where.env.XDG_CONFIG_HOME || join(where.home, '.config');
}

/**
 * The config file a client reads its MCP servers from. VS Code's is the workspace's
 * `.vscode/mcp.json`, or with `user` the one in its user settings.
 */
export function clientConfigPath(client: ClientName, options: { user?: boolean } = {}, where: Where = here()): string {
  const path = where.platform === 'win32' ? (...parts: string[]) => parts.join('\\') : join;
  switch (client) {
    case 'claude':
      return path(appSupport(where), 'Claude', 'claude_desktop_config.json');
    case 'cursor':
      return path(where.home, '.cursor', 'mcp.json');
    case 'vscode':
      return options.user ? path(appSupport(where), 'Code', 'User', 'mcp.json') : path(where.cwd, '.vscode', 'mcp.json');
  }
}

/** The key the client keeps its servers under. */
export const serversKey = (client: ClientName): string => (client === 'vscode' ? 'servers' : 'mcpServers');

type Entry = Record<string, unknown>;

/** How mcp-tap itself is started: this node and this installation's launcher, by absolute path (a GUI client may not see the shell's PATH). */
export function selfLauncher(): { command: string; script: string } {
  return { command: process.execPath, script: fileURLToPath(new URL('../../bin/mcp-tap.js', import.meta.url)) };
}

/** True when the entry already runs mcp-tap. */
export function isWrapped(entry: Entry): boolean {
  const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
  const command = typeof entry.command === 'string' ? basename(entry.command) : '';
  return /^mcp-tap(\.cmd)?$/.test(command) || args.some((a) => /(^|[/\\])mcp-tap\.js$/.test(a) || a === 'mcp-tap');
}

/**
 * The entry with mcp-tap in front: a stdio server's command goes after `record ... --`; a server
 * reached by URL is recorded with `--url`, and the client then starts mcp-tap on stdio. Every other
 * field (env, cwd, ...) is kept.
 */
export function wrapEntry(entry: Entry, options: { store: string; client: ClientName; launcher?: { command: string; script: string } }): Entry {
  const launcher = options.launcher ?? selfLauncher();
  const record = [launcher.script, 'record', '--store', options.store];
  if (typeof entry.command === 'string') {
    const args = Array.isArray(entry.args) ? entry.args.map(String) : [];
    return { ...entry, ...(options.client === 'vscode' && entry.type === undefined ? { type: 'stdio' } : {}), command: launcher.command, args: [...record, '--', entry.command, ...args] };
  }
  if (typeof entry.url === 'string') {
    const { url, headers, type, ...rest } = entry;
    const flags = ['--url', url];
    if (type === 'sse' || (type === undefined && /\/sse\/?$/.test(new URL(url).pathname))) flags.push('--transport', 'sse');
    if (headers && typeof headers === 'object') for (const [name, value] of Object.entries(headers)) flags.push('--header', `${name}: ${String(value)}`);
    return { ...rest, ...(options.client === 'vscode' ? { type: 'stdio' } : {}), command: launcher.command, args: [...record, ...flags] };
  }
  throw new UsageError('the entry has neither a "command" nor a "url"; mcp-tap cannot tell how to reach that server');
}

interface ConfigFlags {
  server: string[];
  write?: boolean;
  file?: string;
  user?: boolean;
  store?: string;
}

/** Where the wrapped servers record: absolute, as a client starts servers from a folder of its own choosing. */
function storeFor(flag: string | undefined): string {
  return resolve(flag ?? process.env.MCP_TAP_STORE ?? join(homedir(), '.mcp-tap', 'tapes.db'));
}

/** The file's text and what it holds; a file that does not parse is refused, never overwritten. */
function loadConfig(file: string): { text: string; exists: boolean; value: unknown } {
  if (!existsSync(file)) return { text: '', exists: false, value: {} };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true });
  if (errors.length > 0) {
    const first = errors[0]!;
    const line = text.slice(0, first.offset).split('\n').length;
    throw new UsageError(`${file} is not valid JSON (line ${line}: ${printParseErrorCode(first.error)}); fix it first, mcp-tap will not rewrite it`);
  }
  if (text.trim() !== '' && (typeof value !== 'object' || value === null || Array.isArray(value))) throw new UsageError(`${file} does not hold a JSON object`);
  return { text, exists: true, value: value ?? {} };
}

/** Writes next to the file and renames over it, keeping its mode (owner-only for a new one). */
function writeAtomically(file: string, text: string): void {
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(file), `.${basename(file)}.mcp-tap-${process.pid}.tmp`);
  writeFileSync(temporary, text, { mode, flag: 'wx' });
  renameSync(temporary, file);
}

/** A backup name that is not taken: `file.mcp-tap-backup`, then `-2`, ... */
function backupName(file: string): string {
  for (let n = 1; ; n++) {
    const candidate = `${file}.mcp-tap-backup${n === 1 ? '' : `-${n}`}`;
    if (!existsSync(candidate)) return candidate;
  }
}

export function registerConfig(program: Command): void {
  program
    .command('config')
    .summary("put mcp-tap in front of the servers in Claude Desktop's, Cursor's or VS Code's config")
    .description(
      "Reads the client's MCP config file and puts `mcp-tap record` in front of its servers (all of them, or those named with --server), " +
        'keeping each entry\'s other fields. Prints what the file would become on stdout; with --write, backs the file up and merges the change in, ' +
        'leaving every other entry, key and comment as it was. With a command after --, adds (or replaces) the --server entry for it. ' +
        'mcp-tap is started by absolute path, as a client may not see your shell\'s PATH.',
    )
    .argument('<client>', `the client: ${CLIENTS.join(', ')}`)
    .argument('[command...]', 'with --server NAME: a server command to add behind mcp-tap, after --')
    .option('--server <name>', 'only this server entry (repeatable)', collect, [])
    .option('--write', 'merge the change into the file (a backup is written first)')
    .option('--file <path>', "the config file, when it is not where the client keeps it by default")
    .option('--user', "vscode: the user settings' mcp.json instead of this workspace's .vscode/mcp.json")
    .option('--store <file>', 'tape store the servers record to (default: env MCP_TAP_STORE, else ~/.mcp-tap/tapes.db)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mcp-tap config claude                       (every server in Claude Desktop\'s config, printed)\n' +
        '  mcp-tap config claude --server github --write\n' +
        '  mcp-tap config cursor --server everything --write -- npx -y @modelcontextprotocol/server-everything\n' +
        '  mcp-tap config vscode --user --store ~/tapes.db\n',
    )
    .action((clientName: string, argv: string[], flags: ConfigFlags) => {
      if (!CLIENTS.includes(clientName as ClientName)) throw new UsageError(`config takes ${CLIENTS.join(', ')}, got "${clientName}"`);
      const client = clientName as ClientName;
      if (flags.user && client !== 'vscode') throw new UsageError('--user is for vscode');
      if (argv.length > 0 && flags.server.length !== 1) throw new UsageError('a server command after -- needs one --server NAME to put it under');
      const file = resolve(flags.file ?? clientConfigPath(client, { user: flags.user }));
      const store = storeFor(flags.store);
      const key = serversKey(client);
      const config = loadConfig(file);
      const existing = (config.value as Record<string, unknown>)[key];
      const servers: Record<string, Entry> = existing && typeof existing === 'object' && !Array.isArray(existing) ? (existing as Record<string, Entry>) : {};

      const changes: [string, Entry][] = [];
      const notes: string[] = [];
      if (argv.length > 0) {
        const [command, ...args] = argv;
        const name = flags.server[0]!;
        changes.push([name, wrapEntry({ ...(servers[name] ?? {}), command, args }, { store, client })]);
      } else {
        const names = flags.server.length > 0 ? flags.server : Object.keys(servers);
        if (names.length === 0) {
          throw new UsageError(
            `${file} has no servers under "${key}"${config.exists ? '' : ' (the file does not exist)'}; add one behind mcp-tap with: mcp-tap config ${client} --server NAME -- <server command>`,
          );
        }
        for (const name of names) {
          const entry = servers[name];
          if (!entry || typeof entry !== 'object') throw new UsageError(`no server "${name}" in ${file} (it has: ${Object.keys(servers).join(', ') || 'none'})`);
          if (isWrapped(entry)) notes.push(`"${name}" already runs through mcp-tap; left as it is`);
          else changes.push([name, wrapEntry(entry, { store, client })]);
        }
      }

      let text = config.text;
      const formattingOptions = { insertSpaces: true, tabSize: 2, eol: '\n' };
      for (const [name, entry] of changes) {
        // An entry that exists is changed field by field, so the edits (and their formatting)
        // stay inside it; a new one is added whole.
        const before = servers[name];
        const fields = before ? [...new Set([...Object.keys(before), ...Object.keys(entry)])].filter((f) => JSON.stringify(before[f]) !== JSON.stringify(entry[f])) : undefined;
        if (!fields) text = applyEdits(text, modify(text, [key, name], entry, { formattingOptions }));
        else for (const field of fields) text = applyEdits(text, modify(text, [key, name, field], entry[field], { formattingOptions }));
      }
      if (!text.endsWith('\n')) text += '\n';

      for (const note of notes) process.stderr.write(`mcp-tap: ${note}\n`);
      const names = changes.map(([name]) => `"${name}"`).join(', ');
      if (!flags.write) {
        process.stdout.write(text);
        if (changes.length > 0) process.stderr.write(`mcp-tap: this is ${file} with ${names} behind mcp-tap (recording to ${store}); nothing was written: add --write to merge it in\n`);
        return;
      }
      if (changes.length === 0) return void process.stderr.write(`mcp-tap: nothing to change in ${file}\n`);
      let backup: string | undefined;
      if (config.exists) {
        backup = backupName(file);
        copyFileSync(file, backup);
      }
      writeAtomically(file, text);
      process.stderr.write(`mcp-tap: wrote ${file}${backup ? ` (the old one is at ${backup})` : ''}: ${names} now run through mcp-tap, recording to ${store}\n`);
      process.stderr.write(`mcp-tap: restart the client to use it; see the tapes with: mcp-tap tapes list --store ${store}\n`);
    });
}
