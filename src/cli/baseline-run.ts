/** What `mcp-tap baseline` does, loaded when a baseline command runs (src/cli/baseline.ts registers them). */
import { existsSync, readFileSync } from 'node:fs';
import { checkReachable, createUpstream } from '../proxy/upstream.js';
import { baselineDocument, compareDefinitions, definitionsFromFrames, fetchDefinitions, LISTS, loadBaseline, validateBaseline, type BaselineDocument, type BaselineReport, type Definitions } from '../tape/baseline.js';
import { describeChange } from '../interceptors/baseline.js';
import type { JUnitSuite } from '../tape/junit.js';
import { TapeError } from '../tape/errors.js';
import { validateTapeName } from '../tape/store.js';
import { inert } from '../core/log.js';
import { writePrivateFile } from '../core/private-file.js';
import { EXIT, loggerFor, openStore, packageVersion, UsageError } from './common.js';
import { upstreamFrom } from './record.js';
import { colorFor } from './tapes.js';

export interface SourceFlags {
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

export interface AcceptFlags extends SourceFlags {
  name: string;
  output?: string;
}

export interface CheckFlags extends SourceFlags {
  ignore: string[];
  junit?: string;
  json?: boolean;
}

export async function accept(tape: string | undefined, rest: string[], flags: AcceptFlags): Promise<void> {
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
    writePrivateFile(flags.output, `${JSON.stringify(document, null, 2)}\n`);
  }
  console.error(`mcp-tap: baseline "${flags.name}" accepted from ${inert(source)}: ${counts(definitions)}${flags.output ? `; written to ${flags.output}` : ''}`);
}

export async function check(name: string, tape: string | undefined, rest: string[], flags: CheckFlags): Promise<void> {
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
}

export function list(flags: { store?: string }): void {
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
}

export function show(name: string, flags: { store?: string }): void {
  console.log(JSON.stringify(readBaseline(name, flags.store), null, 2));
}

export function remove(names: string[], flags: { store?: string }): void {
  const store = openStore(flags.store, { create: false });
  try {
    for (const name of names) if (!store.baselines().some((b) => b.name === name)) throw new TapeError(`no baseline named "${name}" in ${store.file}`);
    for (const name of names) store.deleteBaseline(name);
  } finally {
    store.close();
  }
  for (const name of names) console.error(`mcp-tap: removed baseline "${name}"`);
}
