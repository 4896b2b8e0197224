/**
 * The web console in a real browser (Debian's chromium, driven by playwright-core), on real
 * proxies and real peers: `mcp-tap record --web` between the SDK client and server-everything
 * (rows paired as they happen; a breakpoint set in the page holds the next call; an edit made in
 * the page reaches the server and the client gets its answer; a drop gives the client the error;
 * a mock saved as a rule answers the next call; re-send makes a new exchange, marked; a tape is
 * imported, opened, diffed and exported; hostile markup stays text; the token, Host and Origin
 * are enforced), and `mcp-tap web` finding a proxy of the SDK v2 peers speaking MCP 2026-07-28 (a
 * multi round-trip call as its rounds, a listen stream and what it delivered).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Page } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { TapeStore } from '../src/tape/store.js';
import { launchBrowser, type TestBrowser } from './support/browser.js';
import { recordModernScenario } from './support/eras.js';
import { runCli } from './support/cli.js';
import { CLI, EVERYTHING, ROOT, tempDir } from './support/paths.js';
import { until } from './support/wait.js';

vi.setConfig({ testTimeout: 60_000 });

const dir = tempDir('mcp-tap-web-');
const children: ChildProcess[] = [];
let browser: TestBrowser;
let page: Page;
/** What the page's own CSP reported as violated, and whether any script a peer wrote ran. */
const violations: string[] = [];
const dialogs: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.page();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.exposeFunction('reportViolation', (text: string) => violations.push(text));
  // Runs in the page (a string: the tests are compiled without the DOM's types).
  await page.addInitScript("document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : String(e.target)) + ' ' + e.sample + ' at ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber))");
}, 60_000);

// A test that failed with a dialog open must not leave it over the next test's page.
afterEach(async () => {
  if (page && (await page.locator('.dialog').count()) > 0) await page.keyboard.press('Escape');
});

afterAll(async () => {
  await browser?.close();
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

const HOSTILE = '<img src=x onerror="window.__pwned=1;alert(1)">';
const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;
const list = () => page.getByTestId('exchange-list');
/** The exchange rows (events have no key) that hold `text`. */
const row = (text: string | RegExp) => list().locator('.row[data-key]', { hasText: text });

/** An HTTP request to the console with exactly these headers; resolves with the status. */
function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, setHost: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket upgrade to the console with these headers: the status it was refused with, or 101. */
function upgrade(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, setHost: false } as WebSocket.ClientOptions);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}

/**
 * Replaces the editor's whole text as a person does: select all, then type (as text input, which
 * the editor takes itself; a DOM fill would have the browser's own editing insert styled markup,
 * which the page's policy rightly refuses). One line: typed-in indentation arrives as no-break
 * spaces, which JSON does not take.
 */
async function fillEditor(text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
  await expect.poll(() => editorText()).toBe(text);
}

async function editorText(): Promise<string> {
  return (await page.locator('.cm-content .cm-line').allTextContents()).join('\n');
}

describe('mcp-tap record --web, with the SDK client and server-everything', () => {
  const store = join(dir, 'record.db');
  const rules = join(dir, 'rules.yaml');
  const stateDir = join(dir, 'state-record');
  let client: Client;
  let url: string;
  let origin: string;
  let cookie: string;

  beforeAll(async () => {
    writeFileSync(rules, '# rules the console saves to\nrules: []\n');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'record', '-q', '--store', store, '--name', 'web', '--rules', rules, '--pause-timeout', '60', '--web', '--', process.execPath, EVERYTHING, 'stdio'],
      env: { ...(process.env as Record<string, string>), MCP_TAP_STATE_DIR: stateDir },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    client = new Client({ name: 'web-e2e', version: '1.0.0' });
    await client.connect(transport);
    url = await until(() => /web console: (\S+)/.exec(stderr)?.[1], 'the console address on stderr', 15_000);
    origin = new URL(url).origin;
  }, 60_000);

  afterAll(async () => {
    await client?.close();
  });

  it('opens with the token once, then a cookie, and lists every exchange paired as it happens', async () => {
    await client.listTools();
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hello' } }))).toBe('Echo: hello');
    await page.goto(url);
    // The token leaves the address bar; the cookie carries it, HttpOnly and SameSite=Strict.
    expect(page.url()).toBe(`${origin}/`);
    const cookies = await browser.context.cookies(origin);
    expect(cookies).toEqual([expect.objectContaining({ httpOnly: true, sameSite: 'Strict', value: new URL(url).searchParams.get('token') })]);
    cookie = `${cookies[0]!.name}=${cookies[0]!.value}`;
    await expect.poll(() => row('tools/call echo').first().innerText(), { timeout: 10_000 }).toMatch(/tools\/call echo[\s\S]*ok[\s\S]*ms/);
    await expect.poll(() => row('tools/list').first().innerText()).toMatch(/ok/);
    await expect.poll(() => page.getByTestId('connection').innerText()).toBe('live');
    // A call made now appears by itself, paired with its answer.
    expect(textOf(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }))).toContain('5');
    await expect.poll(() => row('tools/call get-sum').first().innerText()).toMatch(/ok/);
    await row('tools/call echo').first().click();
    const detail = page.getByTestId('detail');
    await expect.poll(() => detail.innerText()).toContain('"Echo: hello"');
    expect(await detail.innerText()).toContain('"message": "hello"');
    await expect.poll(() => page.getByTestId('status-bar').innerText()).toMatch(/record server-everything[\s\S]*tape web[\s\S]*1 session/);
    await browser.shot(page, 'traffic');
  });

  it('a breakpoint set in the page holds the next call; an edit made there reaches the server and the client gets its answer', async () => {
    await page.getByTestId('breakpoint-input').fill('~t echo & ~k request');
    await page.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => page.getByTestId('breakpoints').innerText()).toContain('~t echo & ~k request');
    const call = client.callTool({ name: 'echo', arguments: { message: 'original' } });
    const held = page.getByTestId('held-list').locator('.held').first();
    await held.waitFor({ timeout: 10_000 });
    expect(await held.innerText()).toMatch(/#\d+ → tools\/call echo[\s\S]*left \d+[sm]/);
    await expect.poll(() => row(/tools\/call echo/).last().innerText()).toContain('HELD');
    await held.getByRole('button', { name: 'Edit' }).click();
    const original = JSON.parse(await editorText()) as { params: { arguments: { message: unknown } } };
    expect(original.params.arguments.message).toBe('original');
    // Arguments the tool's inputSchema refuses keep the edit from going.
    original.params.arguments.message = 42;
    await fillEditor(JSON.stringify(original));
    await expect.poll(() => page.getByTestId('problems').innerText()).toMatch(/arguments\.message: .*inputSchema of echo/);
    expect(await page.getByRole('button', { name: 'Send edited' }).isDisabled()).toBe(true);
    await browser.shot(page, 'editor');
    original.params.arguments.message = 'edited in the page';
    await fillEditor(JSON.stringify(original));
    await expect.poll(() => page.getByTestId('problems').innerText()).toBe('valid');
    await page.getByRole('button', { name: 'Send edited' }).click();
    expect(textOf(await call)).toBe('Echo: edited in the page');
    // The exchange stays where it arrived, edited; the detail shows what changed.
    await row('edited').first().click();
    await expect.poll(() => page.getByTestId('original-diff').innerText()).toMatch(/- +"message": "original"[\s\S]*\+ +"message": "edited in the page"/);
    await browser.shot(page, 'edited');
  });

  it('a drop gives the client the error, with the reason', async () => {
    const call = client.callTool({ name: 'echo', arguments: { message: 'drop me' } }).then(
      () => undefined,
      (error: { code?: number; message: string }) => error,
    );
    const held = page.getByTestId('held-list').locator('.held').first();
    await held.waitFor({ timeout: 10_000 });
    // The edited call beside what it was, and this one waiting with its countdown: the README's picture.
    await row('edited').first().click();
    await page.getByTestId('original-diff').waitFor();
    await browser.shot(page, 'held');
    await held.getByRole('button', { name: 'Drop…' }).click();
    await held.getByLabel('drop reason').fill('not today');
    await held.getByRole('button', { name: 'Drop', exact: true }).click();
    const error = await call;
    expect(error).toMatchObject({ code: -32006 });
    expect(error!.message).toContain('not today');
    await expect.poll(() => row('dropped').first().innerText()).toMatch(/tools\/call echo[\s\S]*dropped -32006/);
  });

  it('a mock answers the held call, and saved as a rule it answers the next one without a person', async () => {
    const call = client.callTool({ name: 'echo', arguments: { message: 'mock me' } });
    const held = page.getByTestId('held-list').locator('.held').first();
    await held.waitFor({ timeout: 10_000 });
    await held.getByRole('button', { name: 'Mock' }).click();
    const template = JSON.parse(await editorText()) as { content: { text: string }[] };
    template.content[0]!.text = 'answered by the page';
    await fillEditor(JSON.stringify(template));
    await page.getByRole('button', { name: 'Answer with this' }).click();
    expect(textOf(await call)).toBe('answered by the page');
    await page.getByRole('button', { name: 'Save as rule' }).click();
    await expect.poll(() => page.getByTestId('status-line').innerText()).toContain(`added to ${rules}`);
    expect(readFileSync(rules, 'utf8')).toMatch(/# rules the console saves to[\s\S]*match: ~k request & ~t echo\n\s+action: mock/);
    // The breakpoint goes; the proxy re-reads its rules file, and the rule answers.
    await page.getByRole('button', { name: /remove breakpoint/ }).click();
    await expect.poll(() => page.getByTestId('breakpoints').innerText()).toContain('none');
    await expect.poll(async () => textOf(await client.callTool({ name: 'echo', arguments: { message: 'anyone?' } })), { timeout: 10_000 }).toBe('answered by the page');
    writeFileSync(rules, 'rules: []\n');
    await expect.poll(async () => textOf(await client.callTool({ name: 'echo', arguments: { message: 'real again' } })), { timeout: 10_000 }).toBe('Echo: real again');
  });

  it('re-sends a recorded request through the proxy: a new exchange, marked, selected, and the client never sees it', async () => {
    await row('tools/call get-sum').first().click();
    await page.getByTestId('resend').click();
    await expect.poll(() => page.getByTestId('detail-marks').innerText(), { timeout: 10_000 }).toContain('resent');
    expect(await page.getByTestId('detail').innerText()).toContain('The sum of 2 and 3 is 5');
    await expect.poll(() => row('resent').count()).toBe(1);
    expect(await page.getByTestId('status-line').innerText()).toMatch(/re-sent tools\/call get-sum as id "mcp-tap-\d+"/);
    // The command the page copies does the same from a shell.
    await page.getByRole('button', { name: 'Copy as mcp-tap' }).click();
    const copied = (await page.evaluate('navigator.clipboard.readText()')) as string;
    expect(copied).toMatch(/^mcp-tap send [0-9a-f]{6} --conversation '[^']+' '\{.*"method":"tools\/call"/);
    const [, proxyId, conversation, body] = /^mcp-tap send (\S+) --conversation '([^']+)' '(.*)'$/.exec(copied)!;
    const sent = await runCli(['send', proxyId!, '--conversation', conversation!, body!], { env: { MCP_TAP_STATE_DIR: stateDir } });
    expect(sent.stderr).toBe('');
    expect(JSON.parse(sent.stdout)).toMatchObject({ result: { content: [{ text: 'The sum of 2 and 3 is 5.' }] } });
    await expect.poll(() => row('resent').count()).toBe(2);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'still fine' } }))).toBe('Echo: still fine');
    await browser.shot(page, 'resent');
  });

  it('shows a hostile name and hostile text as text: no element, no script, no CSP violation', async () => {
    await client.callTool({ name: HOSTILE, arguments: {} }).catch(() => undefined);
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: HOSTILE } }))).toBe(`Echo: ${HOSTILE}`);
    await expect.poll(() => row(`tools/call ${HOSTILE}`).count()).toBe(1);
    await row(`tools/call ${HOSTILE}`).click();
    await expect.poll(() => page.getByTestId('detail-title').innerText()).toBe(`→ tools/call ${HOSTILE}`);
    // The filter finds the echo of it (the list draws only the rows in view).
    await page.getByTestId('filter').fill('~t echo & ~b pwned');
    await page.getByTestId('filter').press('Enter');
    await expect.poll(() => row('tools/call echo').count()).toBe(1);
    await row('tools/call echo').click();
    await expect.poll(() => page.getByTestId('detail').innerText()).toContain(`Echo: ${HOSTILE.replace(/"/g, '\\"')}`);
    await browser.shot(page, 'hostile');
    await page.getByTestId('filter').fill('');
    await page.getByTestId('filter').press('Enter');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__pwned')).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('refuses a request without the token, a look-alike Origin and a foreign Host, over HTTP and WebSocket', async () => {
    const host = new URL(origin).host;
    const ws = `ws://${host}/ws`;
    expect(await get(`${origin}/`, { Host: host })).toBe(401);
    expect(await get(`${origin}/app.js`, { Host: host, Cookie: `${cookie.split('=')[0]}=${'0'.repeat(64)}` })).toBe(401);
    expect(await get(`${origin}/app.js`, { Host: host, Cookie: cookie })).toBe(200);
    expect(await get(`${origin}/app.js`, { Host: `evil.example:${new URL(origin).port}`, Cookie: cookie })).toBe(403);
    expect(await get(`${origin}/app.js`, { Host: host, Cookie: cookie, Origin: `http://127.0.0.1.evil.example:${new URL(origin).port}` })).toBe(403);
    // Another page on this machine is same-site for the cookie, but not this console's origin.
    expect(await get(`${origin}/app.js`, { Host: host, Cookie: cookie, Origin: 'http://127.0.0.1:1' })).toBe(403);
    expect(await upgrade(ws, { Host: host, Origin: origin })).toBe(401);
    expect(await upgrade(ws, { Host: host, Origin: `http://localhost.evil.example:${new URL(origin).port}`, Cookie: cookie })).toBe(403);
    expect(await upgrade(ws, { Host: `evil.example:${new URL(origin).port}`, Origin: origin, Cookie: cookie })).toBe(403);
    expect(await upgrade(ws, { Host: host, Cookie: cookie })).toBe(403);
    expect(await upgrade(ws, { Host: host, Origin: origin, Cookie: cookie })).toBe(101);
    const response = await page.request.get(`${origin}/`);
    const csp = response.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src ${ws}`);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('imports a tape, opens it as a timeline, diffs it as tapes diff does, and exports it', async () => {
    await page.getByRole('button', { name: 'Tapes' }).click();
    await expect.poll(() => page.getByTestId('tape-list').innerText()).toContain('web');
    await page.getByLabel('import name').fill('sample');
    await page.getByTestId('import-file').setInputFiles(join(ROOT, 'tapes', 'everything-sample.json'));
    await expect.poll(() => page.getByTestId('status-line').innerText()).toMatch(/imported "sample" \(\d+ frames\)/);
    await page.getByTestId('tape-search').fill('sample');
    await expect.poll(() => page.getByTestId('tape-list').locator('li').count()).toBe(1);
    await page.getByTestId('tape-list').getByRole('button', { name: 'sample' }).click();
    await expect.poll(() => page.getByTestId('tape-title').innerText()).toBe('sample');
    await expect.poll(() => page.getByTestId('timeline').innerText()).toMatch(/client → server[\s\S]*initialize[\s\S]*tools\/call/);
    await page.getByRole('button', { name: 'Latency by method' }).click();
    await expect.poll(() => page.getByTestId('latency-table').innerText()).toMatch(/tools\/list/);
    await page.getByTestId('diff-with').selectOption('web');
    await page.getByTestId('run-diff').click();
    const shown = await page.getByTestId('tape-diff').innerText();
    const cli = await runCli(['tapes', 'diff', 'sample', 'web', '--store', store]);
    expect(cli.code).toBe(1);
    expect(shown.trim().split('\n')).toEqual(cli.stdout.trim().split('\n'));
    await browser.shot(page, 'tape-diff');
    await page.getByRole('button', { name: 'Timeline' }).click();
    await page.getByTestId('timeline').locator('.lane-row', { hasText: 'tools/call' }).first().click();
    await expect.poll(() => page.getByTestId('detail').innerText()).toMatch(/request from the client/);
    await browser.shot(page, 'tape-timeline');
    const download = page.waitForEvent('download');
    await page.getByTestId('tape-list').locator('li', { hasText: 'sample' }).getByRole('button', { name: 'Export JSON' }).click();
    const file = await (await download).path();
    const exported = JSON.parse(readFileSync(file, 'utf8')) as { format: string; tape: { name: string }; frames: unknown[] };
    expect(exported).toMatchObject({ format: 'mcp-tap/tape', tape: { name: 'sample' } });
    const reader = TapeStore.open(store, { readonly: true });
    try {
      expect(exported.frames).toHaveLength(reader.requireTape('sample').frameCount);
    } finally {
      reader.close();
    }
    await page.getByRole('button', { name: 'Traffic' }).click();
  });
});

describe('mcp-tap web, with the SDK v2 peers speaking MCP 2026-07-28', () => {
  it('finds the proxy, and shows a multi round-trip call as its rounds and a listen stream with what it delivered', async () => {
    const stateDir = join(dir, 'state-modern');
    const { port, child: proxy } = await recordModernScenario(join(dir, 'modern.db'), stateDir);
    children.push(proxy);

    const web = spawn(process.execPath, [CLI, 'web', '--store', join(dir, 'modern.db')], { env: { ...process.env, MCP_TAP_STATE_DIR: stateDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(web);
    let out = '';
    web.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const address = await until(() => /^(http:\S+)$/m.exec(out)?.[1], 'mcp-tap web to print its address', 15_000);
    await page.goto(address);
    await expect.poll(() => page.getByTestId('proxy-picker').innerText(), { timeout: 10_000 }).toContain('record ');
    await expect.poll(() => row('resources/read counter://value').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await row('tools/call confirm').first().innerText()).toMatch(/input required · round 1/);
    expect(await row('tools/call confirm').nth(1).innerText()).toMatch(/ok · round 2/);
    expect(await row('subscriptions/listen').first().innerText()).toMatch(/stream closed · \d+ sent/);
    expect(await row('tools/call count').first().innerText()).toMatch(/ok · 3 notes/);
    await row('tools/call confirm').nth(1).click();
    await expect.poll(() => page.getByTestId('detail-rounds').innerText()).toMatch(/round 2 · after the round before/);
    await page.getByTestId('detail-rounds').getByRole('button', { name: /the round before/ }).click();
    await expect.poll(() => page.getByTestId('detail-outcome').innerText()).toBe('input required');
    await row('subscriptions/listen').first().click();
    await expect.poll(() => page.getByTestId('detail-stream').innerText()).toMatch(/acknowledged, \d+ notification\(s\) delivered/);
    // Served over HTTP: the request can be copied as curl, with the headers a 2026-07-28 request carries.
    await row('tools/call echo').first().click();
    await page.getByRole('button', { name: 'Copy as curl' }).click();
    const curl = (await page.evaluate('navigator.clipboard.readText()')) as string;
    expect(curl).toContain(`'http://127.0.0.1:${port}/mcp'`);
    expect(curl).toContain("-H 'Mcp-Method: tools/call' -H 'Mcp-Name: echo'");
    await browser.shot(page, 'modern');

    // A call composed from the tool's inputSchema, in the conversation's envelope.
    await page.getByTestId('compose').click();
    await page.getByRole('dialog', { name: 'call which tool?' }).getByRole('button', { name: /^echo/ }).click();
    const composed = JSON.parse(await editorText()) as { params: { arguments: { message: string }; _meta: Record<string, unknown> } };
    expect(composed.params.arguments).toEqual({ message: '' });
    expect(composed.params._meta['io.modelcontextprotocol/protocolVersion']).toBe('2026-07-28');
    composed.params.arguments.message = 'composed in the page';
    await fillEditor(JSON.stringify(composed));
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await expect.poll(() => page.getByTestId('detail').innerText(), { timeout: 10_000 }).toContain('echo: composed in the page');
    expect(await page.getByTestId('detail-marks').innerText()).toContain('resent');

    // The proxy ends: the page says so, keeps what it showed, and the list of proxies follows.
    proxy.kill('SIGTERM');
    await expect.poll(() => page.getByTestId('connection').innerText(), { timeout: 10_000 }).toBe('not watching');
    expect(await page.getByTestId('status-line').innerText()).toMatch(/proxy [0-9a-f]{6} is gone/);
    await expect.poll(() => page.getByTestId('proxy-picker').count(), { timeout: 10_000 }).toBe(0);
    expect(await page.getByTestId('status-bar').innerText()).toContain('record ts-server (gone)');
    expect(await row('tools/call confirm').count()).toBe(2);
    web.kill('SIGTERM');
  }, 90_000);
});

describe('mcp-tap replay --web', () => {
  it('serves the console of a replaying proxy: the tape answers, the page lists it', async () => {
    // The tape imported by the tapes test above.
    const store = join(dir, 'record.db');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'replay', 'sample', '-q', '--store', store, '--web'],
      env: { ...(process.env as Record<string, string>), MCP_TAP_STATE_DIR: join(dir, 'state-replay') },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'sample-client', version: '1.0.0' });
    await client.connect(transport);
    try {
      const address = await until(() => /web console: (\S+)/.exec(stderr)?.[1], 'the console address on stderr', 15_000);
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hello' } }))).toBe('Echo: hello');
      await page.goto(address);
      await expect.poll(() => page.getByTestId('status-bar').innerText(), { timeout: 10_000 }).toContain('replay sample');
      await expect.poll(() => row('tools/call echo').first().innerText()).toMatch(/ok/);
    } finally {
      await client.close();
    }
  });
});
