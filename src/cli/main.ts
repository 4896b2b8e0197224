/** The command line: one file per command, wired here. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerRecord } from './record.js';
import { registerDemo } from './demo.js';
import { registerSessions } from './sessions.js';
import { registerTapes } from './tapes.js';
import { registerReplay } from './replay.js';
import { registerVerify } from './verify.js';
import { registerTapesDiff } from './tapes-diff.js';
import { registerProxies } from './proxies.js';
import { registerAttach } from './attach.js';
import { reportError } from './common.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('mcp-tap')
    .description('Record, replay and intercept Model Context Protocol (MCP) sessions.')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });
  registerRecord(program);
  registerDemo(program);
  registerReplay(program);
  registerVerify(program);
  registerTapes(program);
  registerTapesDiff(program.commands.find((c) => c.name() === 'tapes')!);
  registerSessions(program);
  registerProxies(program);
  registerAttach(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help/version it was asked for).
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.exitCode = reportError(error);
  }
}
