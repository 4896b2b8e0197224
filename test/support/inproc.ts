/**
 * A proxy assembled in-process around the real server-everything (a child on stdio), with the
 * real SDK client on the other side of an in-memory link, so a test can hand it interceptors and
 * read back what the tape says happened.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Interceptor } from '../../src/core/chain.js';
import { silentLogger } from '../../src/core/log.js';
import { createProxy, type Proxy } from '../../src/proxy/create.js';
import { ChildProcessTransport } from '../../src/transports/stdio.js';
import { SdkTransportAdapter } from '../../src/transports/sdk.js';
import { TapeStore } from '../../src/tape/store.js';
import type { TapeFrame } from '../../src/tape/types.js';
import { EVERYTHING, tempDir } from './paths.js';

export interface InprocOptions {
  /** Whether the client declares the roots capability (server-everything then asks for roots). Default true. */
  roots?: boolean;
  pauseTimeoutMs?: number;
}

export interface InprocProxy {
  client: Client;
  proxy: Proxy;
  upstream: ChildProcessTransport;
  /** How many times the client's roots/list handler ran. */
  rootsAsked: () => number;
  /** What is on the tape so far. */
  frames(): TapeFrame[];
  /** Waits until a frame matching `test` is on the tape, and returns it; fails with the tape so far. */
  frame(test: (frame: TapeFrame) => boolean, what?: string): Promise<TapeFrame>;
  close(): Promise<void>;
}

/** Long enough for a slow machine; a test that waits this long has failed anyway. */
const WAIT_LIMIT_MS = 10_000;

export async function inprocProxy(interceptors: Interceptor[], options: InprocOptions = {}): Promise<InprocProxy> {
  const dir = tempDir();
  const store = TapeStore.open(join(dir, 'tapes.db'));
  const proxy = createProxy({ logger: silentLogger, interceptors, pauseTimeoutMs: options.pauseTimeoutMs, record: { store, tape: { name: 'inproc', transport: 'stdio' } } });
  // A short grace: server-everything keeps running after stdin closes, and tests need not wait 2 s.
  const upstream = new ChildProcessTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore', shutdownGraceMs: 100 });
  const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
  const downstream = new SdkTransportAdapter(proxySide);
  const client = new Client({ name: 'inproc', version: '1.0.0' }, { capabilities: options.roots === false ? {} : { roots: {} } });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await client.close().catch(() => undefined);
      await upstream.close();
      await proxy.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    })());

  const frames = () => {
    proxy.recorder!.flush();
    return store.frames(proxy.recorder!.tape.id);
  };

  let roots = 0;
  try {
    const session = await proxy.sessions.create('stdio');
    proxy.pipeline.connect(session, downstream, upstream, { downstreamClosed: () => void upstream.close() });
    await upstream.start();
    await downstream.start();
    if (options.roots !== false) {
      client.setRequestHandler(ListRootsRequestSchema, () => {
        roots++;
        return { roots: [{ uri: 'file:///real', name: 'real' }] };
      });
    }
    await client.connect(clientSide);
  } catch (error) {
    await close();
    throw error;
  }

  return {
    client,
    proxy,
    upstream,
    rootsAsked: () => roots,
    frames,
    frame: async (test, what = 'the expected frame') => {
      const deadline = Date.now() + WAIT_LIMIT_MS;
      for (;;) {
        const found = frames().find(test);
        if (found) return found;
        if (Date.now() > deadline) {
          const tape = frames().map((f) => `${f.seq} ${f.direction} ${f.kind} ${f.method ?? ''} [${f.action}]`);
          throw new Error(`${what} never reached the tape; it holds:\n${tape.join('\n')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close,
  };
}
