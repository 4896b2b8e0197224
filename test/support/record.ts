/**
 * Records a real session through `mcp-tap record` with the SDK client, and reads tapes back, for
 * tests that need a tape. The client's side of the wire is captured too, so a test can hold the
 * tape up against what the client really sent and received.
 */
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ListRootsRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { TapeStore } from '../../src/tape/store.js';
import type { TapeFrame, TapeInfo, TapeSession } from '../../src/tape/types.js';
import { CLI, EVERYTHING } from './paths.js';

export const ROOTS = [{ uri: 'file:///tmp', name: 'tmp' }];

export interface RecordingClient {
  client: Client;
  rootsAsked: () => number;
  /** Every message the client sent and received, in order, as it sent and received them. */
  wire: { sent: JSONRPCMessage[]; received: JSONRPCMessage[] };
  close(): Promise<void>;
}

/** Passes everything through to a real transport, keeping a copy of each message either way. */
class CapturingTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: Transport['onclose'];
  onerror?: Transport['onerror'];
  readonly sent: JSONRPCMessage[] = [];
  readonly received: JSONRPCMessage[] = [];

  constructor(private readonly inner: Transport) {
    inner.onmessage = (message, extra) => {
      this.received.push(structuredClone(message));
      this.onmessage?.(message, extra);
    };
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    this.sent.push(structuredClone(message));
    return this.inner.send(message, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Connects an SDK client (declaring `roots`, answering roots/list) to a stdio command: the server
 * itself, or `mcp-tap record` in front of it.
 */
export async function connectStdioClient(command: string, args: string[]): Promise<RecordingClient> {
  const stdio = new StdioClientTransport({ command, args, stderr: 'pipe' });
  // Drained so a chatty server never blocks on a full pipe.
  (stdio.stderr as Readable | null)?.resume();
  const transport = new CapturingTransport(stdio);
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: { roots: {} } });
  let roots = 0;
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    roots++;
    return { roots: ROOTS };
  });
  await client.connect(transport);
  return { client, rootsAsked: () => roots, wire: { sent: transport.sent, received: transport.received }, close: () => client.close() };
}

/** Starts `mcp-tap record` in front of server-everything and connects an SDK client to it. */
export function recordEverything(store: string, name: string, extraArgs: string[] = []): Promise<RecordingClient> {
  return connectStdioClient(process.execPath, [CLI, 'record', '-q', '--store', store, '--name', name, ...extraArgs, '--', process.execPath, EVERYTHING, 'stdio']);
}

/** The same client straight to server-everything, no proxy: what "without mcp-tap" looks like. */
export function connectEverything(): Promise<RecordingClient> {
  return connectStdioClient(process.execPath, [EVERYTHING, 'stdio']);
}

export interface ReadTape {
  tape: TapeInfo;
  frames: TapeFrame[];
  sessions: TapeSession[];
}

/** Reads a tape back the way a user's tools would: the store opened read-only. */
export function readTape(store: string, name: string): ReadTape {
  const reader = TapeStore.open(store, { readonly: true });
  try {
    const tape = reader.requireTape(name);
    return { tape, frames: reader.frames(tape.id), sessions: reader.sessions(tape.id) };
  } finally {
    reader.close();
  }
}
