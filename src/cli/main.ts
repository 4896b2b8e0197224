/** The command line: one file per command, wired here. */
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
import { EXIT, exitStatusHelp, packageVersion, quietOnBrokenPipe, reportError } from './common.js';
import { registerConfig } from './config.js';
import { registerWeb } from './web.js';
import { registerSend } from './send.js';
import { registerCheck } from './check.js';
import { registerBaseline } from './baseline.js';
import type { EarlyServer } from './early-server.js';

/** Commands whose stdout may be the MCP stream of a stdio proxy: a broken pipe there is the client leaving. */
const PROXYING = new Set(['record', 'replay']);

export interface ProgramOptions {
  /** The server of `record -- ...`, already started by the launcher (see early-server.ts). */
  early?: EarlyServer;
}

export function buildProgram(options: ProgramOptions = {}): Command {
  const program = new Command('mcp-tap')
    .description('Record, replay and intercept Model Context Protocol (MCP) sessions.')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) })
    .hook('preAction', (_program, command) => {
      if (!PROXYING.has(command.name())) quietOnBrokenPipe();
    });
  registerRecord(program, options.early);
  registerDemo(program);
  registerReplay(program);
  registerVerify(program);
  registerTapes(program);
  registerTapesDiff(program.commands.find((c) => c.name() === 'tapes')!);
  registerSessions(program);
  registerProxies(program);
  registerAttach(program);
  registerWeb(program);
  registerSend(program);
  registerConfig(program);
  registerCheck(program);
  registerBaseline(program);
  describeExitStatus(program);
  return program;
}

/** What makes a command exit 1, for the commands that make a check. */
const CHECKS: Record<string, string> = {
  'mcp-tap': 'when the check a command makes failed (verify: drift; replay --strict: a miss; tapes diff: the tapes differ)',
  verify: 'when an answer drifted from the tape',
  replay: 'with --strict when a request missed, a recorded one went unused or the client answered differently',
  diff: 'when the tapes differ',
  check: 'when the check failed (check: the tape has a problem; baseline check: a definition differs from the baseline)',
  demo: 'when the replay did not answer as the server did',
};

/** Every command's --help ends with its exit status, the same convention for all. */
function describeExitStatus(command: Command): void {
  const name = command.name();
  if (name === 'record') {
    command.addHelpText('after', "\nExit status: 0 ok (the server exited 0), the server's own status when it exited otherwise, 2 usage or runtime error (the server could not be started, a port in use, ...).\n");
  } else {
    command.addHelpText('after', exitStatusHelp(CHECKS[name]));
  }
  for (const sub of command.commands) describeExitStatus(sub);
}

export async function main(argv: string[], options: ProgramOptions = {}): Promise<void> {
  const program = buildProgram(options).exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed its message (or the help/version it was asked for).
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.error;
      return;
    }
    process.exitCode = reportError(error);
  } finally {
    options.early?.stop();
  }
}
