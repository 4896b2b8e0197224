/** `mcp-tap tapes list | show | export | import | rm`. */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Chalk, type ChalkInstance } from 'chalk';
import { exportTape, importTape } from '../tape/export.js';
import { renderTimeline } from '../tape/timeline.js';
import { openStore, storeOption, UsageError } from './common.js';

/** Colour only for a terminal, and never when NO_COLOR is set. */
export function colorFor(stream: NodeJS.WriteStream): ChalkInstance {
  return new Chalk(stream.isTTY && !process.env.NO_COLOR ? {} : { level: 0 });
}

function peer(info: unknown): string {
  const i = info as { name?: string; version?: string } | undefined;
  return i?.name ? `${i.name} ${i.version ?? ''}`.trim() : '-';
}

export function registerTapes(program: Command): void {
  const tapes = program
    .command('tapes')
    .summary('list, show, export, import and remove tapes')
    .addHelpText('after', '\nExamples:\n  mcp-tap tapes list\n  mcp-tap tapes show server-everything\n  mcp-tap tapes export server-everything -o everything.json\n');

  tapes
    .command('list')
    .description('One line per tape: name, when it was recorded, frames, sessions, server and upstream.')
    .addOption(storeOption())
    .option('--json', 'print a JSON array')
    .action((flags: { store?: string; json?: boolean }) => {
      const store = openStore(flags.store, { create: false, readonly: true });
      try {
        const list = store.listTapes();
        if (flags.json) return console.log(JSON.stringify(list.map(({ id: _id, ...rest }) => rest), null, 2));
        if (list.length === 0) return console.log(`no tapes in ${store.file} yet; record one with: mcp-tap record -- <server command>`);
        const color = colorFor(process.stdout);
        const width = Math.max(...list.map((t) => t.name.length));
        for (const t of list) {
          const upstream = t.upstream?.url ?? t.upstream?.command?.join(' ') ?? '-';
          console.log(
            `${color.bold(t.name.padEnd(width))}  ${color.dim(t.createdAt.replace('T', ' ').slice(0, 19))}  ${String(t.frameCount).padStart(6)} frames  ${String(t.sessionCount).padStart(3)} session(s)  ${peer(t.serverInfo)}  ${color.dim(upstream)}`,
          );
        }
      } finally {
        store.close();
      }
    });

  tapes
    .command('show')
    .description('The tape as a timeline: time, direction (→ client to server, ← server to client), kind, method, id, latency, action, flags.')
    .argument('<name>', 'the tape')
    .addOption(storeOption())
    .option('--full', 'print every message in full under its line')
    .option('--json', 'print the tape and its frames as JSON (messages parsed)')
    .action((name: string, flags: { store?: string; full?: boolean; json?: boolean }) => {
      const store = openStore(flags.store, { create: false, readonly: true });
      try {
        if (flags.json) return console.log(JSON.stringify(exportTape(store, name), null, 2));
        const tape = store.requireTape(name);
        for (const line of renderTimeline(tape, store.frames(tape.id), colorFor(process.stdout), { full: flags.full })) console.log(line);
      } finally {
        store.close();
      }
    });

  tapes
    .command('export')
    .description('Writes the tape as a JSON document (see docs/tape-format.md), to stdout or to a file.')
    .argument('<name>', 'the tape')
    .option('-o, --output <file>', 'write to this file (created readable only by you) instead of stdout')
    .addOption(storeOption())
    .action((name: string, flags: { store?: string; output?: string }) => {
      const store = openStore(flags.store, { create: false, readonly: true });
      try {
        const text = `${JSON.stringify(exportTape(store, name), null, 2)}\n`;
        if (!flags.output) return void process.stdout.write(text);
        writeFileSync(flags.output, text, { mode: 0o600 });
        chmodSync(flags.output, 0o600);
        console.error(`mcp-tap: exported "${name}" to ${flags.output}`);
      } finally {
        store.close();
      }
    });

  tapes
    .command('import')
    .description('Reads a tape document (as written by export) into the store. Prints the new tape name on stderr.')
    .argument('<file>', 'the JSON document')
    .option('--name <name>', 'import under this name instead of the one in the file')
    .addOption(storeOption())
    .action((file: string, flags: { store?: string; name?: string }) => {
      let document: unknown;
      try {
        document = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(code === 'ENOENT' ? `no such file: ${file}` : `${file} is not JSON: ${(error as Error).message}`, 1);
      }
      const store = openStore(flags.store);
      try {
        const tape = importTape(store, document, { name: flags.name });
        console.error(`mcp-tap: imported "${tape.name}" (${tape.frameCount} frames) into ${store.file}`);
      } finally {
        store.close();
      }
    });

  tapes
    .command('rm')
    .description('Removes tapes and all their frames.')
    .argument('<names...>', 'the tapes')
    .addOption(storeOption())
    .action((names: string[], flags: { store?: string }) => {
      const store = openStore(flags.store, { create: false });
      try {
        for (const name of names) store.requireTape(name);
        for (const name of names) {
          store.deleteTape(name);
          console.error(`mcp-tap: removed "${name}"`);
        }
      } finally {
        store.close();
      }
    });
}
