// The proxy under test for the sessions benchmark, in a process of its own so its memory is
// measured alone. Serves Streamable HTTP from a replayed tape (no upstream server cost), prints
// its port, then answers "mem" / "lookup" / "gc" commands on stdin with one JSON line each.
import { createInterface } from 'node:readline';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpProxy, importTape, TapeStore, silentLogger } from '../dist/index.js';
import { replayUpstream } from '../dist/proxy/replay.js';

const store = TapeStore.open(join(mkdtempSync(join(tmpdir(), 'mcp-tap-bench-')), 'tapes.db'));
importTape(store, JSON.parse(readFileSync(new URL('../tapes/everything-sample.json', import.meta.url), 'utf8')), { name: 'bench' });
const replay = replayUpstream(store, 'bench', { reuse: true });
const proxy = await startHttpProxy({ listen: { host: '127.0.0.1', port: 0 }, upstream: replay.spec, logger: silentLogger, eventBuffer: 100 });
console.log(JSON.stringify({ port: proxy.address.port }));

const mem = () => {
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, sessions: proxy.links.size };
};
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'gc') {
    for (let i = 0; i < 3; i++) global.gc?.();
    return console.log(JSON.stringify(mem()));
  }
  if (line === 'mem') return console.log(JSON.stringify(mem()));
  if (line === 'lookup') {
    // Session lookup as the endpoint does it for every request: by id, among all live sessions.
    const ids = [...proxy.links.keys()];
    const samples = [];
    for (let i = 0; i < 100_000; i++) {
      const id = ids[(i * 7919) % ids.length];
      const start = process.hrtime.bigint();
      proxy.proxy.sessions.peek(id);
      samples.push(Number(process.hrtime.bigint() - start));
    }
    samples.sort((a, b) => a - b);
    return console.log(JSON.stringify({ p50ns: samples[samples.length >> 1], p99ns: samples[Math.floor(samples.length * 0.99)] }));
  }
});
