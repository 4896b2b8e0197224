/**
 * Discovery of running proxies: each one writes a small JSON state file (its control URL and
 * token) into a directory only its owner can enter, and removes it when it ends. A proxy that was
 * killed cannot clean up, so readers drop files whose process is gone.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ProxyStateFile } from './protocol.js';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const SUFFIX = '.json';

/** MCP_TAP_STATE_DIR, else $XDG_RUNTIME_DIR/mcp-tap, else ~/.mcp-tap/run. */
export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MCP_TAP_STATE_DIR) return env.MCP_TAP_STATE_DIR;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'mcp-tap');
  return join(homedir(), '.mcp-tap', 'run');
}

/**
 * Creates the directory owner-only, and narrows it if it already existed wider (tokens live there)
 * and is this user's own. A shared directory (sticky, such as /tmp, or someone else's) given as
 * MCP_TAP_STATE_DIR is left as it is: the state files in it are owner-only themselves.
 */
export function ensureStateDir(dir: string = stateDir()): string {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if (process.platform === 'win32') return dir;
  const stats = statSync(dir);
  const shared = (stats.mode & 0o1000) !== 0 || stats.uid !== process.getuid?.();
  if (!shared && (stats.mode & 0o777) !== DIR_MODE) chmodSync(dir, DIR_MODE);
  return dir;
}

/** A short id for `mcp-tap attach ID`, unused in `dir`. */
export function newProxyId(dir: string = stateDir()): string {
  for (;;) {
    const id = randomBytes(3).toString('hex');
    if (!exists(join(dir, id + SUFFIX))) return id;
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

export interface StateFileHandle {
  readonly file: string;
  readonly state: ProxyStateFile;
  /** Removes the file; safe to call more than once. */
  remove(): void;
}

/**
 * Writes `<id>.json` (0600) atomically, so a reader never sees half a file, and removes it when
 * the process exits even if nobody calls remove() (a proxy stopped by SIGINT/SIGTERM closes
 * normally and removes it; 'exit' catches the rest).
 */
export function writeStateFile(state: ProxyStateFile, dir: string = stateDir()): StateFileHandle {
  ensureStateDir(dir);
  const file = join(dir, state.id + SUFFIX);
  const temporary = join(dir, `.${state.id}.${process.pid}.tmp`);
  writeFileSync(temporary, JSON.stringify(state, null, 2) + '\n', { mode: FILE_MODE, flag: 'wx' });
  // The mode given at creation is narrowed by the umask, never widened; make it exact anyway.
  chmodSync(temporary, FILE_MODE);
  renameSync(temporary, file);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    process.off('exit', remove);
    rmSync(file, { force: true });
  };
  process.on('exit', remove);
  return { file, state, remove };
}

/** Whether a process with this pid is alive (EPERM: alive, but someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function isStateFile(value: unknown): value is ProxyStateFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.id === 'string' && typeof v.pid === 'number' && typeof v.url === 'string' && typeof v.token === 'string';
}

/**
 * The proxies running now, oldest first. Files of processes that are gone are removed on the way;
 * files that cannot be read or parsed are skipped (one may be someone's half-written file).
 */
export function listRunningProxies(dir: string = stateDir()): ProxyStateFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const running: ProxyStateFile[] = [];
  for (const name of names) {
    if (!name.endsWith(SUFFIX) || name.startsWith('.')) continue;
    const file = join(dir, name);
    let state: unknown;
    try {
      state = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    if (!isStateFile(state)) continue;
    if (!processAlive(state.pid)) {
      rmSync(file, { force: true });
      continue;
    }
    running.push(state);
  }
  return running.sort((a, b) => a.startedAt - b.startedAt);
}

/** The running proxy with this id (or the one id that starts with it); a clear error otherwise. */
export function findRunningProxy(id: string, dir: string = stateDir()): ProxyStateFile {
  const running = listRunningProxies(dir);
  const exact = running.find((p) => p.id === id);
  if (exact) return exact;
  const matches = running.filter((p) => p.id.startsWith(id));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new Error(`"${id}" matches several running proxies: ${matches.map((p) => p.id).join(', ')}`);
  if (running.length === 0) throw new Error('no mcp-tap proxy is running (none found in ' + dir + ')');
  throw new Error(`no running proxy "${id}"; running: ${running.map((p) => `${p.id} (${p.title})`).join(', ')}`);
}
