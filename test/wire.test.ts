/**
 * A transparent wire on stdio: what a peer wrote in one go leaves in one write, what it wrote
 * apart leaves apart (the MCP SDK drops a progress notification it reads together with the
 * answer), the tape notes which frames came in one read, and a replay writes them the same way.
 * The assertions are on the write boundaries themselves, so they cannot depend on timing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { LineDecoder } from '../src/core/framing.js';
import { silentLogger } from '../src/core/log.js';
import { createProxy } from '../src/proxy/create.js';
import { buildReplayScript } from '../src/tape/replay-script.js';
import { TapeStore } from '../src/tape/store.js';
import type { TapeFrame } from '../src/tape/types.js';
import { LineStreamTransport } from '../src/transports/line-stream.js';
import { ReplayTransport } from '../src/transports/replay.js';
import { ChildProcessTransport } from '../src/transports/stdio.js';
import type { ReceiveMeta } from '../src/core/transport.js';
import { EVERYTHING, tempDir } from './support/paths.js';

/** A stream side we feed by hand (each push is one read) and one that keeps every write apart. */
function wire() {
  const input = new Readable({ read() {} });
  const writes: string[] = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map((c) => (c.chunk as Buffer).toString()).join(''));
      done();
    },
  });
  return { input, output, writes };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const line = (message: object) => `${JSON.stringify(message)}\n`;
const progress = (n: number) => line({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: n } });
const answer = (id: number) => line({ jsonrpc: '2.0', id, result: { content: [] } });

describe('the line decoder', () => {
  it('says which lines a chunk completed after the first', () => {
    const lines: [string, boolean][] = [];
    const decoder = new LineDecoder({ line: (text, sameRead) => lines.push([text, sameRead]), oversized: () => undefined });
    decoder.push(Buffer.from('a\nb\nc'));
    decoder.push(Buffer.from('\nd\n'));
    expect(lines).toEqual([
      ['a', false],
      ['b', true],
      // "c" was completed by the second chunk: the first line of that read.
      ['c', false],
      ['d', true],
    ]);
  });
});

describe('a proxy between two stdio peers', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function proxied() {
    const dir = tempDir();
    dirs.push(dir);
    const store = TapeStore.open(join(dir, 'tapes.db'));
    const proxy = createProxy({ logger: silentLogger, record: { store, tape: { name: 'wire', transport: 'stdio' } } });
    const server = wire();
    const client = wire();
    const upstream = new LineStreamTransport('stdio', server.input, server.output);
    const downstream = new LineStreamTransport('stdio', client.input, client.output);
    proxy.pipeline.connect(await proxy.sessions.create('stdio'), downstream, upstream);
    await upstream.start();
    await downstream.start();
    await tick(); // the inputs are flowing from the next tick on
    const frames = () => {
      proxy.recorder!.flush();
      return store.frames(proxy.recorder!.tape.id);
    };
    return { server, client, frames, close: async () => (await proxy.close(), store.close()) };
  }

  it('writes apart what the server wrote apart, even within one tick, and together what it wrote together', async () => {
    const p = await proxied();
    p.client.input.push(line({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', _meta: { progressToken: 't' } } }));
    await tick();
    // Two reads whose callbacks run before the tick ends (a busy moment), then one read of two.
    p.server.input.push(progress(1));
    p.server.input.push(answer(1));
    p.server.input.push(progress(2) + answer(1));
    await tick();
    expect(p.client.writes).toEqual([progress(1), answer(1), progress(2) + answer(1)]);
    // The tape says which frame came in the same read as the one before it.
    const s2c = p.frames().filter((f) => f.direction === 's2c');
    expect(s2c.map((f) => f.flags.includes('same-read'))).toEqual([false, false, false, true]);
    await p.close();
  });

  it('keeps a client’s pipelined batch in one write to the server', async () => {
    const p = await proxied();
    const batch = Array.from({ length: 50 }, (_, i) => line({ jsonrpc: '2.0', id: i + 1, method: 'ping' })).join('');
    p.client.input.push(batch);
    await tick();
    expect(p.server.writes).toEqual([batch]);
    await p.close();
  });
});

describe('replay', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const frame = (seq: number, tMs: number, direction: 'c2s' | 's2c', message: object, extra: Partial<TapeFrame> = {}): TapeFrame => {
    const m = message as { id?: unknown; method?: string; result?: unknown };
    const kind = m.method ? (m.id === undefined ? 'notification' : 'request') : 'response';
    return { seq, session: 1, tMs, direction, kind, method: m.method ?? 'tools/call', id: m.id === undefined ? undefined : JSON.stringify(m.id), message: JSON.stringify(message), action: 'continue', flags: [], redacted: [], ...extra };
  };

  it('sends together what the server wrote together, and keeps the recorded spacing of the rest', async () => {
    vi.useFakeTimers();
    const token = { progressToken: 7 };
    const script = buildReplayScript([
      frame(1, 0, 'c2s', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', _meta: token } }),
      frame(2, 100, 's2c', { jsonrpc: '2.0', method: 'notifications/progress', params: { ...token, progress: 1 } }),
      frame(3, 350, 's2c', { jsonrpc: '2.0', method: 'notifications/progress', params: { ...token, progress: 2 } }),
      frame(4, 350.2, 's2c', { jsonrpc: '2.0', id: 1, result: { content: [] } }, { flags: ['same-read'] }),
    ]);
    const replay = new ReplayTransport(script);
    const sent: { at: number; progress?: number; sameRead: boolean }[] = [];
    replay.onmessage = (text: string, meta?: ReceiveMeta) => {
      const message = JSON.parse(text) as { params?: { progress?: number } };
      sent.push({ at: Date.now(), progress: message.params?.progress, sameRead: meta?.sameRead === true });
    };
    const start = Date.now();
    replay.send(JSON.stringify({ jsonrpc: '2.0', id: 'live', method: 'tools/call', params: { name: 'slow', _meta: { progressToken: 'live-token' } } }));
    await vi.advanceTimersByTimeAsync(1000);
    // The answer starts at once; 250 ms later (as recorded) the second progress and the answer, in one go.
    expect(sent.map((s) => ({ ...s, at: s.at - start }))).toEqual([
      { at: 0, progress: 1, sameRead: false },
      { at: 250, progress: 2, sameRead: false },
      { at: 250, progress: undefined, sameRead: true },
    ]);
    await replay.close();
  });
});

describe('server-everything’s long-running operation through the proxy', () => {
  it('reaches the client in writes that mirror the server’s own, recorded and replayed', async () => {
    const dir = tempDir();
    const store = TapeStore.open(join(dir, 'tapes.db'));
    const run = async (upstream: ChildProcessTransport | ReplayTransport) => {
      const proxy = createProxy({ logger: silentLogger, record: upstream instanceof ChildProcessTransport ? { store, tape: { name: 'long', transport: 'stdio' } } : undefined });
      const client = wire();
      const downstream = new LineStreamTransport('stdio', client.input, client.output);
      proxy.pipeline.connect(await proxy.sessions.create('stdio'), downstream, upstream);
      await upstream.start();
      await downstream.start();
      await tick();
      const answered = (id: number) =>
        client.writes.some((w) =>
          w
            .trim()
            .split('\n')
            .some((l) => {
              const m = JSON.parse(l) as { id?: unknown; result?: unknown };
              return m.id === id && m.result !== undefined;
            }),
        );
      const until = async (check: () => boolean) => {
        for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
      };
      client.input.push(line({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'wire', version: '1' } } }));
      await until(() => answered(1));
      client.input.push(line({ jsonrpc: '2.0', method: 'notifications/initialized' }));
      client.input.push(line({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'trigger-long-running-operation', arguments: { duration: 0.5, steps: 5 }, _meta: { progressToken: 2 } } }));
      await until(() => answered(2));
      await upstream.close();
      await proxy.close();
      return { writes: client.writes, tape: proxy.recorder?.tape };
    };
    // What each write to the client held, as the kinds of message in it.
    const kindOf = (l: string) => {
      const m = JSON.parse(l) as { method?: string; result?: unknown };
      return m.method === 'notifications/progress' ? 'progress' : m.result !== undefined ? 'answer' : 'other';
    };
    const shape = (writes: string[]) => writes.map((w) => w.trim().split('\n').map(kindOf).join('+'));

    const live = await run(new ChildProcessTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore', shutdownGraceMs: 100 }));
    const frames = store.frames(live.tape!.id).filter((f) => f.direction === 's2c');
    // The writes group the server's messages exactly as its reads did (the tape's flags).
    const groups: string[] = [];
    for (const f of frames) {
      const kind = f.method === 'notifications/progress' ? 'progress' : f.kind === 'response' ? 'answer' : 'other';
      if (f.flags.includes('same-read') && groups.length > 0) groups[groups.length - 1] += `+${kind}`;
      else groups.push(kind);
    }
    expect(shape(live.writes)).toEqual(groups);
    expect(shape(live.writes).join('+').split('+').filter((k) => k === 'progress')).toHaveLength(5);

    const replayed = await run(new ReplayTransport(buildReplayScript(store.frames(live.tape!.id))));
    expect(shape(replayed.writes).filter((w) => w.includes('progress'))).toEqual(shape(live.writes).filter((w) => w.includes('progress')));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
