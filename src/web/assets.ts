/**
 * The page's files, built by `npm run build` (scripts/build-web.mjs) into dist/web/page and read
 * into memory when a console starts: a few hundred kilobytes, served from memory, nothing fetched
 * from anywhere else.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PageAsset {
  type: string;
  body: Buffer;
}

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/**
 * Where the built page is: dist/web/page. Reached through `..` so that it holds both from this
 * module in dist/web/ and from the command line's bundle in dist/bundle/.
 */
export const PAGE_DIR = fileURLToPath(new URL('../web/page/', import.meta.url));

/** The page's files by URL path; a clear error when the page was not built. */
export function loadPageAssets(dir: string = PAGE_DIR): Map<string, PageAsset> {
  const assets = new Map<string, PageAsset>();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    try {
      assets.set(path, { type, body: readFileSync(`${dir}${file}`) });
    } catch (error) {
      throw new Error(`the web console's page is not built (${dir}${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); run npm run build in the mcp-tap checkout`);
    }
  }
  return assets;
}
