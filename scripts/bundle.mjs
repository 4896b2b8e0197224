// The second half of `npm run build`: the command line as one file, dist/bundle/main.js, which
// bin/mcp-tap.js runs (after dist/bundle/launch.js). Loading some 150 modules one by one was most
// of a command's start-up; one file (with the pure-JS packages it uses, inlined) loads at once.
//
// What only some commands need stays out of it: each `await import()` of our own code becomes a
// chunk of its own beside main.js, loaded when that command runs, and the packages below are
// loaded from node_modules as before (better-sqlite3 is native; the others are large and only
// some commands use them). dist/ keeps tsc's output for the library API (dist/index.js,
// mcp-tap/testing) and for what runs in a worker (dist/tui/worker.js).
//
// dist/bundle/ sits where dist/cli/ does, one folder under dist/, so the paths our code makes
// from import.meta.url (../../package.json, ../../bin/mcp-tap.js, ../tui/worker.js, ../web/page/)
// hold in both.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'bundle');

/** Loaded from node_modules, not inlined. */
const EXTERNAL = [
  'better-sqlite3',
  'ink',
  'ink-*',
  'react',
  'react/*',
  'yoga-layout',
  'ioredis',
  'yaml',
  '@opentelemetry/*',
  'junit-report-builder',
  '@modelcontextprotocol/*',
];

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // launch.js: what the launcher loads first (--version, the server of `record -- ...`: cli/launch.ts).
  entryPoints: { main: 'src/cli/main.ts', launch: 'src/cli/launch.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  // A package's ES module build where it has one (jsonc-parser's CommonJS one is a UMD wrapper
  // whose requires a bundler cannot follow).
  mainFields: ['module', 'main'],
  // Chunks named after the module they start with (tui/run.tsx gives run-XXXX.js), so a profile
  // or a module log still says what was loaded.
  chunkNames: '[name]-[hash]',
  // The CommonJS packages inlined (commander, ws) require Node's own modules.
  banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
