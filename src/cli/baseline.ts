/**
 * `mcp-tap baseline accept | check | list | show | rm`: trusted tool definitions, kept by name in
 * the store (or in a file for a repository), and a check that fails when a server's definitions
 * changed since they were trusted.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { checkReachable, createUpstream } from '../proxy/upstream.js';
import { baselineDocument, compareDefinitions, definitionsFromFrames, fetchDefinitions, LISTS, loadBaseline, validateBaseline, type BaselineDocument, type BaselineReport, type Definitions } from '../tape/baseline.js';
import { describeChange } from '../interceptors/baseline.js';
import type { JUnitSuite } from '../tape/junit.js';
import { TapeError } from '../tape/errors.js';
import { validateTapeName } from '../tape/store.js';
import { inert } from '../core/log.js';
import { collect, EXIT, loggerFor, openStore, packageVersion, storeOption, UsageError } from './common.js';
import { upstreamFrom } from './record.js';
import { colorFor } from './tapes.js';

interface SourceFlags {
  store?: string;
  url?: string;
  transport?: string;
  header: string[];
  timeout: string;
  verbose?: boolean;
  quiet?: boolean;
}

/**
 * Commander hands out what follows `--` as positional arguments too: split them off again, so
 * `accept -- node server.js` is a server and `accept my-tape` a tape.
 */
function afterDashes(args: string[]): { before: string[]; command: string[] } {
  const at = process.argv.indexOf('--');
  const count = at < 0 ? 0 : process.argv.length - at - 1;
  return { before: args.slice(0, args.length - count), command: args.slice(args.length - count) };
}

/** The definitions of a tape (by name), or of a live server (a command after --, or --url). */
async function definitionsOf(tape: string | undefined, command: string[], flags: SourceFlags): Promise<{ definitions: Definitions; source: string }> {
  if (tape !== undefined && (command.length > 0 || flags.url)) throw new UsageError('give either a tape or a server (a command after --, or --url), not both');
  if (tape !== undefined) {
    const store = openStore(flags.store, { create: false, readonly: true });
    try {
      const info = store.requireTape(tape);
      return { definitions: definitionsFromFrames(store.frames(info.id)), source: `tape ${tape}` };
    } finally {
      store.close();
    }
  }
  if (command.length === 0 && !flags.url) throw new UsageError('give a tape, or the server: a command after --, or --url');
  const spec = upstreamFrom(command, { url: flags.url, transport: flags.transport, header: flags.header, maxMessageSize: '16MiB' });
  if (spec.kind !== 'stdio') await checkReachable(spec.url);
  const timeoutMs = Number(flags.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new UsageError(`--timeout takes a number of seconds, got "${flags.timeout}"`);
  const logger = loggerFor(flags);
  const connect = () => createUpstream({ ...spec, ...(spec.kind === 'stdio' ? { stderr: flags.verbose ? 'inherit' : 'ignore' } : {}) }, { logger });
  try {
    return { definitions: await fetchDefinitions(connect, { version: packageVersion(), timeoutMs }), source: spec.kind === 'stdio' ? command.join(' ') : spec.url };
  } catch (error) {
    throw new UsageError(`could not read the server's definitions: ${(error as Error).message}`);
  }
}

function counts(definitions: Definitions): string {
  return (Object.keys(LISTS) as (keyof typeof LISTS)[])
    .filter((list) => definitions[list] !== undefined)
    .map((list) => `${Object.keys(definitions[list]!).length} ${list}`)
    .join(', ');
}

/** A baseline by name from the store, or from a file when the argument names one. */
function readBaseline(nameOrFile: string, storeFlag: string | undefined): BaselineDocument {
  if (nameOrFile.endsWith('.json') || nameOrFile.includes('/')) {
    if (!existsSync(nameOrFile)) throw new UsageError(`no such baseline file: ${nameOrFile}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(nameOrFile, 'utf8'));
    } catch (error) {
      throw new UsageError(`${nameOrFile} is not JSON: ${(error as Error).message}`);
    }
    return validateBaseline(parsed, nameOrFile);
  }
  const store = openStore(storeFlag, { create: false, readonly: true });
  try {
    return loadBaseline(store, nameOrFile);
  } finally {
    store.close();
  }
}

export function baselineSuite(report: BaselineReport, baseline: BaselineDocument, current: Definitions): JUnitSuite {
  const cases: JUnitSuite['cases'] = [];
  for (const list of Object.keys(LISTS) as (keyof typeof LISTS)[]) {
    const items = new Set([...Object.keys(baseline.definitions[list] ?? {}), ...Object.keys(current[list] ?? {})]);
    for (const item of items) {
      const change = report.changes.find((c) => c.list === list && c.item === item);
      cases.push({ classname: list, name: item, failure: change ? { message: describeChange(change), type: change.change } : undefined, skipped: report.notCompared.includes(list) || undefined });
    }
  }
  const capabilities = report.changes.find((c) => c.list === 'capabilities');
  cases.push({ classname: 'capabilities', name: 'capabilities', failure: capabilities ? { message: describeChange(capabilities), type: 'changed' } : undefined, skipped: report.notCompared.includes('capabilities') || undefined });
  return { name: `mcp-tap baseline check ${baseline.name}`, properties: { baseline: baseline.name, acceptedAt: baseline.acceptedAt, source: baseline.source }, cases };
}

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
    .action(async (tape: string | undefined, rest: string[], flags: SourceFlags & { name: string; output?: string }) => {
      const { before, command } = afterDashes([...(tape === undefined ? [] : [tape]), ...rest]);
      validateTapeName(flags.name);
      const { definitions, source } = await definitionsOf(before[0], command, flags);
      if (!Object.keys(LISTS).some((list) => definitions[list as keyof typeof LISTS] !== undefined)) {
        throw new UsageError(`${source} shows no tools, prompts or resources list: nothing to trust (a tape must have listed them)`);
      }
      const document = baselineDocument(flags.name, source, definitions);
      const store = openStore(flags.store);
      try {
        store.saveBaseline(flags.name, document.acceptedAt, document);
      } finally {
        store.close();
      }
      if (flags.output) {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(flags.output, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
      }
      console.error(`mcp-tap: baseline "${flags.name}" accepted from ${inert(source)}: ${counts(definitions)}${flags.output ? `; written to ${flags.output}` : ''}`);
    });

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
    .action(async (name: string, tape: string | undefined, rest: string[], flags: SourceFlags & { ignore: string[]; junit?: string; json?: boolean }) => {
      const accepted = readBaseline(name, flags.store);
      const { before, command } = afterDashes([...(tape === undefined ? [] : [tape]), ...rest]);
      const { definitions, source } = await definitionsOf(before[0], command, flags);
      const report = compareDefinitions(accepted.name, accepted.definitions, definitions, { ignore: flags.ignore });
      if (flags.junit) {
        const { writeJUnit } = await import('../tape/junit.js');
        await writeJUnit(flags.junit, [baselineSuite(report, accepted, definitions)]);
      }
      if (flags.json) console.log(JSON.stringify({ ...report, source }, null, 2));
      else {
        const color = colorFor(process.stdout);
        for (const change of report.changes) console.log(`${change.change === 'added' ? color.green('+') : change.change === 'removed' ? color.red('-') : color.yellow('~')} ${inert(describeChange(change))}`);
        for (const list of report.notCompared) console.log(color.dim(`  not compared: ${list} (${inert(source)} did not list them)`));
        console.log(
          report.changes.length === 0
            ? color.green(`baseline "${accepted.name}": ${inert(source)} matches (${counts(definitions)})`)
            : color.red(`baseline "${accepted.name}": ${report.changes.length} definition(s) of ${inert(source)} differ from the baseline accepted ${accepted.acceptedAt}`),
        );
      }
      process.exitCode = report.changes.length === 0 ? EXIT.ok : EXIT.checkFailed;
    });

  baseline
    .command('list')
    .description('One line per baseline in the store: name, when it was accepted, where from, what it holds.')
    .addOption(storeOption())
    .action((flags: { store?: string }) => {
      const store = openStore(flags.store, { create: false, readonly: true });
      try {
        const all = store.baselines();
        if (all.length === 0) return console.log(`no baselines in ${store.file}; accept one with: mcp-tap baseline accept TAPE --name NAME`);
        for (const b of all) {
          const doc = validateBaseline(b.document, `baseline "${b.name}"`);
          console.log(`${b.name}  ${b.acceptedAt}  ${inert(doc.source)}  ${counts(doc.definitions)}`);
        }
      } finally {
        store.close();
      }
    });

  baseline
    .command('show')
    .description('Prints a baseline document as JSON.')
    .argument('<name>', 'the baseline')
    .addOption(storeOption())
    .action((name: string, flags: { store?: string }) => console.log(JSON.stringify(readBaseline(name, flags.store), null, 2)));

  baseline
    .command('rm')
    .description('Removes baselines from the store.')
    .argument('<names...>', 'the baselines')
    .addOption(storeOption())
    .action((names: string[], flags: { store?: string }) => {
      const store = openStore(flags.store, { create: false });
      try {
        for (const name of names) if (!store.baselines().some((b) => b.name === name)) throw new TapeError(`no baseline named "${name}" in ${store.file}`);
        for (const name of names) store.deleteBaseline(name);
      } finally {
        store.close();
      }
      for (const name of names) console.error(`mcp-tap: removed baseline "${name}"`);
    });
}
