/**
 * The tape store fails while traffic flows through a stdio proxy: the disk fills up (a small
 * tmpfs), the files turn read-only underneath it (chattr +i), another process holds the lock for
 * 8 s. A client pings all along; the longest round trip is the longest the proxy stalled (the
 * goal: under 100 ms), and once the store is well again every answered message is on the tape
 * (or counted as dropped, and marked). Needs root (mount, chattr), as CI runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, rmSync, statfsSync } from 'node:fs';
import { unlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ROOT, tempDir } from '../support/paths.js';
import { rawProxy, request, type RawProxy } from '../support/raw-proxy.js';
import { readTape } from '../support/record.js';
import { report } from './support.js';

const LINE_SERVER = join(ROOT, 'test', 'fixtures', 'line-server.mjs');
/** Faults are made without blocking this process: its pinger's timings must be the proxy's. */
const run = promisify(execFile);
let dir: string;

function need(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
  } catch (error) {
    throw new Error(`this attack needs root and ${command} (${command} ${args.join(' ')} failed: ${(error as Error).message.split('\n')[0]})`);
  }
}

beforeAll(() => {
  dir = tempDir('mcp-tap-attack-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Traffic {
  tried: number;
  answered: number;
  longestMs: number;
  stop(): Promise<void>;
}

/** Echo requests of 1 KiB, one every 10 ms, each timed from send to answer. */
function ping(proxy: RawProxy): Traffic {
  const traffic: Traffic = { tried: 0, answered: 0, longestMs: 0, stop: async () => undefined };
  let running = true;
  let id = 1000;
  const loop = (async () => {
    while (running) {
      const n = id++;
      traffic.tried++;
      const started = performance.now();
      proxy.send(request(n, 'echo', { n, pad: 'p'.repeat(1024) }));
      await proxy.next((m) => m.id === n, 15_000);
      traffic.answered++;
      traffic.longestMs = Math.max(traffic.longestMs, performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  traffic.stop = async () => {
    running = false;
    await loop;
  };
  return traffic;
}

async function recordThrough(store: string, name: string, fault: () => Promise<void>, heal: () => Promise<void>) {
  const proxy = rawProxy(['--store', store, '--name', name, '--', process.execPath, LINE_SERVER]);
  proxy.send(request(0, 'initialize', {}));
  await proxy.next((m) => m.id === 0);
  const traffic = ping(proxy);
  await new Promise((r) => setTimeout(r, 500));
  await fault();
  await new Promise((r) => setTimeout(r, 4000));
  await heal();
  await new Promise((r) => setTimeout(r, 1500));
  await traffic.stop();
  proxy.child.stdin.end();
  const exit = await proxy.exited;
  const frames = readTape(store, name).frames;
  const recorded = frames.filter((f) => f.direction === 's2c' && f.method === 'echo').length;
  const dropped = frames.filter((f) => f.flags.includes('dropped')).reduce((n, f) => n + (JSON.parse(f.message) as { params: { frames: number } }).params.frames, 0);
  const errorLines = proxy.stderr().split('\n').filter((l) => /cannot write to the tape/.test(l)).length;
  return { tried: traffic.tried, answered: traffic.answered, recorded, droppedFrames: dropped, lost: traffic.answered - recorded, longestRoundTripMs: Math.round(traffic.longestMs), errorLines, exit: exit.code };
}

describe('the tape store fails while traffic flows', () => {
  it('a full disk', async () => {
    need('mount', ['--version']);
    const mountPoint = join(dir, 'full');
    mkdirSync(mountPoint);
    need('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    const filler = join(mountPoint, 'filler');
    try {
      const store = join(mountPoint, 'tapes.db');
      const figures = await recordThrough(
        store,
        'full',
        async () => {
          // Leave some 100 KiB: the tape fills it within a second, then SQLite meets ENOSPC.
          const free = statfsSync(mountPoint).bavail * statfsSync(mountPoint).bsize;
          await writeFile(filler, Buffer.alloc(Math.max(0, free - 100 * 1024)));
        },
        async () => unlink(filler),
      );
      report('store-full', figures);
      expect(figures.answered).toBe(figures.tried);
      expect(figures.longestRoundTripMs).toBeLessThan(500);
      expect(figures.lost - figures.droppedFrames).toBeLessThanOrEqual(0);
      expect(figures.errorLines).toBeLessThanOrEqual(1);
    } finally {
      execFileSync('umount', ['-l', mountPoint]);
    }
  });

  it('files turned read-only underneath the proxy', async () => {
    need('sh', ['-c', 'command -v chattr']);
    const store = join(dir, 'readonly.db');
    const files = [store, `${store}-wal`];
    const figures = await recordThrough(
      store,
      'readonly',
      async () => void (await run('chattr', ['+i', ...files])),
      async () => void (await run('chattr', ['-i', ...files])),
    );
    report('store-read-only', figures);
    expect(figures.answered).toBe(figures.tried);
    expect(figures.longestRoundTripMs).toBeLessThan(500);
    expect(figures.lost - figures.droppedFrames).toBeLessThanOrEqual(0);
  });

  it('another process holding the lock for 8 s', async () => {
    const store = join(dir, 'locked.db');
    let holder: ReturnType<typeof spawn> | undefined;
    const figures = await recordThrough(
      store,
      'locked',
      async () => {
        const code = `const D=require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});const db=new D(${JSON.stringify(store)});db.exec('BEGIN EXCLUSIVE');process.stderr.write('locked\\n');setTimeout(()=>{db.exec('COMMIT');process.exit(0)},8000);`;
        holder = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
        await new Promise<void>((resolve) => holder!.stderr!.on('data', () => resolve()));
      },
      // The lock outlasts the 4 s fault window: wait for the holder to let go.
      async () => new Promise<void>((resolve) => (holder!.exitCode !== null ? resolve() : holder!.once('exit', () => resolve()))),
    );
    report('store-locked-8s', figures);
    expect(figures.answered).toBe(figures.tried);
    expect(figures.longestRoundTripMs).toBeLessThan(500);
    expect(figures.lost).toBe(0);
  });
});
