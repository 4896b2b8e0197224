// npm run bench (full) / npm run bench:quick (under a minute): measures mcp-tap against a bare
// relay and the server direct, in one run, as ratios. Writes bench/RESULTS.md with the machine.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, writeFileSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InterceptorChain, McpInterceptor, RecordingInterceptor, DEFAULT_MAX_BACKLOG_BYTES, TapeRecorder, TapeStore, summarize, silentLogger, PauseController } from '../dist/index.js';
import { HttpPolicyInterceptor } from '../dist/interceptors/http-policy.js';
import { RulesInterceptor } from '../dist/interceptors/rules.js';
import { loadRulesFile } from '../dist/rules/index.js';

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
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 100 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);
const row = (section, what, value, target = '', verdict = '') => rows.push({ section, what, value, target, verdict });

/**
 * The same calls on each client in turn, so noise hits all of them alike. The clients' order is
 * shuffled every round: in a fixed order one path would always follow the same other path (and
 * its idle CPUs or warm caches). With `failures`, a client whose call throws is dropped from the
 * run (its error kept there) instead of ending it.
 */
async function interleaved(clients, calls, n, failures) {
  const times = Object.fromEntries(Object.keys(clients).map((k) => [k, Object.fromEntries(Object.keys(calls).map((c) => [c, []]))]));
  const live = { ...clients };
  for (let i = 0; i < n; i++) {
    for (const name of shuffled(Object.keys(live))) {
      const client = live[name];
      for (const [call, run] of Object.entries(calls)) {
        const start = performance.now();
        try {
          await run(client);
        } catch (error) {
          if (!failures) throw error;
          failures[name] = `${call} failed: ${error.message}`;
          delete live[name];
          break;
        }
        times[name][call].push(performance.now() - start);
      }
    }
  }
  return times;
}

function shuffled(items) {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** The ratio of two paths' p50 over the whole run, and its range over BLOCKS consecutive slices of it (the noise). */
const BLOCKS = 5;
function ratioWithSpread(a, b) {
  const whole = pct(a, 0.5) / pct(b, 0.5);
  const size = Math.floor(Math.min(a.length, b.length) / BLOCKS);
  const blocks = Array.from({ length: BLOCKS }, (_, i) => pct(a.slice(i * size, (i + 1) * size), 0.5) / pct(b.slice(i * size, (i + 1) * size), 0.5));
  return { whole, text: `${whole.toFixed(2)} (${Math.min(...blocks).toFixed(2)}–${Math.max(...blocks).toFixed(2)} over ${BLOCKS} slices)` };
}

const calls = {
  echo: (c) => c.callTool({ name: 'echo', arguments: { message: 'bench' } }),
  'get-sum': (c) => c.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }),
  'resources/read': (c) => c.readResource({ uri: 'demo://resource/static/document/architecture.md' }),
  // The server sleeps ~5 ms: a call where the server does some work.
  'work 5ms': (c) => c.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.005, steps: 1 } }),
};

function latencyRows(section, times) {
  // socat (a byte relay in C) when it is installed: the least any extra process costs here.
  const paths = ['direct', ...(times.socat ? ['socat'] : []), 'relay', 'mcp-tap'];
  for (const call of Object.keys(calls)) {
    const p = (who, q) => pct(times[who][call], q);
    row(section, `${call}: p50 ${paths.join(' / ')}`, paths.map((who) => fmt(p(who, 0.5))).join(' / '));
    row(section, `${call}: p99 ${paths.join(' / ')}`, paths.map((who) => fmt(p(who, 0.99))).join(' / '));
    const ratio = ratioWithSpread(times['mcp-tap'][call], times.relay[call]);
    row(section, `${call}: mcp-tap p50 ÷ relay p50`, ratio.text, '≤ 1.10', ratio.whole <= 1.1 ? 'met' : 'missed');
    if (call === 'work 5ms') {
      const added = (who) => (p(who, 0.5) / p('direct', 0.5) - 1) * 100;
      row(section, `${call}: added at p50 over direct`, `${added('mcp-tap').toFixed(1)} %`, '< 5 %', added('mcp-tap') < 5 ? 'met' : 'missed');
      // What any extra hop costs on this machine, for scale.
      const floors = paths.filter((who) => who === 'socat' || who === 'relay');
      row(section, `${call}: added over direct by ${floors.map((who) => (who === 'relay' ? 'the bare relay' : who)).join(' / ')}, for scale`, floors.map((who) => `${added(who).toFixed(1)} %`).join(' / '));
    }
  }
}

/** socat's path, or undefined (with a note) when it is not installed or cannot run the command as given. */
function socatPath(args = []) {
  const found = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  if (found.status !== 0) {
    if (!notes.some((n) => n.includes('socat'))) notes.push('socat is not installed, so the C byte relay is not in the table (Debian: apt-get install socat).');
    return undefined;
  }
  // socat's EXEC splits its command on spaces and has no quoting of its own.
  if (args.some((a) => /[\s,:!]/.test(a))) {
    notes.push(`socat was left out of the stdio latency: the server's path (${args.join(' ')}) holds a space or one of , : ! which socat's EXEC cannot take.`);
    return undefined;
  }
  return 'socat';
}

/** CPU each hop process spent per call during `run`, as a row. */
async function cpuPerCall(section, pids, calls, run) {
  const before = Object.values(pids).map(cpuMs);
  const result = await run();
  const after = Object.values(pids).map(cpuMs);
  if (!before.includes(undefined) && !after.includes(undefined)) {
    const per = after.map((a, i) => (a - before[i]) / calls);
    const names = Object.keys(pids);
    const tap = per[names.indexOf('mcp-tap')];
    const relay = per[names.indexOf('relay')];
    row(section, `CPU per call in the hop: ${names.join(' / ')}`, `${per.map(fmt).join(' / ')} (mcp-tap ${(tap / relay).toFixed(2)}× the relay)`);
  }
  return result;
}

async function stdioLatency() {
  log(`latency over stdio: ${N} rounds`);
  const store = join(dir, 'latency.db');
  const server = [process.execPath, EVERYTHING, 'stdio'];
  const connect = async (command, args) => {
    const transport = new StdioClientTransport({ command, args, stderr: 'ignore' });
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(transport);
    return { client, pid: transport.pid };
  };
  const socat = socatPath(server);
  const paths = {
    direct: await connect(process.execPath, [EVERYTHING, 'stdio']),
    ...(socat ? { socat: await connect(socat, ['-b', '65536', '-', `EXEC:${server.join(' ')}`]) } : {}),
    relay: await connect(process.execPath, [join(here, 'relay.mjs'), ...server]),
    'mcp-tap': await connect(process.execPath, [CLI, 'record', '-q', '--store', store, '--', ...server]),
  };
  const clients = Object.fromEntries(Object.entries(paths).map(([k, v]) => [k, v.client]));
  await interleaved(clients, calls, 20); // warm-up
  const hops = Object.fromEntries(Object.entries(paths).filter(([k]) => k !== 'direct').map(([k, v]) => [k, v.pid]));
  const times = await cpuPerCall('latency, stdio', hops, N * Object.keys(calls).length, () => interleaved(clients, calls, N));
  latencyRows('latency, stdio', times);
  await Promise.all(Object.values(clients).map((c) => c.close()));
}

function spawnReady(args, pattern, env = {}, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let text = '';
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${args.join(' ')} did not say it was ready within ${timeoutMs / 1000} s: ${text.slice(-300)}`));
    }, timeoutMs);
    const onData = (chunk) => {
      if (text.length < 100_000) text += chunk.toString();
      const match = pattern.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}: ${text}`)));
  });
}

/** CPU time (user + system) a process has used so far, in ms; undefined where /proc is not there. */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Resolves once something answers HTTP on the port (for peers that print nothing when ready). */
async function waitForHttp(url, child, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      await (await fetch(url, { method: 'GET', signal: AbortSignal.timeout(1000) })).text();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(exited ? 'exited before it listened' : `nothing listened on ${url} within ${timeoutMs / 1000} s`);
}

async function httpLatency() {
  log(`latency over Streamable HTTP: ${N} rounds`);
  const port = 3900 + Math.floor(Math.random() * 1000);
  const server = await spawnReady([EVERYTHING, 'streamableHttp'], /listening/i, { PORT: String(port) });
  const upstream = `http://127.0.0.1:${port}/mcp`;
  const relay = await spawnReady([join(here, 'http-relay.mjs'), `http://127.0.0.1:${port}`], /^(\d+)/m);
  const tap = await spawnReady([CLI, 'record', '--store', join(dir, 'http.db'), '--listen', '127.0.0.1:0', '--url', upstream], /Streamable HTTP\s+(\S+)/);
  let socat;
  if (socatPath()) {
    // One process per client connection (fork); the SDK client keeps its connection alive.
    const socatPort = await freePort();
    const child = spawn('socat', [`TCP-LISTEN:${socatPort},bind=127.0.0.1,reuseaddr,fork,nodelay`, `TCP:127.0.0.1:${port},nodelay`], { stdio: 'ignore' });
    await waitForHttp(`http://127.0.0.1:${socatPort}/mcp`, child);
    socat = { child, url: `http://127.0.0.1:${socatPort}/mcp` };
  }
  const connect = async (url) => {
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  };
  const clients = {
    direct: await connect(upstream),
    ...(socat ? { socat: await connect(socat.url) } : {}),
    relay: await connect(`http://127.0.0.1:${relay.match[1]}/mcp`),
    'mcp-tap': await connect(tap.match[1]),
  };
  await interleaved(clients, calls, 20);
  // CPU the hop itself spent per request: unlike wall-clock latency, it hardly moves with machine load.
  // (socat forks a process per connection, which /proc of the listener does not count, so it is left out.)
  const times = await cpuPerCall('latency, Streamable HTTP', { relay: relay.child.pid, 'mcp-tap': tap.child.pid }, N * Object.keys(calls).length, () => interleaved(clients, calls, N));
  latencyRows('latency, Streamable HTTP', times);
  await Promise.all(Object.values(clients).map((c) => c.close()));
  for (const p of [tap.child, relay.child, server.child, socat?.child]) p?.kill('SIGTERM');
}

const PEERS_DIR = join(here, '.peers');
const PEERS = ['supergateway', 'mcp-proxy'];

/** The peers' entry points, installed into bench/.peers (git-ignored, never a dependency) when missing. */
function peerBins() {
  const bin = (name) => {
    const file = join(PEERS_DIR, 'node_modules', name, 'package.json');
    if (!existsSync(file)) return undefined;
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    const entry = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.[name];
    return entry ? { path: join(PEERS_DIR, 'node_modules', name, entry), version: pkg.version } : undefined;
  };
  if (PEERS.every(bin)) return Object.fromEntries(PEERS.map((name) => [name, bin(name)]));
  if (quick) return undefined;
  // Both at once: an install into a folder without a package.json prunes what it does not name.
  log(`peers: installing ${PEERS.join(', ')} into bench/.peers (npm install --no-save; not a project dependency)`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', PEERS_DIR, ...PEERS], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    log(`peers: npm install failed (${result.status}): ${(result.stderr ?? result.error?.message ?? '').trim().split('\n').at(-1)}`);
    return undefined;
  }
  return Object.fromEntries(PEERS.map((name) => [name, bin(name)]));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Other stdio-to-HTTP gateways fronting the same stdio server-everything, each over the HTTP
 * transport it offers, against mcp-tap record --listen fronting it the same way.
 */
async function peers() {
  const section = 'peers, stdio server over HTTP';
  const bins = peerBins();
  if (!bins) {
    const why = quick ? 'not installed (the full run, npm run bench, installs them into bench/.peers)' : 'could not be installed into bench/.peers';
    log(`peers: skipped, ${why}`);
    notes.push(`Peers (${PEERS.join(', ')}) were not measured: ${why}.`);
    return;
  }
  log(`peers: ${N} rounds through mcp-tap, ${PEERS.join(', ')}`);
  const server = [process.execPath, EVERYTHING, 'stdio'];
  const quoted = server.map((a) => JSON.stringify(a)).join(' ');
  const children = [];
  const failures = {};
  const clients = {};
  const connect = async (url) => {
    const client = new Client({ name: 'bench', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    return client;
  };
  const starters = {
    'mcp-tap': async () => {
      const tap = await spawnReady([CLI, 'record', '--store', join(dir, 'peers.db'), '--listen', '127.0.0.1:0', '--', ...server], /Streamable HTTP\s+(\S+)/);
      children.push(tap.child);
      return { url: tap.match[1], how: 'mcp-tap record --listen 127.0.0.1:0 -- node server-everything stdio' };
    },
    // Stateful: one child server per session, as mcp-tap does (stateless spawns one per request).
    supergateway: async () => {
      const port = await freePort();
      const child = spawn(process.execPath, [bins.supergateway.path, '--stdio', quoted, '--outputTransport', 'streamableHttp', '--stateful', '--port', String(port), '--logLevel', 'none'], { stdio: 'ignore' });
      children.push(child);
      const url = `http://127.0.0.1:${port}/mcp`;
      await waitForHttp(url, child);
      notes.push('Peers: supergateway has no option for the address it listens on, so it listens on every interface while it runs; the bench reaches it on loopback only.');
      return { url, how: `supergateway ${bins.supergateway.version} --stdio "node server-everything stdio" --outputTransport streamableHttp --stateful --port PORT --logLevel none` };
    },
    'mcp-proxy': async () => {
      const port = await freePort();
      const started = await spawnReady([bins['mcp-proxy'].path, '--port', String(port), '--host', '127.0.0.1', '--server', 'stream', '--', ...server], /starting server on port/i);
      children.push(started.child);
      // It says so just before it listens: wait until it answers.
      await waitForHttp(`http://127.0.0.1:${port}/mcp`, started.child);
      return { url: `http://127.0.0.1:${port}/mcp`, how: `mcp-proxy ${bins['mcp-proxy'].version} --port PORT --host 127.0.0.1 --server stream -- node server-everything stdio` };
    },
  };
  const how = {};
  for (const [name, start] of Object.entries(starters)) {
    try {
      const { url, how: command } = await start();
      clients[name] = await connect(url);
      how[name] = command;
    } catch (error) {
      failures[name] = `could not front the server: ${error.message.split('\n')[0]}${error.cause?.code ? ` (${error.cause.code})` : ''}`;
    }
  }
  try {
    if (!clients['mcp-tap']) throw new Error(`mcp-tap itself ${failures['mcp-tap']}`);
    await interleaved(clients, calls, 20, failures);
    const times = await interleaved(clients, calls, N, failures);
    const measured = Object.keys(clients).filter((name) => !failures[name]);
    for (const call of Object.keys(calls)) {
      const p = (who, q) => pct(times[who][call], q);
      row(section, `${call}: p50 ${measured.join(' / ')}`, measured.map((who) => fmt(p(who, 0.5))).join(' / '));
      row(section, `${call}: p99 ${measured.join(' / ')}`, measured.map((who) => fmt(p(who, 0.99))).join(' / '));
      const others = measured.filter((who) => who !== 'mcp-tap');
      if (others.length > 0) row(section, `${call}: p50 ÷ mcp-tap p50 (${others.join(' / ')})`, others.map((who) => (p(who, 0.5) / p('mcp-tap', 0.5)).toFixed(2)).join(' / '));
    }
    for (const name of Object.keys(how)) notes.push(`Peers: ${name} ran as \`${how[name]}\` (Streamable HTTP on loopback, the SDK client).`);
  } finally {
    for (const [name, reason] of Object.entries(failures)) {
      log(`peers: ${name}: ${reason}`);
      notes.push(`Peers: ${name} is not in the table: ${reason}.`);
    }
    await Promise.all(Object.values(clients).map((c) => c.close().catch(() => undefined)));
    for (const child of children) child.kill('SIGTERM');
  }
}

const INITIALIZE = `${JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'b', version: '1' } } })}\n`;

/** Spawns a stdio hop, sends initialize and resolves once it is answered, with the child and its lines. */
async function initialized(args) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout });
  child.stdin.write(INITIALIZE);
  await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before answering initialize`)));
  });
  child.removeAllListeners('exit');
  const stop = async () => {
    child.stdin.end();
    if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  };
  return { child, lines, stop };
}

/** Pipelined requests through a stdio hop to the fast echo server; returns messages per second. */
async function pipelined(args, count) {
  // The clock starts once the hop is up and answering, so process start-up is not counted.
  const { child, lines, stop } = await initialized(args);
  let answered = 0;
  const done = new Promise((resolve) => lines.on('line', () => ++answered === count && resolve()));
  const start = performance.now();
  const batch = [];
  for (let i = 1; i <= count; i++) batch.push(`${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'echo', arguments: { i } } })}\n`);
  child.stdin.write(batch.join(''));
  await done;
  const seconds = (performance.now() - start) / 1000;
  await stop();
  return (count * 2) / seconds;
}

/** Spawns a stdio path and times it until initialize is answered; returns ms and the hop's RSS then. */
async function startedIn(args) {
  const start = performance.now();
  const { child, stop } = await initialized(args);
  const ms = performance.now() - start;
  let rssKb;
  try {
    rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]);
  } catch {
    // No /proc here.
  }
  await stop();
  return { ms, rssKb };
}

/**
 * What a client waits for when it starts a server through the hop (an MCP client does so at its
 * own start), and the hop's memory when it is up.
 */
async function startup() {
  const runs = quick ? 3 : 7;
  log(`start-up: ${runs} starts of each path`);
  const server = [EVERYTHING, 'stdio'];
  const paths = {
    direct: server,
    relay: [join(here, 'relay.mjs'), process.execPath, ...server],
    'mcp-tap': [CLI, 'record', '-q', '--store', join(dir, 'startup.db'), '--', process.execPath, ...server],
  };
  const results = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const name of shuffled(Object.keys(paths))) results[name].push(await startedIn(paths[name]));
  const median = (name, key) => pct(results[name].map((r) => r[key]), 0.5);
  row('start-up, stdio', 'spawn to initialize answered, median: direct / relay / mcp-tap', ['direct', 'relay', 'mcp-tap'].map((k) => fmt(median(k, 'ms'))).join(' / '));
  row('start-up, stdio', 'added by the hop: relay / mcp-tap', `${fmt(median('relay', 'ms') - median('direct', 'ms'))} / ${fmt(median('mcp-tap', 'ms') - median('direct', 'ms'))}`);
  if (results.relay.every((r) => r.rssKb)) row('start-up, stdio', 'RSS of the hop process once up: relay / mcp-tap', `${(median('relay', 'rssKb') / 1024).toFixed(0)} MB / ${(median('mcp-tap', 'rssKb') / 1024).toFixed(0)} MB`);
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

/**
 * Sends `count` pair requests one after the other through a stdio hop and counts the answers the
 * client read in the same chunk as their progress notification (which the MCP SDK client then
 * drops): what the server wrote apart should stay apart, what it wrote together stay together.
 */
async function pairsReadTogether(args, count, together) {
  const { child } = await initialized(args);
  let readTogether = 0;
  let answered = 0;
  let next;
  child.stdout.removeAllListeners('data');
  let buffered = '';
  child.stdout.on('data', (chunk) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop();
    let sawProgress = false;
    for (const line of lines) {
      if (line.includes('notifications/progress')) sawProgress = true;
      else if (line.includes('"result"')) {
        if (sawProgress) readTogether++;
        answered++;
        next?.();
      }
    }
  });
  for (let i = 1; i <= count; i++) {
    const done = new Promise((resolve) => (next = resolve));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: i, method: 'pair', params: { together } })}\n`);
    await done;
  }
  child.stdin.end();
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  return { readTogether, answered };
}

/** The wire section: message boundaries kept on stdio, by the paths side by side. */
async function wire() {
  const count = quick ? 300 : 3000;
  log(`wire: ${count} progress + answer pairs, written apart and together`);
  const server = [process.execPath, join(here, 'pair-server.mjs')];
  const paths = {
    direct: server.slice(1),
    relay: [join(here, 'relay.mjs'), ...server],
    'mcp-tap': [CLI, 'record', '-q', '--store', join(dir, 'wire.db'), '--', ...server],
  };
  for (const together of [false, true]) {
    const results = {};
    for (const name of shuffled(Object.keys(paths))) results[name] = await pairsReadTogether(paths[name], count, together);
    const names = Object.keys(paths);
    row('wire, stdio', `pairs written ${together ? 'in one write' : 'in two writes'}, read in one chunk by the client: ${names.join(' / ')}`, names.map((n) => `${((results[n].readTogether / results[n].answered) * 100).toFixed(1)} %`).join(' / '));
  }
  notes.push(
    'The wire section: how often a client reads a progress notification in the same chunk as its answer (the MCP SDK client then drops the notification). mcp-tap writes what it read in one chunk in one write and what it read apart apart; a hop that reads later than the client would finds both writes of a pair in the pipe more often, which shows here as a higher share than direct. Batched input keeps one write per read: see the throughput section.',
  );
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
  // A real 50-rule rules file, loaded as --rules loads it; no rule matches the message, as for most traffic.
  const rulesFile = join(dir, 'rules.yaml');
  const actions = ['action: block, reason: x', 'action: mock, result: { text: "{{params.name}}" }', 'action: delay, ms: 1', 'action: modify, merge: { params: { x: 1 } }'];
  writeFileSync(rulesFile, `rules:\n${Array.from({ length: 50 }, (_, i) => `  - { match: "~m tools/call & ~t tool-${i} | ~m resources/read-${i}", ${actions[i % actions.length]} }\n`).join('')}`);
  chain.register(new RulesInterceptor(loadRulesFile(rulesFile).rules));
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
  notes.push('The chain benchmark loads the built-in interceptors plus a real 50-rule rules file (through the --rules loader and RulesInterceptor), none of whose filters matches the message, as for most traffic.');
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
  let maxBacklog = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    recorder.record({ sessionId: 's', transport: 'stdio', direction: 's2c', at: performance.now(), text, message, summary, action: 'continue', flags: [] });
    maxBacklog = Math.max(maxBacklog, recorder.backlogBytes);
  }
  const dropped = recorder.dropped;
  recorder.close();
  const seconds = (performance.now() - start) / 1000;
  store.close();
  row('recording', 'frames/s into the SQLite tape (batched, redaction on)', (count / seconds).toFixed(0), 'tens of thousands', count / seconds > 20_000 ? 'met' : 'missed');
  // The recorder writes from timers only, never inside a message's handling, so this synchronous
  // loop fills its backlog; what bounds it is the byte budget (frames past it are dropped, the gap marked).
  row('recording', 'largest backlog to the recorder; frames dropped', `${(maxBacklog / 1048576).toFixed(1)} MiB; ${dropped}`, `≤ ${DEFAULT_MAX_BACKLOG_BYTES / 1048576} MiB; 0`, maxBacklog <= DEFAULT_MAX_BACKLOG_BYTES && dropped === 0 ? 'met' : 'missed');
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
const startLoad = loadavg()[0];
// --only=http,peers runs just those sections (for development; RESULTS.md is not written then).
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const sections = { stdio: stdioLatency, http: httpLatency, peers, startup, throughput, wire, chain: chainOverhead, recording, sessions: sessionScale };
for (const [name, run] of Object.entries(sections)) if (!only || only.includes(name)) await run();
rmSync(dir, { recursive: true, force: true });

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
const command = quick ? 'npm run bench:quick' : 'npm run bench';
const table = ['| section | measure | result | target | |', '| --- | --- | --- | --- | --- |', ...rows.map((r) => `| ${r.section} | ${r.what} | ${r.value} | ${r.target} | ${r.verdict} |`)];
const report = [
  `# Benchmark results${quick ? ' (quick run)' : ''}`,
  '',
  `- machine: ${machine}`,
  `- command: \`${command}\` (${((Date.now() - started) / 1000).toFixed(0)} s), ${new Date().toISOString().slice(0, 10)}`,
  `- latency: ${N} rounds of each call on each path, interleaved, the paths in a new random order each round; HTTP sessions: ${SESSIONS}`,
  `- load average (1 min) at the start / end: ${startLoad.toFixed(2)} / ${loadavg()[0].toFixed(2)} on ${cpus().length} cores${Math.max(startLoad, loadavg()[0]) > cpus().length / 2 ? ' (a loaded machine: absolute times are inflated; read the ratios)' : ''}`,
  '',
  ...table,
  '',
  ...notes.map((n) => `- ${n}`),
  '',
  // What was changed after earlier runs, with before/after figures: kept by hand in bench/changes.md.
  ...(existsSync(join(here, 'changes.md')) ? [readFileSync(join(here, 'changes.md'), 'utf8').trimEnd(), ''] : []),
].join('\n');
if (!quick && !only) writeFileSync(join(here, 'RESULTS.md'), `${report}\n`);
console.log(table.join('\n'));
if (quick) console.log('\n(quick run: bench/RESULTS.md is written by the full run, npm run bench)');
