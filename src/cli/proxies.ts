/** `mcp-tap proxies`: the proxies running now that `mcp-tap attach` can open. */
import type { Command } from 'commander';
import { listRunningProxies, stateDir } from '../control/state.js';
import type { ProxyStateFile } from '../control/protocol.js';

/** What may be shown of a state file: everything but the token. */
export function publicView(state: ProxyStateFile): Omit<ProxyStateFile, 'token'> {
  const { token: _token, ...rest } = state;
  return rest;
}

/** "12s", "5m", "3h", "2d": how long ago, compactly. */
export function since(startedAt: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - startedAt) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function formatProxies(proxies: ProxyStateFile[], now = Date.now()): string[] {
  const rows = [['ID', 'PID', 'TITLE', 'TAPE', 'SINCE', 'CONTROL'], ...proxies.map((p) => [p.id, String(p.pid), p.title, p.tape ?? '-', since(p.startedAt, now), p.url])];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '));
}

export function registerProxies(program: Command): void {
  program
    .command('proxies')
    .summary('list the running proxies (for mcp-tap attach)')
    .description(`Lists the mcp-tap proxies running now for this user, from their state files in ${stateDir()} (env MCP_TAP_STATE_DIR). Files left by proxies that died are removed.`)
    .option('--json', 'print a JSON array (tokens are never printed)')
    .action((flags: { json?: boolean }) => {
      const proxies = listRunningProxies();
      if (flags.json) {
        process.stdout.write(JSON.stringify(proxies.map(publicView), null, 2) + '\n');
        return;
      }
      if (proxies.length === 0) {
        process.stderr.write('mcp-tap: no proxy is running\n');
        return;
      }
      for (const line of formatProxies(proxies)) process.stdout.write(line + '\n');
    });
}
