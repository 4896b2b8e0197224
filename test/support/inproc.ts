/**
 * A proxy assembled in-process around the real server-everything (a child on stdio), with the
 * SDK client on the other side of an in-memory link, so a test can hand it interceptors.
 */
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

export interface InprocProxy {
  client: Client;
  proxy: Proxy;
  upstream: ChildProcessTransport;
  rootsAsked: () => number;
  /** What is on the tape so far. */
  frames(): TapeFrame[];
  close(): Promise<void>;
}

export async function inprocProxy(interceptors: Interceptor[], options: { roots?: boolean; pauseTimeoutMs?: number } = {}): Promise<InprocProxy> {
  const dir = tempDir();
  const store = TapeStore.open(join(dir, 'tapes.db'));
  const proxy = createProxy({ logger: silentLogger, interceptors, pauseTimeoutMs: options.pauseTimeoutMs, record: { store, tape: { name: 'inproc', transport: 'stdio' } } });
  const session = await proxy.sessions.create('stdio');
  // A short grace: server-everything keeps running after stdin closes, and tests need not wait 2 s.
  const upstream = new ChildProcessTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore', shutdownGraceMs: 100 });
  const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
  const downstream = new SdkTransportAdapter(proxySide);
  proxy.pipeline.connect(session, downstream, upstream, { downstreamClosed: () => void upstream.close() });
  await upstream.start();
  await downstream.start();
  const client = new Client({ name: 'inproc', version: '1.0.0' }, { capabilities: options.roots === false ? {} : { roots: {} } });
  let roots = 0;
  if (options.roots !== false) {
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      roots++;
      return { roots: [{ uri: 'file:///real', name: 'real' }] };
    });
  }
  await client.connect(clientSide);
  return {
    client,
    proxy,
    upstream,
    rootsAsked: () => roots,
    frames: () => {
      proxy.recorder!.flush();
      return store.frames(proxy.recorder!.tape.id);
    },
    close: async () => {
      await client.close().catch(() => undefined);
      await upstream.close();
      await proxy.close();
      store.close();
    },
  };
}
