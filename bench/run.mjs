// npm run bench (full) / npm run bench:quick (under a minute): measures mcp-tap against a bare
// relay and the server direct, in one run, as ratios. Writes bench/RESULTS.md with the machine.
import { spawn } from 'node:child_process';
import { cpus, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InterceptorChain, McpInterceptor, RecordingInterceptor, TapeRecorder, TapeStore, summarize, silentLogger, PauseController } from '../dist/index.js';
import { HttpPolicyInterceptor } from '../dist/interceptors/http-policy.js';

const quick = process.argv.includes('--quick');
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const CLI = join(root, 'bin', 'mcp-tap.js');
const EVERYTHING = join(root, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const dir = mkdtempSync(join(tmpdir(), 'mcp-tap-bench-'));
const N = quick ? 150 : 1000;
const SESSIONS = quick ? 1000 : 10_000;
const rows = [];
const notes = [];
const log = (line) => process.stderr.write(`${line}\n`);

const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
};
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
const row = (section, what, value, target = '', verdict = '') => rows.push({ section, what, value, target, verdict });

async function stdioClient(args) {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }));
  return client;
}

/** The same calls on each client in turn, so noise hits all of them alike. */
async function interleaved(clients, calls, n) {
  const times = Object.fromEntries(Object.keys(clients).map((k) => [k, Object.fromEntries(Object.keys(calls).map((c) => [c, []]))]));
  for (let i = 0; i < n; i++) {
    for (const [name, client] of Object.entries(clients)) {
      for (const [call, run] of Object.entries(calls)) {
        const start = performance.now();
        await run(client);
        times[name][call].push(performance.now() - start);
      }
    }
  }
  return times;
}

const calls = {
  echo: (c) => c.callTool({ name: 'echo', arguments: { message: 'bench' } }),
  'get-sum': (c) => c.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }),
  'resources/read': (c) => c.readResource({ uri: 'demo://resource/static/document/architecture.md' }),
  // The server sleeps ~5 ms: a call where the server does some work.
  'work 5ms': (c) => c.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.005, steps: 1 } }),
};

function latencyRows(section, times) {
  for (const call of Object.keys(calls)) {
    const p = (who, q) => pct(times[who][call], q);
    const relay = p('relay', 0.5);
    const tap = p('mcp-tap', 0.5);
    const direct = p('direct', 0.5);
    row(section, `${call}: p50 direct / relay / mcp-tap`, `${fmt(direct)} / ${fmt(relay)} / ${fmt(tap)}`);
    row(section, `${call}: p99 direct / relay / mcp-tap`, `${fmt(p('direct', 0.99))} / ${fmt(p('relay', 0.99))} / ${fmt(p('mcp-tap', 0.99))}`);
    const ratio = tap / relay;
    row(section, `${call}: mcp-tap p50 ÷ relay p50`, ratio.toFixed(2), '≤ 1.15', ratio <= 1.15 ? 'met' : 'missed');
    if (call === 'work 5ms') {
      const added = (tap / direct - 1) * 100;
      row(section, `${call}: added at p50 over direct`, `${added.toFixed(1)} %`, '< 5 %', added < 5 ? 'met' : 'missed');
    }
  }
}

async function stdioLatency() {
  log(`latency over stdio: ${N} rounds`);
  const store = join(dir, 'latency.db');
  const clients = {
    direct: await stdioClient([EVERYTHING, 'stdio']),
    relay: await stdioClient([join(here, 'relay.mjs'), process.execPath, EVERYTHING, 'stdio']),
    'mcp-tap': await stdioClient([CLI, 'record', '-q', '--store', store, '--', process.execPath, EVERYTHING, 'stdio']),
  };
  await interleaved(clients, calls, 20); // warm-up
  latencyRows('latency, stdio', await interleaved(clients, calls, N));
  await Promise.all(Object.values(clients).map((c) => c.close()));
}

function spawnReady(args, pattern, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let text = '';
    const onData = (chunk) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match) resolve({ child, match });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${text}`)));
  });
}

async function httpLatency() {
  log(`latency over Streamable HTTP: ${N} rounds`);
  const port = 3900 + Math.floor(Math.random() * 1000);
  const server = await spawnReady([EVERYTHING, 'streamableHttp'], /listening/i, { PORT: String(port) });
  const upstream = `http://127.0.0.1:${port}/mcp`;
  const relay = await spawnReady([join(here, 'http-relay.mjs'), `http://127.0.0.1:${port}`], /^(\d+)/m);
  const tap = await spawnReady([CLI, 'record', '--store', join(dir, 'http.db'), '--listen', '127.0.0.1:0', '--url', upstream], /Streamable HTTP\s+(\S+)/);
  const connect = async (url) => {
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  };
  const clients = { direct: await connect(upstream), relay: await connect(`http://127.0.0.1:${relay.match[1]}/mcp`), 'mcp-tap': await connect(tap.match[1]) };
  await interleaved(clients, calls, 20);
  latencyRows('latency, Streamable HTTP', await interleaved(clients, calls, N));
  await Promise.all(Object.values(clients).map((c) => c.close()));
  for (const p of [tap.child, relay.child, server.child]) p.kill('SIGTERM');
}

/** Pipelined requests through a stdio hop to the fast echo server; returns messages per second. */
async function pipelined(args, count) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  let answered = 0;
  let initialized;
  const ready = new Promise((resolve) => (initialized = resolve));
  const done = new Promise((resolve) => lines.on('line', () => (++answered === 1 ? initialized() : answered === count + 1 && resolve())));
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } })}\n`);
  // The clock starts once the hop is up and answering, so process start-up is not counted.
  await ready;
  const start = performance.now();
  const batch = [];
  for (let i = 1; i <= count; i++) batch.push(`${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'echo', arguments: { i } } })}\n`);
  child.stdin.write(batch.join(''));
  await done;
  const seconds = (performance.now() - start) / 1000;
  child.stdin.end();
  await new Promise((r) => child.once('exit', r));
  return (count * 2) / seconds;
}

async function throughput() {
  const count = quick ? 5000 : 50_000;
  log(`throughput: ${count} pipelined requests`);
  const echo = join(here, 'echo-server.mjs');
  const relay = await pipelined([join(here, 'relay.mjs'), process.execPath, echo], count);
  const tap = await pipelined([CLI, 'record', '-q', '--store', join(dir, 'throughput.db'), '--', process.execPath, echo], count);
  row('throughput, stdio', 'messages/s: bare pipe / mcp-tap recording', `${relay.toFixed(0)} / ${tap.toFixed(0)}`);
  row('throughput, stdio', 'mcp-tap ÷ bare pipe', (tap / relay).toFixed(2));
}

function chainOverhead() {
  const count = quick ? 20_000 : 200_000;
  log(`interceptor chain: ${count} messages`);
  const store = TapeStore.open(join(dir, 'chain.db'));
  const tape = store.createTape({ name: 'chain', transport: 'stdio' });
  const recorder = new TapeRecorder(store, tape);
  const chain = new InterceptorChain(new PauseController());
  chain.register(new McpInterceptor(silentLogger));
  chain.register(new HttpPolicyInterceptor());
  // Fifty rule-shaped interceptors: each tests a method pattern that does not match, as most rules do.
  for (let i = 0; i < 50; i++) {
    const pattern = new RegExp(`^tools/call-${i}$`);
    chain.register({ name: `rule-${i}`, intercept: (ctx) => (pattern.test(ctx.summary.method ?? '') ? { type: 'block', reason: 'x' } : undefined) });
  }
  chain.register(new RecordingInterceptor(recorder));
  const text = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hello' } } });
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const message = JSON.parse(text);
    const ctx = { sessionId: 's', transport: 'stdio', direction: 'c2s', raw: text, message, summary: summarize(message), receivedAt: start, flags: [] };
    const verdict = chain.intercept(ctx);
    chain.notify({ sessionId: 's', transport: 'stdio', direction: 'c2s', at: start, text, message, summary: ctx.summary, action: verdict.type, flags: [] });
    samples[i] = performance.now() - start;
  }
  recorder.close();
  store.close();
  const p99 = pct(samples, 0.99);
  row('interceptor chain', 'parse + chain + record, per message: p50 / p99', `${fmt(pct(samples, 0.5))} / ${fmt(p99)}`, 'p99 < 1 ms', p99 < 1 ? 'met' : 'missed');
  notes.push('The chain benchmark loads the built-in interceptors plus 50 rule-shaped interceptors (a method pattern each). The rules language of the rules file is not built yet; when it is, this benchmark should load a real 50-rule file.');
}

function recording() {
  const count = quick ? 50_000 : 300_000;
  log(`recording: ${count} frames`);
  const store = TapeStore.open(join(dir, 'recording.db'));
  const tape = store.createTape({ name: 'rec', transport: 'stdio' });
  const recorder = new TapeRecorder(store, tape);
  const text = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, total: 10 } });
  const message = JSON.parse(text);
  const summary = summarize(message);
  let maxQueued = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    recorder.record({ sessionId: 's', transport: 'stdio', direction: 's2c', at: performance.now(), text, message, summary, action: 'continue', flags: [] });
    maxQueued = Math.max(maxQueued, recorder.queued);
  }
  recorder.close();
  const seconds = (performance.now() - start) / 1000;
  store.close();
  row('recording', 'frames/s into the SQLite tape (batched, redaction on)', (count / seconds).toFixed(0), 'tens of thousands', count / seconds > 20_000 ? 'met' : 'missed');
  row('recording', 'largest queue to the recorder', String(maxQueued), 'bounded (512)', maxQueued <= 512 ? 'met' : 'missed');
}

async function sessionScale() {
  log(`sessions: ${SESSIONS} Streamable HTTP sessions`);
  const child = spawn(process.execPath, ['--expose-gc', join(here, 'session-proxy.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const pending = [];
  lines.on('line', (line) => pending.shift()?.(JSON.parse(line)));
  const next = () => new Promise((resolve) => pending.push(resolve));
  const ask = (command) => {
    const answer = next();
    child.stdin.write(`${command}\n`);
    return answer;
  };
  const { port } = await next();
  const url = `http://127.0.0.1:${port}/mcp`;
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const open = async () => {
    const init = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } }) });
    const id = init.headers.get('mcp-session-id');
    await init.text();
    const h = { ...headers, 'mcp-session-id': id };
    await (await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
    await (await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hello' } } }) })).text();
    return id;
  };
  const openMany = async (count) => {
    const ids = [];
    for (let i = 0; i < count; i += 100) ids.push(...(await Promise.all(Array.from({ length: Math.min(100, count - i) }, open))));
    return ids;
  };
  const closeAll = (ids) => Promise.all(ids.map((id) => fetch(url, { method: 'DELETE', headers: { 'mcp-session-id': id } }).then((r) => r.text())));
  await closeAll(await openMany(200)); // warm-up
  const baseline = await ask('gc');
  const started = performance.now();
  const ids = await openMany(SESSIONS);
  const openedIn = (performance.now() - started) / 1000;
  const loaded = await ask('gc');
  const heapPer = (loaded.heapUsed - baseline.heapUsed) / SESSIONS;
  const rssPer = (loaded.rss - baseline.rss) / SESSIONS;
  row('sessions', `${loaded.sessions} concurrent sessions opened (initialize + a call each)`, `${openedIn.toFixed(1)} s`);
  row('sessions', 'memory per session: heap / RSS', `${(heapPer / 1024).toFixed(1)} KB / ${(rssPer / 1024).toFixed(1)} KB`, '< 100 KB', Math.max(heapPer, rssPer) < 100 * 1024 ? 'met' : 'missed');
  const lookup = await ask('lookup');
  row('sessions', `session lookup among ${loaded.sessions}: p50 / p99`, `${lookup.p50ns} ns / ${lookup.p99ns} ns`, 'p99 < 100 µs', lookup.p99ns < 100_000 ? 'met' : 'missed');
  await closeAll(ids);
  const after = await ask('gc');
  row('sessions', 'heap after closing them all, over the baseline', `${((after.heapUsed - baseline.heapUsed) / 1024 / 1024).toFixed(2)} MB (${after.sessions} left)`);
  const cycles = [];
  for (let c = 0; c < 5; c++) {
    await closeAll(await openMany(Math.floor(SESSIONS / 5)));
    cycles.push((await ask('gc')).heapUsed);
  }
  const growth = (cycles.at(-1) - cycles[0]) / 1024 / 1024;
  row('sessions', `heap over 5 connect/close cycles of ${Math.floor(SESSIONS / 5)}: first → last`, `${(cycles[0] / 1024 / 1024).toFixed(1)} MB → ${(cycles.at(-1) / 1024 / 1024).toFixed(1)} MB`, 'flat (no leak)', Math.abs(growth) < 5 ? 'met' : 'missed');
  notes.push('The sessions benchmark runs the proxy alone in a child process (started with --expose-gc so each reading follows a full collection). The upstream is a replayed tape, so the figures are the proxy\'s own cost per session (client session, link, upstream transport, SSE event buffer); a real upstream adds its own connections.');
  child.kill('SIGTERM');
}

const started = Date.now();
await stdioLatency();
await httpLatency();
await throughput();
chainOverhead();
recording();
await sessionScale();
notes.push('Peers (supergateway, mcp-proxy) are not measured yet.');
rmSync(dir, { recursive: true, force: true });

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
const command = quick ? 'npm run bench:quick' : 'npm run bench';
const table = ['| section | measure | result | target | |', '| --- | --- | --- | --- | --- |', ...rows.map((r) => `| ${r.section} | ${r.what} | ${r.value} | ${r.target} | ${r.verdict} |`)];
const report = [
  `# Benchmark results${quick ? ' (quick run)' : ''}`,
  '',
  `- machine: ${machine}`,
  `- command: \`${command}\` (${((Date.now() - started) / 1000).toFixed(0)} s), ${new Date().toISOString().slice(0, 10)}`,
  `- latency: ${N} rounds of each call on each path, interleaved; HTTP sessions: ${SESSIONS}`,
  '',
  ...table,
  '',
  ...notes.map((n) => `- ${n}`),
  '',
].join('\n');
if (!quick) writeFileSync(join(here, 'RESULTS.md'), `${report}\n`);
console.log(table.join('\n'));
if (quick) console.log('\n(quick run: bench/RESULTS.md is written by the full run, npm run bench)');
