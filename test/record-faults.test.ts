/**
 * What a proxy meets in the field: bad lines from the client, a server that logs to stdout,
 * dies mid-request or never starts, signals. The client always gets a clear answer, the proxy
 * keeps serving while it can, and the tape keeps everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TapeStore } from '../src/tape/store.js';
import type { TapeFrame } from '../src/tape/types.js';
import { ROOT, tempDir } from './support/paths.js';
import { rawProxy, request } from './support/raw-proxy.js';

const LINE_SERVER = join(ROOT, 'test', 'fixtures', 'line-server.mjs');
let dir: string;
let n = 0;

beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(extra: string[] = [], server = [process.execPath, LINE_SERVER]) {
  const store = join(dir, 'faults.db');
  const name = `t${++n}`;
  const proxy = rawProxy(['--store', store, '--name', name, ...extra, '--', ...server]);
  const frames = (): TapeFrame[] => {
    const reader = TapeStore.open(store, { readonly: true });
    try {
      return reader.frames(reader.requireTape(name).id);
    } finally {
      reader.close();
    }
  };
  return { proxy, frames };
}

const answerTo = (id: unknown) => (m: Record<string, unknown>) => m.id === id && ('result' in m || 'error' in m);

describe('bad input from the client', () => {
  it('answers a line that is not JSON with -32700 and keeps serving', async () => {
    const { proxy, frames } = start();
    proxy.send('{"jsonrpc": "2.0", "id": 1, "method": ');
    const error = await proxy.next((m) => m.id === null && 'error' in m);
    expect((error.error as { code: number }).code).toBe(-32700);
    proxy.send(request(2, 'echo', { still: 'serving' }));
    expect((await proxy.next(answerTo(2))).result).toEqual({ still: 'serving' });
    proxy.child.stdin.end();
    expect((await proxy.exited).code).toBe(0);
    const tape = frames();
    expect(tape.find((f) => f.kind === 'invalid')?.flags).toContain('parse-error');
  });

  it('answers JSON that is not JSON-RPC with -32600, using its id when it has one', async () => {
    const { proxy } = start();
    proxy.send('{"id": 5, "method": "no-version"}');
    const error = await proxy.next(answerTo(5));
    expect((error.error as { code: number }).code).toBe(-32600);
    proxy.child.stdin.end();
    await proxy.exited;
  });

  it('rejects a line over --max-message-size with an error, and the next message still works', async () => {
    const { proxy, frames } = start(['--max-message-size', '1KiB']);
    proxy.send(request(1, 'echo', { pad: 'y'.repeat(5000) }));
    const error = await proxy.next((m) => m.id === null && 'error' in m);
    expect((error.error as { message: string }).message).toMatch(/exceeds the 1024-byte limit/);
    proxy.send(request(2, 'echo', { small: true }));
    expect((await proxy.next(answerTo(2))).result).toEqual({ small: true });
    proxy.child.stdin.end();
    await proxy.exited;
    expect(frames().some((f) => f.flags.includes('oversized'))).toBe(true);
  });

  it('passes unknown methods, extra fields, string ids and batches through as they are', async () => {
    const { proxy } = start();
    proxy.send(JSON.stringify({ jsonrpc: '2.0', id: 'str-id', method: 'echo', params: { n: 1 }, extension: { future: true } }));
    expect((await proxy.next(answerTo('str-id'))).result).toEqual({ n: 1 });
    proxy.send(request(3, 'vendor/unknown'));
    expect(((await proxy.next(answerTo(3))).error as { message: string }).message).toContain('Method not found: vendor/unknown');
    proxy.child.stdin.end();
    await proxy.exited;
  });
});

describe('a server that misbehaves', () => {
  it('keeps its stray stdout lines off the client stream, flags them on the tape and says so on stderr', async () => {
    const { proxy, frames } = start();
    proxy.send(request(1, 'stray'));
    expect((await proxy.next(answerTo(1))).result).toEqual({ after: 'stray' });
    proxy.child.stdin.end();
    await proxy.exited;
    // Every stdout line parsed as JSON (rawProxy would have thrown otherwise) and was JSON-RPC.
    expect(proxy.out.every((m) => (m as { jsonrpc?: string }).jsonrpc === '2.0')).toBe(true);
    const stray = frames().filter((f) => f.flags.includes('non-jsonrpc-output'));
    expect(stray.map((f) => f.message)).toEqual(['debug: line-server starting up', 'oops, a console.log on stdout']);
    expect(stray.every((f) => f.direction === 's2c' && f.kind === 'invalid')).toBe(true);
    expect(proxy.stderr()).toMatch(/server wrote a line that is not JSON-RPC.*debug: line-server starting up/);
  });

  it('answers the requests a dying server owed, exits with its status, and the tape has it all', async () => {
    const { proxy, frames } = start();
    proxy.send(request(1, 'echo', { first: true }));
    await proxy.next(answerTo(1));
    proxy.send(request(2, 'slow'));
    proxy.send(request(3, 'exit', { code: 3 }));
    const owed = await Promise.all([proxy.next(answerTo(2)), proxy.next(answerTo(3))]);
    for (const answer of owed) {
      expect((answer.error as { code: number; message: string }).message).toMatch(/server exited with code 3 before answering (slow|exit)/);
    }
    expect((await proxy.exited).code).toBe(3);
    const tape = frames();
    expect(tape.filter((f) => f.action === 'synthesized' && f.flags.includes('upstream-closed')).map((f) => f.id).sort()).toEqual(['2', '3']);
    expect(tape.filter((f) => f.direction === 'c2s').map((f) => f.method)).toEqual(['echo', 'slow', 'exit']);
  });

  it('tells the client when the server is killed by a signal', async () => {
    const { proxy } = start();
    proxy.send(request(1, 'slow'));
    for (let i = 0; i < 100 && !/line-server pid \d+/.test(proxy.stderr()); i++) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(/line-server pid (\d+)/.exec(proxy.stderr())?.[1]);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    const answer = await proxy.next(answerTo(1));
    expect((answer.error as { message: string }).message).toMatch(/server was killed by SIGKILL before answering slow/);
    expect((await proxy.exited).code).toBe(137);
  });

  it('reports a server command that does not exist on stderr and exits 127, like a shell', async () => {
    const { proxy } = start([], ['/no/such/server-binary']);
    const { code } = await proxy.exited;
    expect(code).toBe(127);
    expect(proxy.stderr()).toMatch(/could not start "\/no\/such\/server-binary": spawn \/no\/such\/server-binary ENOENT/);
    expect(proxy.out).toEqual([]);
  });
});

describe('shutting down', () => {
  it('on SIGTERM stops the server and keeps every frame the client saw', async () => {
    const { proxy, frames } = start();
    for (let i = 1; i <= 20; i++) proxy.send(request(i, 'echo', { i }));
    await proxy.next(answerTo(20));
    proxy.child.kill('SIGTERM');
    await proxy.exited;
    const answered = frames().filter((f) => f.direction === 's2c' && f.kind === 'response');
    expect(answered).toHaveLength(20);
  });

  it('when the client closes stdin, answers what was asked, stops the server, exits 0', async () => {
    const { proxy, frames } = start();
    proxy.send(request(1, 'echo', { last: 'words' }));
    proxy.child.stdin.end();
    expect((await proxy.next(answerTo(1))).result).toEqual({ last: 'words' });
    expect((await proxy.exited).code).toBe(0);
    expect(frames().filter((f) => f.kind === 'response')).toHaveLength(1);
  });
});
