// What a UI costs the proxy under a burst: 20,000 tools/call (8 in flight at a time) from the SDK
// client through `mcp-tap record` to server-everything, with no UI, with `mcp-tap attach` in
// another process, with `--tui` in the proxy's own process, and with the browser console
// (`--web`, the page open in chromium and showing the live list). Run on its own (not part of
// `npm run bench`): node bench/tui-burst.mjs [--calls 20000] [--rounds 5] [--modes none,attach,tui,web]
//
// For `web`, the page is also scrolled through the list it holds after the burst, and the frames
// the browser drew meanwhile are timed (median and worst), with the number of rows listed.
//
// Each UI needs a terminal, so every run happens inside a tmux pane of a private tmux server:
// this script starts `node bench/tui-burst.mjs --drive MODE ...` in the pane, which spawns the
// proxy (its stdio piped to the SDK client; /dev/tty is the pane) and, for `attach`, the attach
// UI on the pane. The modes run interleaved in a shuffled order each round, so machine noise hits
// them alike: compare the ratios to "no UI" within one run.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const CLI = join(root, 'bin', 'mcp-tap.js');
const EVERYTHING = join(root, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : process.argv[at + 1];
};
const CALLS = Number(arg('calls', '20000'));
const CONCURRENCY = Number(arg('concurrency', '8'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (process.argv.includes('--drive')) await drive(arg('drive'), arg('out'), arg('socket'), arg('pane'));
else await orchestrate();

/** Inside the pane: one proxy, one client, the burst; the elapsed time goes to `out` as JSON. */
async function drive(mode, out, socket, pane) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tap-tui-burst-'));
  const stateDir = join(dir, 'state');
  const env = { ...process.env, MCP_TAP_STATE_DIR: stateDir };
  const screen = () => execFileSync('tmux', ['-L', socket, 'capture-pane', '-p', '-t', pane], { encoding: 'utf8' });
  const untilScreen = async (test, what) => {
    const deadline = Date.now() + 30_000;
    while (!test(screen())) {
      if (Date.now() > deadline) throw new Error(`no ${what} on the pane`);
      await sleep(100);
    }
  };
  let attach;
  let browser;
  try {
    const args = [CLI, 'record', '-q', '--store', join(dir, 'tapes.db'), ...(mode === 'tui' ? ['--tui'] : []), ...(mode === 'web' ? ['--web'] : []), '--', process.execPath, EVERYTHING, 'stdio'];
    const transport = new StdioClientTransport({ command: process.execPath, args, env, stderr: mode === 'web' ? 'pipe' : 'ignore' });
    let stderr = '';
    transport.stderr?.on('data', (chunk) => (stderr += chunk.toString()));
    const client = new Client({ name: 'tui-burst', version: '1.0.0' }, { capabilities: {} });
    await client.connect(transport);
    if (mode === 'attach') {
      for (let i = 0; i < 200 && (!existsSync(stateDir) || readdirSync(stateDir).length === 0); i++) await sleep(50);
      attach = spawn(process.execPath, [CLI, 'attach'], { env, stdio: 'inherit' });
    }
    let page;
    if (mode === 'web') ({ browser, page } = await openPage(() => /web console: (\S+)/.exec(stderr)?.[1]));
    else if (mode !== 'none') await untilScreen((text) => text.includes('breakpoints'), 'UI');
    await client.callTool({ name: 'echo', arguments: { message: 'warm-up' } });
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < CALLS) {
        next++;
        await client.callTool({ name: 'echo', arguments: { message: `call ${next}` } });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsedMs = performance.now() - started;
    const scrolled = page ? await scrollThrough(page) : undefined;
    await client.close();
    writeFileSync(out, JSON.stringify({ mode, elapsedMs, scrolled }));
  } catch (error) {
    writeFileSync(out, JSON.stringify({ mode, error: error.message }));
  } finally {
    attach?.kill('SIGTERM');
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Debian's chromium, headless, on the console's address once the proxy has printed it; resolves when the page is live. */
async function openPage(address) {
  const { chromium } = await import('playwright-core');
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  let url;
  for (let i = 0; i < 200 && !(url = address()); i++) await sleep(50);
  if (!url) throw new Error('the proxy printed no web console address');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(url);
  await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 30_000 });
  return { browser, page };
}

/** After the burst: the rows the page lists, and how long the browser's frames took while the list was scrolled top to bottom. */
async function scrollThrough(page) {
  await sleep(1500);
  const rows = Number((await page.locator('text=/\\d+ shown/').innerText()).split(' ')[0]);
  const frames = await page.evaluate(`(async () => {
    const list = document.querySelector('[data-testid=exchange-list]');
    const times = [];
    let last = performance.now();
    for (let step = 0; step <= 100; step++) {
      list.scrollTop = (list.scrollHeight - list.clientHeight) * (step / 100);
      await new Promise((resolve) => requestAnimationFrame(resolve));
      const now = performance.now();
      times.push(now - last);
      last = now;
    }
    return times;
  })()`);
  const sorted = [...frames].sort((a, b) => a - b);
  return { rows, medianFrameMs: median(frames), worstFrameMs: sorted[sorted.length - 1] };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function orchestrate() {
  const rounds = Number(arg('rounds', '5'));
  const socket = `mcp-tap-tui-burst-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tap-tui-burst-'));
  const tmux = (...args) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const modes = arg('modes', 'none,attach,tui').split(',');
  const times = Object.fromEntries(modes.map((mode) => [mode, []]));
  const scrolls = [];
  const load = [loadavg()[0]];
  const log = (line) => process.stderr.write(`${line}\n`);
  log(`${CALLS} calls, ${CONCURRENCY} at a time, ${rounds} rounds; ${cpus().length} CPUs, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  try {
    // A session that outlives the runs, so the tmux server does not exit between them.
    tmux('new-session', '-d', '-s', 'keep', 'sleep 86400');
    for (let round = 1; round <= rounds; round++) {
      const order = Object.keys(times).sort(() => Math.random() - 0.5);
      for (const mode of order) {
        const pane = `run-${round}-${mode}`;
        const out = join(dir, `${pane}.json`);
        // CI=... makes Ink print only a final frame; a person's terminal has no such variable.
        const command = `env -u CI -u CONTINUOUS_INTEGRATION '${process.execPath}' '${fileURLToPath(import.meta.url)}' --drive ${mode} --out '${out}' --socket ${socket} --pane ${pane} --calls ${CALLS} --concurrency ${CONCURRENCY}`;
        tmux('new-session', '-d', '-x', '160', '-y', '45', '-s', pane, '-c', root, command);
        const deadline = Date.now() + 10 * 60_000;
        while (!existsSync(out) && Date.now() < deadline) await sleep(200);
        try {
          tmux('kill-session', '-t', pane);
        } catch {
          // The pane ended with its command.
        }
        const result = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : { mode, error: 'timed out' };
        if (result.error) throw new Error(`${mode}, round ${round}: ${result.error}`);
        times[mode].push(result.elapsedMs);
        if (result.scrolled) scrolls.push(result.scrolled);
        log(`round ${round} ${mode.padEnd(6)} ${(result.elapsedMs / 1000).toFixed(2)} s${result.scrolled ? ` (page: ${result.scrolled.rows} rows, scrolled at ${result.scrolled.medianFrameMs.toFixed(1)} ms a frame, worst ${result.scrolled.worstFrameMs.toFixed(1)} ms)` : ''}`);
      }
      load.push(loadavg()[0]);
    }
  } finally {
    try {
      tmux('kill-server');
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(times[modes[0]]);
  const labels = { none: 'no UI', attach: '`mcp-tap attach`', tui: '`--tui`', web: '`--web`, page open' };
  console.log(`| UI | median of ${rounds} | calls/s | each run | ÷ ${labels[modes[0]]} |`);
  console.log('| --- | --- | --- | --- | --- |');
  for (const mode of modes) {
    const values = times[mode];
    console.log(`| ${labels[mode] ?? mode} | ${(median(values) / 1000).toFixed(2)} s | ${Math.round(CALLS / (median(values) / 1000))} | ${values.map((v) => (v / 1000).toFixed(1)).join(', ')} s | ${(median(values) / base).toFixed(2)} |`);
  }
  for (const s of scrolls) console.log(`\npage after the burst: ${s.rows} rows listed; scrolled top to bottom in 100 steps, a frame took ${s.medianFrameMs.toFixed(1)} ms (median), ${s.worstFrameMs.toFixed(1)} ms at worst`);
  console.log(`\nload average (1 min) during the run: ${load.map((l) => l.toFixed(2)).join(' → ')} on ${cpus().length} CPUs`);
}
