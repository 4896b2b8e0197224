/**
 * `tapes export --format har` and `--format html` on real recordings of both eras: the HAR is
 * valid by the HAR 1.2 schema (har-validator), opened by a real consumer (Playwright's
 * routeFromHAR in Debian's chromium, which answers a page's requests from it as the server did),
 * and keeps what the tape redacted redacted; the HTML report opens in chromium with every
 * peer-controlled string shown as text, nothing of it run.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entry, Har } from 'har-format';
import { runCli } from './support/cli.js';
import { tempDir } from './support/paths.js';
import { readTape } from './support/record.js';
import { HOSTILE_TOOL, launchChromium, recordLegacyTape, recordModernTape, SECRET } from './support/exports.js';

let dir: string;
let store: string;

interface McpFields {
  seq: number;
  direction: string;
  method: string;
  name?: string;
  outcome: string;
  parentSeq?: number;
  childSeqs?: number[];
  call?: { firstSeq: number; round: number; previousSeq?: number; nextSeq?: number };
  stream?: { acknowledged: boolean; delivered: number };
  notifications?: { method: string }[];
  redacted?: string[];
}
const mcp = (entry: Entry) => (entry as Entry & { _mcp: McpFields })._mcp;

async function exportAs(name: string, format: string): Promise<string> {
  const file = join(dir, `${name}.${format}`);
  const result = await runCli(['tapes', 'export', name, '--store', store, '--format', format, '-o', file]);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(file, 'utf8');
}

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  await recordLegacyTape(store, 'legacy');
  await recordModernTape(store, 'modern');
}, 90_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('HAR export', () => {
  it('is a valid HAR 1.2 document for a 2025 tape and a 2026-07-28 tape', async () => {
    const { default: validate } = await import('har-validator');
    for (const name of ['legacy', 'modern']) {
      const har = JSON.parse(await exportAs(name, 'har')) as Har;
      await expect(validate.har(har)).resolves.toBeTruthy();
      expect(har.log.version).toBe('1.2');
      expect(har.log.creator.name).toBe('mcp-tap');
    }
  });

  it('has one entry per exchange of a 2025 tape: the sampling request the server made during a call is an entry of its own, its parent named', async () => {
    const har = JSON.parse(await exportAs('legacy', 'har')) as Har;
    const { frames } = readTape(store, 'legacy');
    const requests = frames.filter((f) => f.kind === 'request');
    expect(har.log.entries.map((e) => mcp(e).seq)).toEqual(requests.map((f) => f.seq));
    const sampling = har.log.entries.find((e) => mcp(e).method === 'sampling/createMessage')!;
    expect(mcp(sampling).direction).toBe('s2c');
    const parent = har.log.entries.find((e) => mcp(e).seq === mcp(sampling).parentSeq)!;
    expect(mcp(parent).name).toBe('trigger-sampling-request');
    expect(mcp(parent).childSeqs).toEqual([mcp(sampling).seq]);
    // A stdio tape is written against the documented pseudo-URL, timed from the tape.
    expect(parent.request.url).toBe('http://stdio.mcp-tap.invalid/legacy');
    const answer = frames.find((f) => f.direction === 's2c' && f.kind === 'response' && f.id === String(JSON.parse(parent.request.postData!.text!).id))!;
    expect(parent.time).toBeCloseTo(answer.latencyMs!, 6);
    expect(parent.response.content.text).toBe(answer.message);
  });

  it('links the rounds of a 2026-07-28 multi round-trip call and carries the listen stream, the progress and the log message', async () => {
    const har = JSON.parse(await exportAs('modern', 'har')) as Har;
    const rounds = har.log.entries.filter((e) => mcp(e).name === 'confirm');
    expect(rounds.map((e) => mcp(e).call?.round)).toEqual([1, 2]);
    expect(mcp(rounds[0]!).outcome).toBe('input-required');
    expect(mcp(rounds[0]!).call?.nextSeq).toBe(mcp(rounds[1]!).seq);
    expect(mcp(rounds[1]!).call?.firstSeq).toBe(mcp(rounds[0]!).seq);
    const listen = har.log.entries.find((e) => mcp(e).method === 'subscriptions/listen')!;
    expect(mcp(listen).stream).toMatchObject({ acknowledged: true, delivered: 1 });
    expect(mcp(har.log.entries.find((e) => mcp(e).name === 'count')!).notifications!.filter((n) => n.method === 'notifications/progress')).toHaveLength(3);
    expect(mcp(har.log.entries.find((e) => mcp(e).name === 'shout')!).notifications!.map((n) => n.method)).toContain('notifications/message');
    // Over HTTP: the recorded server's URL, and the headers the 2026-07-28 wire carries, derived from the body.
    const weather = har.log.entries.find((e) => mcp(e).name === 'weather')!;
    expect(weather.request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(weather.request.headers).toEqual(expect.arrayContaining([{ name: 'Mcp-Method', value: 'tools/call' }, { name: 'Mcp-Name', value: 'weather' }, { name: 'MCP-Protocol-Version', value: '2026-07-28' }]));
  });

  it('keeps what the tape redacted redacted', async () => {
    const text = await exportAs('legacy', 'har');
    expect(readTape(store, 'legacy').frames.some((f) => f.message.includes(SECRET))).toBe(false);
    expect(text).not.toContain(SECRET);
    const har = JSON.parse(text) as Har;
    const keyed = har.log.entries.find((e) => e.request.postData?.text?.includes('with a key'))!;
    expect(JSON.parse(keyed.request.postData!.text!).params.arguments.apiKey).toBe('[REDACTED]');
    expect(mcp(keyed).redacted).toEqual(['params.arguments.apiKey']);
  });

  it('is opened by Playwright in chromium: routeFromHAR answers every recorded request of both tapes as the server answered it', async () => {
    const browser = await launchChromium();
    try {
      for (const name of ['legacy', 'modern']) {
        const file = join(dir, `${name}.har`);
        const har = JSON.parse(await exportAs(name, 'har')) as Har;
        const page = await browser.newPage();
        const origin = new URL(har.log.entries[0]!.request.url).origin;
        // Only the HAR answers; a page on the same origin (routed after it, so first) makes its POSTs need no CORS preflight.
        await page.routeFromHAR(file, { url: `${origin}/**`, notFound: 'abort' });
        await page.route(`${origin}/`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>har</title>' }));
        await page.goto(`${origin}/`);
        const asked = har.log.entries.filter((e) => mcp(e).direction === 'c2s' && e.response.status !== 0);
        expect(asked.length).toBeGreaterThan(5);
        for (const entry of asked) {
          const got = await page.evaluate(
            async ({ url, body }) => {
              const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
              return { status: response.status, text: await response.text() };
            },
            { url: entry.request.url, body: entry.request.postData!.text! },
          );
          expect(got, `${name}: ${mcp(entry).method} ${mcp(entry).name ?? ''}`).toEqual({ status: entry.response.status, text: entry.response.content.text });
        }
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('HTML report', () => {
  it('is one file that opens in chromium, shows every peer string as text, runs none of it, and searches', async () => {
    const html = await exportAs('legacy', 'html');
    expect(html).not.toContain(HOSTILE_TOOL);
    expect(html).not.toContain('</script><script>window.__pwned');
    expect(html).not.toContain(SECRET);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const dialogs: string[] = [];
      const requests: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      page.on('request', (request) => requests.push(request.url()));
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`file://${join(dir, 'legacy.html')}`);
      await page.waitForSelector('#timeline tbody tr.x');
      expect(errors).toEqual([]);
      // The hostile tool name is text in the timeline, not an image with a handler.
      const hostileRow = page.locator('#timeline tbody tr.x', { hasText: HOSTILE_TOOL });
      await expect.poll(() => hostileRow.count()).toBe(1);
      expect(await page.locator('#timeline img, #events img').count()).toBe(0);
      // The result carrying </script> is text too, once the row is opened.
      const echoes = page.locator('#timeline tbody tr.x', { hasText: 'tools/call echo' });
      const count = await echoes.count();
      expect(count).toBeGreaterThan(2);
      for (let i = 0; i < count; i++) await echoes.nth(i).click();
      await expect.poll(() => page.locator('pre', { hasText: 'window.__pwned = 1' }).count()).toBeGreaterThan(0);
      expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('b', { hasText: 'bold?' }).count()).toBe(0);
      expect(dialogs).toEqual([]);
      // Nothing was fetched but the page itself.
      expect(requests.filter((url) => !url.startsWith('file://'))).toEqual([]);
      // Search: only the matching exchange stays visible.
      await page.fill('#search', 'window.__pwned');
      await expect.poll(() => page.locator('#timeline tbody tr.x:visible').count()).toBe(1);
      expect(await page.textContent('#count')).toMatch(/^1 of \d+ shown$/);
      await page.fill('#search', '');
      await page.check('#problems');
      // The hostile call is a tool error: it is among the problems.
      await expect.poll(() => page.locator('#timeline tbody tr.x:visible', { hasText: HOSTILE_TOOL }).count()).toBe(1);
      expect(await page.title()).toBe('mcp-tap report: legacy');
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('shows a 2026-07-28 tape: the second round of the MRTR call under the first, the listen stream with what it delivered', async () => {
    await exportAs('modern', 'html');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`file://${join(dir, 'modern.html')}`);
      const texts = await page.locator('#timeline tbody tr.x').allTextContents();
      const first = texts.findIndex((t) => /tools\/call confirm/.test(t) && /input required/.test(t));
      expect(first).toBeGreaterThanOrEqual(0);
      expect(texts[first + 1]).toMatch(/↻ round 2 tools\/call confirm.*ok/);
      expect(texts.find((t) => t.includes('subscriptions/listen'))).toMatch(/acknowledged, 1 delivered/);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
