/** `mcp-tap tapes list | show | export | import | rm`: look after the tapes in a store. */
import { readFileSync } from 'node:fs';
import { writePrivateFile } from '../core/private-file.js';
import { Option, type Command } from 'commander';
import { Chalk, type ChalkInstance } from 'chalk';
import { exportTape, importTape, tapeSummary, validateTapeDocument } from '../tape/export.js';
import { TapeError } from '../tape/errors.js';
import { renderExchanges, renderTimeline } from '../tape/timeline.js';
import type { TapeInfo } from '../tape/types.js';
import { openStore, packageVersion, parseDuration, selfInvocation, storeOption, UsageError } from './common.js';
import { inert } from '../core/log.js';
import { retryWhenBusy, type TapeStore } from '../tape/store.js';
import { browseTape } from './attach.js';

/** Colour only for a terminal (as chalk detects it), and never when NO_COLOR is set. */
export function colorFor(stream: NodeJS.WriteStream): ChalkInstance {
  return new Chalk(stream.isTTY && !process.env.NO_COLOR ? {} : { level: 0 });
}

function peer(info: unknown): string {
  const i = info as { name?: string; version?: string } | undefined;
  return i?.name ? `${i.name} ${i.version ?? ''}`.trim() : '-';
}

function upstreamText(t: TapeInfo): string {
  return t.upstream?.url ?? t.upstream?.command?.join(' ') ?? '-';
}

/** Runs `work` on a store and always closes it. */
function withStore<T>(flag: string | undefined, options: { create?: boolean; readonly?: boolean }, work: (store: TapeStore) => T): T {
  const store = openStore(flag, options);
  try {
    return work(store);
  } finally {
    store.close();
  }
}

const READ_ONLY = { create: false, readonly: true };

function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}\n`).join('')}`;
}

/** An export file readable only by its owner; a file that cannot be written is a usage error. */
function writeExport(file: string, text: string): void {
  try {
    writePrivateFile(file, text);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

const EXPORT_FORMATS = ['json', 'har', 'otlp', 'html'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A tape in an export format; the heavy writers (OpenTelemetry) are loaded only when asked for. */
async function exportText(store: TapeStore, name: string, format: ExportFormat): Promise<{ text: string; count: string }> {
  if (format === 'json') {
    const document = exportTape(store, name);
    return { text: `${JSON.stringify(document, null, 2)}\n`, count: `${document.frames.length} frames` };
  }
  const tape = store.requireTape(name);
  const sessions = store.sessions(tape.id);
  const frames = store.frames(tape.id);
  const version = packageVersion();
  if (format === 'har') {
    const { tapeToHar } = await import('../tape/har.js');
    const har = tapeToHar(tape, sessions, frames, { version });
    return { text: `${JSON.stringify(har, null, 2)}\n`, count: `${har.log.entries.length} entries` };
  }
  if (format === 'otlp') {
    const { tapeToOtlpJson } = await import('../tape/otlp.js');
    const text = await tapeToOtlpJson(tape, sessions, frames, version);
    const spans = (text.match(/"spanId"/g) ?? []).length;
    return { text, count: `${spans} spans` };
  }
  const { tapeToHtml } = await import('../tape/report.js');
  return { text: tapeToHtml(tape, sessions, frames, { version }), count: `${frames.length} frames` };
}

export function registerTapes(program: Command): void {
  const tapes = program
    .command('tapes')
    .summary('list, show, export, import and remove tapes')
    .description('Look after the tapes in a store (--store FILE, env MCP_TAP_STORE, default ./tapes/tapes.db).')
    .addHelpText(
      'after',
      examples(
        'mcp-tap tapes list',
        'mcp-tap tapes show server-everything',
        'mcp-tap tapes export server-everything -o everything.json',
        'mcp-tap tapes import everything.json --name everything-copy',
        'mcp-tap tapes rm everything-copy',
      ),
    );

  tapes
    .command('list')
    .description('One line per tape: name, when it was recorded, frames, sessions, server name and version, upstream.')
    .addOption(storeOption())
    .option('--json', 'print a JSON array, one object per tape with the same fields always present')
    .addHelpText('after', examples('mcp-tap tapes list', 'mcp-tap tapes list --store ~/tapes.db --json'))
    .action((flags: { store?: string; json?: boolean }) =>
      withStore(flags.store, READ_ONLY, (store) => {
        const list = store.listTapes();
        if (flags.json) return console.log(JSON.stringify(list.map(tapeSummary), null, 2));
        if (list.length === 0) return console.log(`no tapes in ${store.file} yet; record one with: ${selfInvocation()} record --store ${store.file} -- <server command>`);
        const color = colorFor(process.stdout);
        const width = Math.max(...list.map((t) => t.name.length));
        for (const t of list) {
          const created = t.createdAt.replace('T', ' ').slice(0, 19);
          const counts = `${String(t.frameCount).padStart(6)} frames  ${String(t.sessionCount).padStart(3)} session(s)`;
          console.log(`${color.bold(t.name.padEnd(width))}  ${color.dim(created)}  ${counts}  ${peer(t.serverInfo)}  ${color.dim(upstreamText(t))}`);
        }
      }),
    );

  tapes
    .command('show')
    .description(
      'The tape as a timeline, one line per exchange: time since the start, who asked (→ the client, ← the server), method (and tool, ' +
        'prompt or resource), JSON-RPC id, outcome (ok, tool error, error, input_required, blocked, mocked, ...), latency, and what came ' +
        'with it (progress, log messages). The rounds of a multi round-trip call are shown together (↻ round 2 under round 1), a ' +
        'subscriptions/listen stream with the notifications it delivered, a 2025 server request (↳) under the call it was made during. ' +
        'With --frames, one line per frame instead: direction, kind, method, id, latency, action, flags and the message of errors.',
    )
    .argument('<name>', 'the tape')
    .addOption(storeOption())
    .option('--frames', 'one line per frame, as recorded, instead of one per exchange')
    .option('--full', 'print every message in full (pretty JSON) under its line')
    .option('--json', 'print the tape (with frame and session counts), its sessions and its frames as JSON, messages parsed')
    .option('--tui', 'browse the tape in the interactive UI instead, read-only (as mcp-tap attach --tape NAME)')
    .addHelpText(
      'after',
      examples(
        'mcp-tap tapes show server-everything',
        'mcp-tap tapes show server-everything --frames --full | less',
        'mcp-tap tapes show server-everything --json | jq \'.frames[] | select(.kind == "error")\'',
        'mcp-tap tapes show server-everything --tui',
      ),
    )
    .action((name: string, flags: { store?: string; full?: boolean; json?: boolean; frames?: boolean; tui?: boolean }) =>
      flags.tui ? browseTape(flags.store, name) : withStore(flags.store, READ_ONLY, (store) => {
        const tape = store.requireTape(name);
        if (flags.json) {
          const document = exportTape(store, name);
          return console.log(JSON.stringify({ ...document, tape: { ...document.tape, frameCount: tape.frameCount, sessionCount: tape.sessionCount } }, null, 2));
        }
        const render = flags.frames ? renderTimeline : renderExchanges;
        for (const line of render(tape, store.frames(tape.id), colorFor(process.stdout), { full: flags.full }, store.sessions(tape.id))) console.log(line);
      }),
    );

  tapes
    .command('export')
    .description(
      'Writes the tape to stdout, or to a file created readable only by you, in one of these formats: json (the tape document, docs/tape-format.md; ' +
        'it imports back), har (HTTP Archive 1.2: one entry per exchange, for browser devtools and HAR tools), otlp (OpenTelemetry OTLP/JSON: one span per ' +
        'exchange, with the MCP semantic conventions), html (one self-contained page: the timeline, searchable). Redacted values stay redacted in every format.',
    )
    .argument('<name>', 'the tape')
    .option('-o, --output <file>', 'write to this file (mode 0600; replaced if it exists) instead of stdout')
    .addOption(new Option('--format <format>', 'what to write').choices([...EXPORT_FORMATS]).default('json'))
    .addOption(storeOption())
    .addHelpText(
      'after',
      examples(
        'mcp-tap tapes export server-everything > everything.json',
        'mcp-tap tapes export server-everything --format har -o everything.har',
        'mcp-tap tapes export server-everything --format otlp | curl -H content-type:application/json --data-binary @- http://127.0.0.1:4318/v1/traces',
        'mcp-tap tapes export server-everything --format html -o report.html',
      ),
    )
    .action(async (name: string, flags: { store?: string; output?: string; format: ExportFormat }) => {
      const { text, count } = await withStore(flags.store, READ_ONLY, (store) => exportText(store, name, flags.format));
      if (!flags.output) return void process.stdout.write(text);
      writeExport(flags.output, text);
      console.error(`mcp-tap: exported "${name}" (${count}) as ${flags.format} to ${flags.output}`);
    });

  tapes
    .command('import')
    .description(
      'Reads a tape document (as written by export) into the store, all of it or nothing. ' +
        'Prints the new tape\'s name on stderr; stdout stays empty. Creates the store if it does not exist.',
    )
    .argument('<file>', 'the JSON document')
    .option('--name <name>', 'import under this name instead of the one in the document')
    .addOption(storeOption())
    .addHelpText('after', examples('mcp-tap tapes import tapes/everything-sample.json', 'mcp-tap tapes import everything.json --name everything-2 --store ~/tapes.db'))
    .action((file: string, flags: { store?: string; name?: string }) => {
      let document;
      try {
        // Checked before the store is opened, so a bad document never creates or touches a store.
        document = validateTapeDocument(readDocument(file));
      } catch (error) {
        if (error instanceof TapeError) throw new TapeError(`${file}: ${error.message}`);
        throw error;
      }
      const [tape, into] = withStore(flags.store, {}, (store) => [importTape(store, document, { name: flags.name }), store.file] as const);
      console.error(`mcp-tap: imported "${tape.name}" (${tape.frameCount} frames, ${tape.sessionCount} session(s)) into ${into}`);
    });

  tapes
    .command('rm')
    .description('Removes tapes and all their frames. Nothing is removed when any name is unknown.')
    .argument('<names...>', 'the tapes')
    .addOption(storeOption())
    .addHelpText('after', examples('mcp-tap tapes rm server-everything', 'mcp-tap tapes rm old-1 old-2 --store ~/tapes.db'))
    .action((names: string[], flags: { store?: string }) =>
      withStore(flags.store, { create: false }, (store) => {
        // The write lock first (BEGIN IMMEDIATE), and again after a pause if a recording proxy held it.
        retryWhenBusy(() =>
          store.transaction(
            () => {
              for (const name of names) store.requireTape(name);
              for (const name of names) store.deleteTape(name);
            },
            { immediate: true },
          ),
        );
        for (const name of names) console.error(`mcp-tap: removed "${name}"`);
      }),
    );

  tapes
    .command('prune')
    .description(
      'Keeps tapes lean. --older-than AGE removes tapes recorded longer ago than AGE (all tapes, or those named). --unused FILE removes from the named ' +
        'tape the exchanges no replay used, by the usage file that replay --usage FILE (or MCP_TAP_USAGE in tests) appended to: it needs at least one ' +
        '--strict replay of this very recording and refuses when a replay missed (a tape that lacks answers wants re-recording, not pruning). ' +
        'initialize and server/discover are always kept. --dry-run says what would go.',
    )
    .argument('[names...]', 'the tapes (with --unused: exactly one)')
    .option('--older-than <age>', 'remove tapes recorded longer ago than this, e.g. 90d (a bare number is days)')
    .option('--unused <file>', 'remove the exchanges no replay recorded in this usage file used')
    .option('--dry-run', 'print what would be removed, remove nothing')
    .addOption(storeOption())
    .addHelpText(
      'after',
      examples('mcp-tap tapes prune --older-than 90d --dry-run', 'mcp-tap replay fixtures --strict --usage usage.jsonl  (each test run)', 'mcp-tap tapes prune fixtures --unused usage.jsonl'),
    )
    .action(async (names: string[], flags: { store?: string; olderThan?: string; unused?: string; dryRun?: boolean }) => {
      const { unusedExchanges, usageOf } = await import('../tape/prune.js');
      if ((flags.olderThan === undefined) === (flags.unused === undefined)) throw new UsageError('tapes prune takes --older-than AGE or --unused FILE');
      const verb = flags.dryRun ? 'would remove' : 'removed';
      withStore(flags.store, { create: false }, (store) => {
        if (flags.olderThan !== undefined) {
          const cutoff = Date.now() - parseDuration('--older-than', flags.olderThan, 'd');
          const candidates = names.length > 0 ? names.map((name) => store.requireTape(name)) : store.listTapes();
          const old = candidates.filter((t) => Date.parse(t.createdAt) < cutoff);
          if (!flags.dryRun) store.transaction(() => old.forEach((t) => store.deleteTape(t.name)));
          for (const t of old) console.error(`mcp-tap: ${verb} "${t.name}" (recorded ${t.createdAt})`);
          console.error(`mcp-tap: ${old.length} of ${candidates.length} tape(s) older than ${flags.olderThan}${flags.dryRun ? ' (dry run)' : ''}`);
          return;
        }
        if (names.length !== 1) throw new UsageError('--unused prunes one tape: name it');
        const tape = store.requireTape(names[0]!);
        const entries = usageOf(flags.unused!, tape);
        if (entries.length === 0) throw new UsageError(`${flags.unused} has no replay of tape "${tape.name}" as it is now (recorded ${tape.createdAt}, ${tape.frameCount} frames); replay it with --usage first`);
        if (!entries.some((e) => e.strict)) throw new UsageError(`${flags.unused} has no --strict replay of tape "${tape.name}": prune after a strict replay, so that every request the client makes is known to match`);
        const missed = entries.filter((e) => e.missed > 0);
        if (missed.length > 0) throw new UsageError(`${missed.length} replay(s) in ${flags.unused} missed requests tape "${tape.name}" lacks: re-record it rather than prune it`);
        const used = new Set(entries.flatMap((e) => e.used));
        const unused = unusedExchanges(store.frames(tape.id), used);
        if (!flags.dryRun) store.deleteFrames(tape.id, unused.seqs);
        for (const request of unused.requests) console.error(`mcp-tap: ${verb} ${inert(request.length > 200 ? `${request.slice(0, 197)}...` : request)}`);
        console.error(`mcp-tap: ${verb} ${unused.requests.length} unused exchange(s) (${unused.seqs.length} frames) from "${tape.name}", by ${entries.length} replay(s)${flags.dryRun ? ' (dry run)' : ''}`);
      });
    });
}
