/** Records a real session through `mcp-tap record` with the SDK client, for tests that need a tape. */
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CLI, EVERYTHING } from './paths.js';

export interface RecordingClient {
  client: Client;
  rootsAsked: () => number;
  close(): Promise<void>;
}

/** Starts `mcp-tap record` in front of server-everything and connects an SDK client to it. */
export async function recordEverything(store: string, name: string, extraArgs: string[] = []): Promise<RecordingClient> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'record', '-q', '--store', store, '--name', name, ...extraArgs, '--', process.execPath, EVERYTHING, 'stdio'],
    stderr: 'pipe',
  });
  // Drained so a chatty server never blocks on a full pipe.
  (transport.stderr as Readable | null)?.resume();
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
  let roots = 0;
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    roots++;
    return { roots: [{ uri: 'file:///tmp', name: 'tmp' }] };
  });
  await client.connect(transport);
  return { client, rootsAsked: () => roots, close: () => client.close() };
}
