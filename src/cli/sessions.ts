/** `mcp-tap sessions list`: the sessions a session store holds. */
import type { Command } from 'commander';
import { openSessionStore } from '../session/open-store.js';
import { resolveStorePath } from '../tape/store.js';
import { storeOption, UsageError } from './common.js';

interface ListFlags {
  sessions: string;
  store?: string;
  json?: boolean;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export function registerSessions(program: Command): void {
  const sessions = program.command('sessions').summary('inspect the sessions of a session store');
  sessions
    .command('list')
    .description('Lists the sessions a store holds: id, transport, client, server, protocol version, messages, idle time.')
    .option('--sessions <store>', 'memory is per process, so: sqlite, sqlite:FILE or redis://HOST:PORT/DB', 'sqlite')
    .addOption(storeOption())
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExamples:\n  mcp-tap sessions list\n  mcp-tap sessions list --sessions redis://127.0.0.1:6379/0 --json\n')
    .action(async (flags: ListFlags) => {
      if (flags.sessions === 'memory') throw new UsageError('the memory store lives inside one proxy process; list a sqlite or redis store');
      let store;
      try {
        store = await openSessionStore(flags.sessions, { tapeStore: resolveStorePath(flags.store), mustExist: true });
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      try {
        const list = await store.list();
        if (flags.json) {
          console.log(JSON.stringify(list, null, 2));
          return;
        }
        if (list.length === 0) {
          console.log('no sessions');
          return;
        }
        const now = Date.now();
        for (const s of list) {
          const client = s.clientInfo ? `${s.clientInfo.name ?? '?'} ${s.clientInfo.version ?? ''}`.trim() : '-';
          const server = s.serverInfo ? `${s.serverInfo.name ?? '?'} ${s.serverInfo.version ?? ''}`.trim() : '-';
          console.log(`${s.id}  ${s.transport.padEnd(15)} ${client} -> ${server}  ${s.protocolVersion ?? '-'}  ${s.counters.c2s + s.counters.s2c} msgs  idle ${age(now - s.lastActiveAt)}`);
        }
      } finally {
        await store.close();
      }
    });
}
