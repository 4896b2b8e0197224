/** `mcp-tap tapes list | show | export | import | rm`: look after the tapes in a store. */
import { closeSync, fchmodSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { Chalk, type ChalkInstance } from 'chalk';
import { exportTape, importTape, tapeSummary, validateTapeDocument } from '../tape/export.js';
import { TapeError } from '../tape/errors.js';
import { renderExchanges, renderTimeline } from '../tape/timeline.js';
import type { TapeInfo } from '../tape/types.js';
import { openStore, selfInvocation, storeOption, UsageError } from './common.js';
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

/** Writes a file readable only by its owner, even when it already existed with a wider mode. */
function writePrivateFile(file: string, text: string): void {
  let fd: number;
  try {
    fd = openSync(file, 'w', 0o600);
  } catch (error) {
    throw new UsageError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
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
    .description('Writes the tape as a JSON document (docs/tape-format.md) to stdout, or to a file created readable only by you.')
    .argument('<name>', 'the tape')
    .option('-o, --output <file>', 'write to this file (mode 0600; replaced if it exists) instead of stdout')
    .addOption(storeOption())
    .addHelpText('after', examples('mcp-tap tapes export server-everything > everything.json', 'mcp-tap tapes export server-everything -o everything.json'))
    .action((name: string, flags: { store?: string; output?: string }) => {
      const document = withStore(flags.store, READ_ONLY, (store) => exportTape(store, name));
      const text = `${JSON.stringify(document, null, 2)}\n`;
      if (!flags.output) return void process.stdout.write(text);
      writePrivateFile(flags.output, text);
      console.error(`mcp-tap: exported "${name}" (${document.frames.length} frames) to ${flags.output}`);
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
}
