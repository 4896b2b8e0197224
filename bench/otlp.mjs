// node bench/otlp.mjs [--calls=N]: what `record --otlp` costs. The SDK client calls server-everything
// through `mcp-tap record` without and with `--otlp` (to a collector on loopback that takes every
// POST), the two interleaved call by call in a random order each round so machine load hits both
// alike. Prints p50/p99 per call, their ratio with its spread over five slices, each proxy's CPU
// per call (from /proc: machine load hardly moves it), the spans the collector received, and the
// load average before and after. Runs on its own: npm run build first.
import { createServer } from 'node:http';
import { loadavg, cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(root, 'bin', 'mcp-tap.js');
const EVERYTHING = join(root, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const N = Number(process.argv.find((a) => a.startsWith('--calls='))?.split('=')[1] ?? 2000);
const dir = mkdtempSync(join(tmpdir(), 'mcp-tap-bench-otlp-'));
const TICKS = 100; // USER_HZ on Linux

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};

/** utime + stime of a process and its children that were waited for, in ms. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}

let spans = 0;
let posts = 0;
const collector = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    posts++;
    spans += (body.match(/"spanId"/g) ?? []).length;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise((resolve) => collector.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${collector.address().port}/v1/traces`;

async function connect(name, extra) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'record', '-q', '--store', join(dir, 'tapes.db'), '--name', name, ...extra, '--', process.execPath, EVERYTHING, 'stdio'], stderr: 'ignore' });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

const before = loadavg();
const paths = { plain: await connect('plain', []), otlp: await connect('otlp', ['--otlp', url]) };
for (const { client } of Object.values(paths)) for (let i = 0; i < 50; i++) await client.callTool({ name: 'echo', arguments: { message: 'warm' } });
const cpuStart = Object.fromEntries(Object.entries(paths).map(([name, p]) => [name, cpuMs(p.pid)]));
const times = { plain: [], otlp: [] };
for (let i = 0; i < N; i++) {
  for (const name of Math.random() < 0.5 ? ['plain', 'otlp'] : ['otlp', 'plain']) {
    const start = performance.now();
    await paths[name].client.callTool({ name: 'echo', arguments: { message: `call ${i}` } });
    times[name].push(performance.now() - start);
  }
}
const cpu = Object.fromEntries(Object.entries(paths).map(([name, p]) => [name, (cpuMs(p.pid) - cpuStart[name]) / N]));
for (const { client } of Object.values(paths)) await client.close();
await new Promise((resolve) => setTimeout(resolve, 300));
const after = loadavg();
collector.close();
rmSync(dir, { recursive: true, force: true });

const slices = 5;
const size = Math.floor(N / slices);
const ratios = Array.from({ length: slices }, (_, i) => pct(times.otlp.slice(i * size, (i + 1) * size), 0.5) / pct(times.plain.slice(i * size, (i + 1) * size), 0.5));
const fmt = (ms) => `${ms.toFixed(3)} ms`;
console.log(`machine: ${cpus().length} × ${cpus()[0].model}, node ${process.version}`);
console.log(`load average before ${before.map((l) => l.toFixed(2)).join(' ')}, after ${after.map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${N} echo calls on each path, interleaved`);
console.log(`record          p50 ${fmt(pct(times.plain, 0.5))}  p99 ${fmt(pct(times.plain, 0.99))}  proxy CPU ${fmt(cpu.plain)}/call`);
console.log(`record --otlp   p50 ${fmt(pct(times.otlp, 0.5))}  p99 ${fmt(pct(times.otlp, 0.99))}  proxy CPU ${fmt(cpu.otlp)}/call`);
console.log(`p50 ratio ${(pct(times.otlp, 0.5) / pct(times.plain, 0.5)).toFixed(3)} (slices ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}); CPU +${(cpu.otlp - cpu.plain).toFixed(3)} ms/call (${((cpu.otlp / cpu.plain - 1) * 100).toFixed(0)}%)`);
console.log(`collector received ${spans} spans in ${posts} posts (expected at least ${N + 50} tools/call spans)`);
