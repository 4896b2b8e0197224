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
import { EXIT, exitStatusHelp, quietOnBrokenPipe, reportError } from './common.js';
import { registerConfig } from './config.js';

/** Commands whose stdout may be the MCP stream of a stdio proxy: a broken pipe there is the client leaving. */
const PROXYING = new Set(['record', 'replay']);

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('mcp-tap')
    .description('Record, replay and intercept Model Context Protocol (MCP) sessions.')
    .version(version(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .addHelpText('after', exitStatusHelp('when the check a command makes failed (verify: drift; replay --strict: a miss; tapes diff: the tapes differ)') + '(record exits with the server\'s own status once the server ran.)\n')
    .hook('preAction', (_program, command) => {
      if (!PROXYING.has(command.name())) quietOnBrokenPipe();
    });
  registerRecord(program);
  registerDemo(program);
  registerReplay(program);
  registerVerify(program);
  registerTapes(program);
  registerTapesDiff(program.commands.find((c) => c.name() === 'tapes')!);
  registerSessions(program);
  registerProxies(program);
  registerAttach(program);
  registerConfig(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help/version it was asked for).
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.error;
      return;
    }
    process.exitCode = reportError(error);
  }
}
