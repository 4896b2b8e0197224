/**
 * `mcp-tap baseline accept | check | list | show | rm`: trusted tool definitions, kept by name in
 * the store (or in a file for a repository), and a check that fails when a server's definitions
 * changed since they were trusted. What the commands do is loaded when one runs.
 */
import type { Command } from 'commander';
import { collect, storeOption } from './common.js';
import type { AcceptFlags, CheckFlags } from './baseline-run.js';

function addSource(command: Command): Command {
  return command
    .addOption(storeOption())
    .option('--url <url>', 'the server over HTTP, SSE or WebSocket instead of a command after --')
    .option('--transport <kind>', 'for --url: streamable, sse or ws')
    .option('--header <name:value>', 'for --url: a header to send (repeatable)', collect, [])
    .option('--timeout <seconds>', 'how long to wait for each answer from a live server', '30')
    .option('-v, --verbose', "show the server's stderr");
}

export function registerBaseline(program: Command): void {
  const baseline = program
    .command('baseline')
    .summary("trust a server's tool definitions, and fail when they change")
    .description(
      "Keeps the tools, prompts, resources, resource templates and capabilities a server offered as a named baseline in the store, and compares " +
        'a server (or a tape) with it field by field: descriptions, schemas, annotations, icons. Catches a server that changes what it offers after it was trusted. ' +
        'record --baseline NAME does the same live, warning or blocking.',
    );

  addSource(
    baseline
      .command('accept')
      .description('Stores the definitions of a tape, or of a live server (a command after --, or --url), as the trusted baseline NAME (replacing one of that name).')
      .argument('[tape]', 'a tape whose server definitions to trust')
      .argument('[command...]', 'or the server command, after --')
      .requiredOption('--name <name>', 'the baseline\'s name')
      .option('-o, --output <file>', 'also write the baseline to this JSON file (to keep in a repository)'),
  )
    .addHelpText('after', '\nExamples:\n  mcp-tap baseline accept --name everything -- npx -y @modelcontextprotocol/server-everything\n  mcp-tap baseline accept my-tape --name my-server -o mcp-baseline.json\n')
    .action(async (tape: string | undefined, rest: string[], flags: AcceptFlags) => (await import('./baseline-run.js')).accept(tape, rest, flags));

  addSource(
    baseline
      .command('check')
      .description('Compares a tape, or a live server, with a baseline (a name in the store, or a baseline file). Exit 1 when anything was added, removed or changed.')
      .argument('<baseline>', 'the baseline: a name, or a .json file written by accept -o')
      .argument('[tape]', 'a tape to check')
      .argument('[command...]', 'or the server command, after --')
      .option('--ignore <path>', 'a path inside each definition not compared, e.g. annotations.title (repeatable)', collect, [])
      .option('--junit <file>', 'also write the result as JUnit XML, one test case per tool, prompt and resource')
      .option('--json', 'print the result as JSON'),
  )
    .addHelpText('after', '\nExamples:\n  mcp-tap baseline check everything -- npx -y @modelcontextprotocol/server-everything\n  mcp-tap baseline check mcp-baseline.json --url http://127.0.0.1:3001/mcp --junit baseline.xml\n')
    .action(async (name: string, tape: string | undefined, rest: string[], flags: CheckFlags) => (await import('./baseline-run.js')).check(name, tape, rest, flags));

  baseline
    .command('list')
    .description('One line per baseline in the store: name, when it was accepted, where from, what it holds.')
    .addOption(storeOption())
    .action(async (flags: { store?: string }) => (await import('./baseline-run.js')).list(flags));

  baseline
    .command('show')
    .description('Prints a baseline document as JSON.')
    .argument('<name>', 'the baseline')
    .addOption(storeOption())
    .action(async (name: string, flags: { store?: string }) => (await import('./baseline-run.js')).show(name, flags));

  baseline
    .command('rm')
    .description('Removes baselines from the store.')
    .argument('<names...>', 'the baselines')
    .addOption(storeOption())
    .action(async (names: string[], flags: { store?: string }) => (await import('./baseline-run.js')).remove(names, flags));
}
