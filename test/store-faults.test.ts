/**
 * A tape store that is not happy while traffic flows: locked by another process, filling a
 * backlog it cannot write, being cleaned up by `tapes rm` and filled by `tapes import` while a
 * proxy records into it, left readable by others. Traffic keeps flowing, nothing written is lost,
 * and what had to be dropped is counted and marked. (A full disk and a read-only store need a
 * filesystem of their own; the attack suite, `npm run attack`, mounts one.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { chmodSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TapeStore } from '../src/tape/store.js';
import { TapeRecorder } from '../src/tape/recorder.js';
import { frameEventFor } from '../src/core/frame-event.js';
import { exportTape } from '../src/tape/export.js';
import { ROOT, tempDir } from './support/paths.js';
import { rawProxy, request } from './support/raw-proxy.js';
import { readTape } from './support/record.js';
import { runCli } from './support/cli.js';

const LINE_SERVER = join(ROOT, 'test', 'fixtures', 'line-server.mjs');
let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process holding the store's write lock for `ms` (as a long `tapes import` would). */
function holdLock(file: string, ms: number): Promise<void> {
  const code = `const D=require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});const db=new D(${JSON.stringify(file)});db.exec('BEGIN EXCLUSIVE');process.stderr.write('locked\\n');setTimeout(()=>{db.exec('COMMIT');process.exit(0)},${ms});`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.once('exit', (status) => status !== 0 && reject(new Error(`the lock holder exited with ${status}`)));
  });
}

describe('a locked store while a stdio proxy records', () => {
  it('keeps answering (no ping waits for the lock), and writes everything once the lock is gone', async () => {
    const store = join(dir, 'locked.db');
    const proxy = rawProxy(['--store', store, '--name', 'locked', '--', process.execPath, LINE_SERVER]);
    proxy.send(request(0, 'initialize', {}));
    await proxy.next((m) => m.id === 0);
    await holdLock(store, 3000);
    const rounds: number[] = [];
    for (let i = 1; i <= 30; i++) {
      const started = performance.now();
      proxy.send(request(i, 'echo', { i, pad: 'x'.repeat(2000) }));
      await proxy.next((m) => m.id === i);
      rounds.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 50));
    }
    // Before, one write waited out SQLite's 5 s busy timeout with the event loop blocked.
    expect(Math.max(...rounds)).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 2500));
    proxy.child.stdin.end();
    expect((await proxy.exited).code).toBe(0);
    const frames = readTape(store, 'locked').frames;
    expect(frames.filter((f) => f.method === 'echo' && f.direction === 's2c')).toHaveLength(30);
    expect(frames.filter((f) => f.flags.includes('dropped'))).toEqual([]);
  });
});

describe('the recorder, when the store cannot be written', () => {
  it('backs off instead of retrying the whole backlog on every message, caps the backlog in bytes, and marks the gap', async () => {
    const file = join(dir, 'backlog.db');
    const store = TapeStore.open(file);
    const tape = store.createTape({ name: 'backlog', transport: 'stdio' });
    const errors: string[] = [];
    let drops = 0;
    const recorder = new TapeRecorder(store, tape, { maxBacklogBytes: 200_000, onError: (e) => errors.push(e.message), onDrop: () => drops++ });
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    const started = performance.now();
    let longestGap = 0;
    let last = performance.now();
    for (let i = 0; i < 2000; i++) {
      recorder.record(frameEventFor({ sessionId: 's', transport: 'stdio', direction: 'c2s', text: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'echo', params: { pad: 'y'.repeat(500) } }) }));
      if (i % 100 === 0) {
        await new Promise((r) => setTimeout(r, 5));
        longestGap = Math.max(longestGap, performance.now() - last - 5);
        last = performance.now();
      }
    }
    const spent = performance.now() - started;
    // 2000 messages with the store locked: no write per message, each attempt short.
    expect(spent).toBeLessThan(3000);
    expect(recorder.longestWriteMs).toBeLessThan(200);
    expect(recorder.dropped).toBeGreaterThan(0);
    expect(drops).toBe(1);
    locker.exec('COMMIT');
    locker.close();
    recorder.close();
    const frames = store.frames(tape.id);
    const marker = frames.find((f) => f.flags.includes('dropped'))!;
    expect(marker.method).toBe('mcp-tap/dropped');
    expect(JSON.parse(marker.message).params.frames).toBe(recorder.dropped);
    // Everything not dropped is there, in order, and the marker sits where the gap is.
    expect(frames.length).toBe(2000 - recorder.dropped + 1);
    const ids = frames.filter((f) => f.kind === 'request').map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    store.close();
    void longestGap;
  });
});

describe('tapes rm and tapes import while a proxy records into the same store', () => {
  it('never fails for the proxy\'s lock (BEGIN IMMEDIATE, retried), and the proxy loses nothing', async () => {
    const store = join(dir, 'shared.db');
    const proxy = rawProxy(['--store', store, '--name', 'busy', '--', process.execPath, LINE_SERVER]);
    proxy.send(request(0, 'initialize', {}));
    await proxy.next((m) => m.id === 0);
    let id = 1;
    let flowing = true;
    const traffic = (async () => {
      while (flowing) {
        const n = id++;
        proxy.send(request(n, 'echo', { n }));
        await proxy.next((m) => m.id === n);
      }
    })();
    const sample = JSON.parse((await runCli(['tapes', 'export', 'busy', '--store', store])).stdout);
    const document = join(dir, 'doc.json');
    // A big document: the import is written in chunks, so the proxy waits for one chunk at a time.
    sample.frames = Array.from({ length: 8000 }, (_, i) => ({ ...sample.frames[0], seq: i + 1 }));
    writeFileSync(document, JSON.stringify(sample));
    const failures: string[] = [];
    for (let i = 0; i < 3; i++) {
      const imported = await runCli(['tapes', 'import', document, '--name', `copy-${i}`, '--store', store], { timeoutMs: 60_000 });
      if (imported.code !== 0) failures.push(imported.stderr);
      const removed = await runCli(['tapes', 'rm', `copy-${i}`, '--store', store]);
      if (removed.code !== 0) failures.push(removed.stderr);
    }
    flowing = false;
    await traffic;
    proxy.child.stdin.end();
    await proxy.exited;
    expect(failures).toEqual([]);
    const tape = readTape(store, 'busy');
    expect(tape.frames.filter((f) => f.method === 'echo' && f.direction === 's2c')).toHaveLength(id - 1);
    // No half-imported tape is left, listed or hidden.
    const reader = TapeStore.open(store, { readonly: true });
    expect(reader.listTapes().map((t) => t.name)).toEqual(['busy']);
    reader.close();
    const raw = new Database(store, { readonly: true });
    expect((raw.prepare('SELECT count(*) AS n FROM tapes').get() as { n: number }).n).toBe(1);
    raw.close();
  }, 120_000);

  it('an import that fails part way leaves nothing behind', () => {
    const file = join(dir, 'partial.db');
    const store = TapeStore.open(file);
    const tape = store.createTape({ name: 'src', transport: 'stdio' });
    store.appendFrames(tape.id, 'stdio', [{ sessionKey: 's', tMs: 0, direction: 'c2s', kind: 'request', method: 'x', id: '1', message: '{}', action: 'continue', flags: [], redacted: [] }], 1);
    const doc = exportTape(store, 'src');
    doc.frames = Array.from({ length: 50 }, (_, i) => ({ ...doc.frames[0]!, seq: i + 1 }));
    // The name is taken by the time the import would rename its hidden tape.
    const original = store.renameTape.bind(store);
    store.renameTape = () => {
      throw new Error('disk went away');
    };
    return import('../src/tape/export.js').then(({ importTape }) => {
      expect(() => importTape(store, doc, { name: 'dst', chunkFrames: 10 })).toThrow(/disk went away/);
      store.renameTape = original;
      expect(store.listTapes().map((t) => t.name)).toEqual(['src']);
      const raw = new Database(file, { readonly: true });
      expect((raw.prepare('SELECT count(*) AS n FROM tapes').get() as { n: number }).n).toBe(1);
      raw.close();
      store.close();
    });
  });
});

describe('a store others can read', () => {
  it('is narrowed to its owner (file, -wal, -shm), and the user is told once', async () => {
    const file = join(dir, 'wide.db');
    TapeStore.open(file).close();
    chmodSync(file, 0o644);
    const result = await runCli(['tapes', 'list', '--store', file]);
    expect(result.stderr).toMatch(/made the tape store readable only by you: .*wide\.db \(was 644\)/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await runCli(['tapes', 'list', '--store', file]);
    expect(again.stderr).not.toMatch(/readable only by you/);
  });
});
