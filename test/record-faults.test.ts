/**
 * What a proxy meets in the field: bad lines from the client, a server that logs to stdout,
 * answers too big, dies mid-request or never starts, signals. The client always gets a clear
 * answer, the proxy keeps serving while it can, and the tape keeps everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '../src/core/jsonrpc.js';
import type { TapeFrame } from '../src/tape/types.js';
import { CLI, EVERYTHING, ROOT, tempDir } from './support/paths.js';
import { rawProxy, request, type RawProxy } from './support/raw-proxy.js';
import { connectStdioClient, readTape } from './support/record.js';

const LINE_SERVER = join(ROOT, 'test', 'fixtures', 'line-server.mjs');
let dir: string;
let store: string;
let n = 0;

beforeAll(() => {
  dir = tempDir();
  store = join(dir, 'faults.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function start(extra: string[] = [], server = [process.execPath, LINE_SERVER]) {
  const name = `t${++n}`;
  const proxy = rawProxy(['--store', store, '--name', name, ...extra, '--', ...server]);
  return { proxy, name, frames: (): TapeFrame[] => readTape(store, name).frames };
}

const answerTo = (id: unknown) => (m: Record<string, unknown>) => m.id === id && ('result' in m || 'error' in m);
const errorOf = (m: Record<string, unknown>) => m.error as { code: number; message: string };

/** The pid line-server reports on stderr (the proxy passes the server's stderr through). */
async function serverPid(proxy: RawProxy): Promise<number> {
  for (let i = 0; i < 200 && !/line-server pid \d+/.test(proxy.stderr()); i++) await new Promise((r) => setTimeout(r, 25));
  return Number(/line-server pid (\d+)/.exec(proxy.stderr())?.[1]);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The s2c frames that went out to the client, as the client saw them. */
const deliveredToClient = (frames: TapeFrame[]) => frames.filter((f) => f.direction === 's2c' && f.kind !== 'invalid').map((f) => f.message);

describe('bad input from the client', () => {
  it('answers a line that is not JSON with -32700 and id null, and keeps serving', async () => {
    const { proxy, frames } = start();
    proxy.send('{"jsonrpc": "2.0", "id": 1, "method": ');
    const error = await proxy.next((m) => 'error' in m);
    expect(error.id).toBeNull();
    expect(errorOf(error).code).toBe(ErrorCode.ParseError);
    expect(errorOf(error).message).toMatch(/^Parse error: /);
    proxy.send(request(2, 'echo', { still: 'serving' }));
    expect((await proxy.next(answerTo(2))).result).toEqual({ still: 'serving' });
    proxy.child.stdin.end();
    expect((await proxy.exited).code).toBe(0);
    const tape = frames();
    const bad = tape.find((f) => f.direction === 'c2s' && f.kind === 'invalid')!;
    expect(bad.message).toBe('{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(bad.flags).toContain('parse-error');
    // The server never saw it: what reached it was the echo only.
    expect(tape.filter((f) => f.direction === 'c2s' && f.kind !== 'invalid').map((f) => f.method)).toEqual(['echo']);
    expect(deliveredToClient(tape)).toEqual(proxy.lines);
  });

  it('answers JSON that is not JSON-RPC with -32600, under its id when it has one, and keeps serving', async () => {
    const { proxy, frames } = start();
    proxy.send('{"id": 5, "method": "no-version"}');
    const withId = await proxy.next(answerTo(5));
    expect(errorOf(withId).code).toBe(ErrorCode.InvalidRequest);
    for (const line of ['42', '[]', '"a string"', '{"jsonrpc":"2.0"}', '{"jsonrpc":"2.0","id":{"not":"an id"},"method":"x"}']) proxy.send(line);
    proxy.send(request(6, 'echo', { after: 'junk' }));
    expect((await proxy.next(answerTo(6))).result).toEqual({ after: 'junk' });
    const nulls = proxy.out.filter((m) => (m as { id?: unknown }).id === null) as Record<string, unknown>[];
    expect(nulls.map((m) => errorOf(m).code)).toEqual(Array(5).fill(ErrorCode.InvalidRequest));
    proxy.child.stdin.end();
    await proxy.exited;
    expect(frames().filter((f) => f.flags.includes('invalid-request'))).toHaveLength(6);
  });

  it('rejects a line over --max-message-size under the id it shows, and the next message still works', async () => {
    const { proxy, frames } = start(['--max-message-size', '1KiB']);
    proxy.send(request(1, 'echo', { pad: 'y'.repeat(5000) }));
    const first = await proxy.next(answerTo(1));
    expect(errorOf(first).code).toBe(ErrorCode.MessageTooLarge);
    expect(errorOf(first).message).toMatch(/exceeds the 1024-byte limit/);
    // As the TypeScript SDK writes it: the id last.
    proxy.send(`{"method":"echo","params":{"pad":"${'y'.repeat(5000)}"},"jsonrpc":"2.0","id":"last"}`);
    expect(errorOf(await proxy.next(answerTo('last'))).code).toBe(ErrorCode.MessageTooLarge);
    // A line that shows no id at all still gets an answer, with id null.
    proxy.send(`[${'1,'.repeat(3000)}1]`);
    expect(errorOf(await proxy.next((m) => m.id === null && 'error' in m)).code).toBe(ErrorCode.MessageTooLarge);
    proxy.send(request(2, 'echo', { small: true }));
    expect((await proxy.next(answerTo(2))).result).toEqual({ small: true });
    proxy.child.stdin.end();
    await proxy.exited;
    const tape = frames();
    expect(tape.filter((f) => f.flags.includes('oversized'))).toHaveLength(3);
    // The server only ever saw the small echo.
    expect(tape.filter((f) => f.direction === 'c2s' && f.kind === 'request').map((f) => f.message)).toEqual([request(2, 'echo', { small: true })]);
  });

  it('passes unknown methods, extra fields, odd ids and number formats through byte for byte', async () => {
    const { proxy, frames } = start();
    // Key order, spacing, escapes, a big integer and an exponent: a re-serialising proxy would change each.
    const line = '{ "params" : {"n": 12345678901234567890, "x": 1.50e+3, "s": "\\u00e9\\n😀", "neg": -0}, "extension": {"future": true}, "method": "raw", "jsonrpc": "2.0", "id": "str-id" }';
    proxy.send(line);
    expect((await proxy.next(answerTo('str-id'))).result).toEqual({ line });
    // And back: what the server writes is what the client reads.
    const emitted = '{"jsonrpc":"2.0","method":"vendor/notice","params":{"big":98765432109876543210,"e":2E-7,"u":"\\ud83d\\ude00"},"_x":[]}';
    proxy.send(request(3, 'emit', { line: emitted }));
    await proxy.next(answerTo(3));
    expect(proxy.lines).toContain(emitted);
    proxy.send(request(4, 'vendor/unknown'));
    expect(errorOf(await proxy.next(answerTo(4))).message).toContain('Method not found: vendor/unknown');
    proxy.child.stdin.end();
    await proxy.exited;
    const tape = frames();
    expect(tape.find((f) => f.id === '"str-id"' && f.direction === 'c2s')!.message).toBe(line);
    expect(tape.find((f) => f.method === 'vendor/notice')!.message).toBe(emitted);
  });
});

describe('a server that misbehaves', () => {
  it('keeps its stray stdout lines off the client stream, flags them on the tape and says so on stderr', async () => {
    const { proxy, frames } = start();
    proxy.send(request(1, 'stray'));
    expect((await proxy.next(answerTo(1))).result).toEqual({ after: 'stray' });
    proxy.child.stdin.end();
    await proxy.exited;
    // The client saw the answer and nothing else (rawProxy would have thrown on a non-JSON line).
    expect(proxy.lines).toEqual(['{"jsonrpc":"2.0","id":1,"result":{"after":"stray"}}']);
    const stray = frames().filter((f) => f.flags.includes('non-jsonrpc-output'));
    expect(stray.map((f) => f.message)).toEqual(['debug: line-server starting up', 'oops, a console.log on stdout']);
    expect(stray.every((f) => f.direction === 's2c' && f.kind === 'invalid')).toBe(true);
    expect(proxy.stderr()).toMatch(/server wrote a line that is not JSON-RPC.*debug: line-server starting up/);
    expect(proxy.stderr()).toMatch(/server wrote a line that is not JSON-RPC.*oops, a console.log on stdout/);
  });

  it('answers a request whose answer is over --max-message-size with an error, and keeps serving', async () => {
    const { proxy, frames } = start(['--max-message-size', '1KiB']);
    proxy.send(request(1, 'big', { bytes: 5000 }));
    const answer = await proxy.next(answerTo(1));
    expect(errorOf(answer)).toEqual({ code: ErrorCode.MessageTooLarge, message: expect.stringMatching(/answer to big \(\d+ bytes\) exceeds the 1024-byte limit/) as unknown });
    proxy.send(request(2, 'big', { bytes: 100 }));
    expect((await proxy.next(answerTo(2))).result).toEqual({ data: 'x'.repeat(100) });
    expect(proxy.stderr()).toMatch(/server sent a message of \d+ bytes exceeds the 1024-byte limit/);
    proxy.child.stdin.end();
    await proxy.exited;
    const tape = frames();
    const error = tape.find((f) => f.kind === 'error')!;
    expect(error).toMatchObject({ direction: 's2c', method: 'big', id: '1', action: 'block' });
    expect(error.flags).toEqual(expect.arrayContaining(['synthesized', 'oversized']));
    expect(error.latencyMs).toBeGreaterThan(0);
  });

  it('gives an SDK client an error, not an endless wait, when a real server answers too big', async () => {
    const session = await connectStdioClient(process.execPath, [CLI, 'record', '-q', '--store', store, '--name', 'too-big', '--max-message-size', '4KiB', '--', process.execPath, EVERYTHING, 'stdio']);
    try {
      const error = await session.client.listTools().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(ErrorCode.MessageTooLarge);
      expect((error as McpError).message).toMatch(/answer to tools\/list/);
      // The session goes on.
      expect(await session.client.callTool({ name: 'echo', arguments: { message: 'still here' } })).toEqual({ content: [{ type: 'text', text: 'Echo: still here' }] });
    } finally {
      await session.close();
    }
  });

  it('answers the requests a dying server owed, exits with its status, and the tape has it all', async () => {
    const { proxy, frames } = start();
    proxy.send(request(1, 'echo', { first: true }));
    await proxy.next(answerTo(1));
    proxy.send(request(2, 'slow'));
    proxy.send(request(3, 'exit', { code: 3 }));
    const owed = await Promise.all([proxy.next(answerTo(2)), proxy.next(answerTo(3))]);
    expect(owed.map((a) => errorOf(a).code)).toEqual([ErrorCode.UpstreamClosed, ErrorCode.UpstreamClosed]);
    expect(errorOf(owed[0]!).message).toBe('server exited with code 3 before answering slow');
    expect(errorOf(owed[1]!).message).toBe('server exited with code 3 before answering exit');
    expect((await proxy.exited).code).toBe(3);
    const tape = frames();
    expect(tape.filter((f) => f.action === 'synthesized' && f.flags.includes('upstream-closed')).map((f) => f.id).sort()).toEqual(['2', '3']);
    expect(tape.filter((f) => f.direction === 'c2s').map((f) => f.method)).toEqual(['echo', 'slow', 'exit']);
    expect(deliveredToClient(tape)).toEqual(proxy.lines);
    expect(readTape(store, `t${n}`).tape.endedAt).toBeDefined();
  });

  it('tells the client when the server is killed by a signal, and exits as a shell would', async () => {
    const { proxy, frames } = start();
    proxy.send(request(1, 'slow'));
    const pid = await serverPid(proxy);
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    const answer = await proxy.next(answerTo(1));
    expect(errorOf(answer).message).toBe('server was killed by SIGKILL before answering slow');
    expect((await proxy.exited).code).toBe(128 + 9);
    expect(proxy.stderr()).toMatch(/server was killed by SIGKILL/);
    expect(deliveredToClient(frames())).toEqual(proxy.lines);
  });

  it('passes the server’s own exit status through', async () => {
    const { proxy } = start([], [process.execPath, '-e', 'process.exit(3)']);
    expect((await proxy.exited).code).toBe(3);
    expect(proxy.stderr()).toMatch(/server exited with code 3/);
    expect(proxy.out).toEqual([]);
  });

  it('reports a server command that does not exist on stderr and exits 2, leaving no empty tape', async () => {
    const { proxy, name, frames } = start([], ['/no/such/server-binary']);
    const { code } = await proxy.exited;
    expect(code).toBe(2);
    expect(() => frames()).toThrow(new RegExp(`no tape named "${name}"`));
    expect(proxy.stderr()).toMatch(/could not start "\/no\/such\/server-binary": spawn \/no\/such\/server-binary ENOENT/);
    expect(proxy.out).toEqual([]);
  });
});

describe('shutting down', () => {
  it('on SIGTERM answers what is pending, stops the server and keeps every frame the client saw', async () => {
    const { proxy, name, frames } = start();
    const pid = await serverPid(proxy);
    for (let i = 1; i <= 20; i++) proxy.send(request(i, 'echo', { i }));
    proxy.send(request(21, 'slow'));
    await proxy.next(answerTo(20));
    proxy.child.kill('SIGTERM');
    const owed = await proxy.next(answerTo(21));
    expect(errorOf(owed).code).toBe(ErrorCode.UpstreamClosed);
    await proxy.exited;
    expect(isRunning(pid)).toBe(false);
    const tape = frames();
    expect(deliveredToClient(tape)).toEqual(proxy.lines);
    expect(tape.filter((f) => f.direction === 'c2s').map((f) => f.id)).toEqual(Array.from({ length: 21 }, (_, i) => String(i + 1)));
    expect(readTape(store, name).tape.endedAt).toBeDefined();
  });

  it('when the client closes stdin, answers what was asked, stops the server, exits 0', async () => {
    const { proxy, frames } = start();
    const pid = await serverPid(proxy);
    proxy.send(request(1, 'echo', { last: 'words' }));
    proxy.child.stdin.end();
    expect((await proxy.next(answerTo(1))).result).toEqual({ last: 'words' });
    expect((await proxy.exited).code).toBe(0);
    expect(isRunning(pid)).toBe(false);
    const tape = frames();
    expect(tape.filter((f) => f.kind === 'request').map((f) => f.message)).toEqual([request(1, 'echo', { last: 'words' })]);
    expect(deliveredToClient(tape)).toEqual(proxy.lines);
  });
});
