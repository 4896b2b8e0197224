/** `mcp-tap record -- <command> [args...]`: proxy a stdio server and record the session. */
import { basename, dirname, extname } from 'node:path';
import type { Command } from 'commander';
import { runStdioProxy } from '../proxy/stdio.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../core/framing.js';
import { addVerbosity, collect, loggerFor, openStore, storeOption, UsageError, type VerbosityOptions } from './common.js';

interface RecordFlags extends VerbosityOptions {
  store?: string;
  name?: string;
  redact: string[];
  redactDefaults: boolean;
  maxMessageSize: string;
  label: string[];
}

const LAUNCHERS = new Set(['node', 'nodejs', 'npx', 'bun', 'bunx', 'deno', 'python', 'python3', 'uv', 'uvx', 'pipx', 'docker', 'tsx', 'ts-node']);

/** A readable tape name from the server's command line: `npx -y @scope/server-x` gives "server-x". */
export function tapeStem(command: string, args: string[]): string {
  const name = basename(command);
  if (!LAUNCHERS.has(name.replace(/\.(exe|cmd)$/, ''))) return name;
  // Inline code (`node -e ...`) names nothing useful.
  if (args.some((a) => ['-e', '--eval', '-p', '--print', '-c'].includes(a))) return name;
  const target = args.find((a) => !a.startsWith('-') && a !== 'run');
  if (!target) return name;
  // A script inside an installed package is better named by its package than by "index".
  const inPackage = /node_modules\/(?:@[^/]+\/)?([^/]+)\//.exec(target.replace(/\\/g, '/'));
  if (inPackage) return inPackage[1]!;
  const stem = basename(target.replace(/@[^/@]*$/, '')).replace(extname(target), '');
  if (stem === 'index' || stem === 'main') return basename(dirname(target)) || name;
  return stem || name;
}

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`"${text}" is not a size (examples: 16MiB, 512KiB, 1048576)`);
  const unit = (match[2] ?? 'b').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(Number(match[1]) * factor);
}

function parseLabels(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--label takes KEY=VALUE, got "${pair}"`);
    labels[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return labels;
}

export function registerRecord(program: Command): void {
  const command = program
    .command('record')
    .summary('proxy a stdio MCP server and record the session to a tape')
    .description(
      "Spawns the server (without a shell), proxies this process's stdin/stdout to it and records every JSON-RPC message to a tape. " +
        "stdout carries only MCP messages; diagnostics go to stderr. Exits with the server's exit status.",
    )
    .argument('<command...>', 'the server command and its arguments, after --')
    .addOption(storeOption())
    .option('--name <name>', 'tape name (default: from the server command, made unique)')
    .option('--redact <path>', 'replace this value on the tape: a path like params.arguments.apiKey, or a key pattern like *token* (repeatable)', collect, [])
    .option('--no-redact-defaults', 'do not redact the default secret keys (*token*, *password*, *secret*, ...)')
    .option('--label <key=value>', 'attach a label to the tape (repeatable)', collect, [])
    .option('--max-message-size <size>', 'largest message accepted, e.g. 16MiB', `${DEFAULT_MAX_MESSAGE_BYTES / 1024 / 1024}MiB`)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  mcp-tap record -- npx -y @modelcontextprotocol/server-everything\n' +
        '  mcp-tap record --name fs --redact params.arguments.apiKey -- node ./server.js --root /tmp\n',
    );
  addVerbosity(command).action(async (argv: string[], flags: RecordFlags) => {
    const [serverCommand, ...serverArgs] = argv;
    if (!serverCommand) throw new UsageError('record needs a server command after --, e.g. mcp-tap record -- npx -y @modelcontextprotocol/server-everything');
    const logger = loggerFor(flags);
    const maxMessageBytes = parseSize(flags.maxMessageSize);
    const store = openStore(flags.store);
    try {
      const name = flags.name ?? store.uniqueName(tapeStem(serverCommand, serverArgs));
      const result = await runStdioProxy({
        command: serverCommand,
        args: serverArgs,
        maxMessageBytes,
        logger,
        record: {
          store,
          tape: { name, transport: 'stdio', upstream: { command: argv }, labels: parseLabels(flags.label) },
          redact: flags.redact,
          redactDefaults: flags.redactDefaults,
        },
      });
      logger.info(`tape "${name}" saved to ${store.file}`);
      process.exitCode = result.exitCode;
    } finally {
      store.close();
    }
  });
}
