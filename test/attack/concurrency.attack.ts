/**
 * Hundreds of concurrent clients through one listening proxy to a real server (server-everything
 * over Streamable HTTP), each initializing and calling a tool in a loop: no call may fail. The
 * same load straight to the server is run first, for the figures beside it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from '../support/paths.js';
import { freePort, startEverything, type RunningServer } from '../support/servers.js';
import { report, startProxyProcess } from './support.js';

const CLIENTS = Number(process.env.MCP_TAP_ATTACK_CLIENTS ?? 500);
const CALLS = Number(process.env.MCP_TAP_ATTACK_CALLS ?? 4);

type LoadResult = {
  clients: number;
  tried: number;
  failed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  seconds: number;
  reasons: Record<string, number>;
};

function load(url: string): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'test', 'attack', 'load.mjs'), url, String(CLIENTS), String(CALLS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult);
      } catch {
        reject(new Error(`the load generator printed no result: ${out}`));
      }
    });
  });
}

let server: RunningServer;
let dir: string;
beforeAll(async () => {
  server = await startEverything('streamableHttp');
  dir = tempDir();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`${CLIENTS} concurrent clients`, () => {
  it('through a recording proxy: every call answered', async () => {
    const direct = await load(server.url);
    report('concurrency-direct', direct);
    const port = await freePort();
    const proxy = await startProxyProcess(['-q', '--store', join(dir, 'load.db'), '--listen', `127.0.0.1:${port}`, '--url', server.url], undefined);
    await new Promise((r) => setTimeout(r, 1000));
    try {
      const through = await load(`http://127.0.0.1:${port}/mcp`);
      report('concurrency-proxy', { ...through, proxyPeakRssMiB: proxy.peakRssMiB() });
      expect(through.reasons).toEqual({});
      expect(through.failed).toBe(0);
      expect(through.tried).toBe(CLIENTS * CALLS);
    } finally {
      await proxy.stop();
    }
  });
});
