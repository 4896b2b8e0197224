/**
 * A real browser for the web console's tests: Debian's chromium (/usr/bin/chromium), driven by
 * playwright-core, which never downloads a browser of its own. One browser per test file, a
 * fresh profile each time; pages are reused within the file. Screenshots go to a temp dir (or
 * MCP_TAP_SCREENSHOTS) and are named in the test's output.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { missingTool } from './tools.js';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  context: BrowserContext;
  page(): Promise<Page>;
  /** Saves a PNG of `page` as NAME.png in the screenshot folder and returns its path. */
  shot(page: Page, name: string): Promise<string>;
  readonly shots: string;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  const missing = missingTool(CHROMIUM);
  if (missing) throw new Error(missing);
  const profile = mkdtempSync(join(tmpdir(), 'mcp-tap-chromium-'));
  const shots = process.env.MCP_TAP_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'mcp-tap-shots-'));
  mkdirSync(shots, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport: { width: 1600, height: 900 }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  return {
    context,
    shots,
    page: () => context.newPage(),
    shot: async (page, name) => {
      const path = join(shots, `${name}.png`);
      await page.screenshot({ path });
      console.log(`screenshot: ${path}`);
      return path;
    },
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
