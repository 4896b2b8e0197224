// Builds the web console's page (src/web/page) into dist/web/page: one bundled, minified
// script (React, the virtual list, CodeMirror and the shared exchange model, nothing fetched at
// run time), its stylesheet and index.html. Run by `npm run build` as `npm run build:web`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'web', 'page');
const out = join(root, 'dist', 'web', 'page');
mkdirSync(out, { recursive: true });

await build({
  entryPoints: [join(source, 'main.tsx')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: process.env.MCP_TAP_WEB_DEBUG === undefined,
  sourcemap: false,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': '"production"' },
  // The shared modules are written for Node's ESM resolution (./x.js for ./x.ts).
  resolveExtensions: ['.tsx', '.ts', '.js', '.mjs'],
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(join(source, 'index.html'), join(out, 'index.html'));
copyFileSync(join(source, 'app.css'), join(out, 'app.css'));
