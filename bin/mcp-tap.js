#!/usr/bin/env node
// The server of `mcp-tap record -- <server>` is started before the rest is loaded, so that its
// start-up and ours overlap (src/cli/early-server.ts); every other command line starts nothing here.
import { EarlyServer } from '../dist/bundle/early.js';

const early = EarlyServer.start(process.argv);
const { main } = await import('../dist/bundle/main.js');

main(process.argv, { early }).catch((error) => {
  process.stderr.write(`mcp-tap: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
