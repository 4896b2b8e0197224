#!/usr/bin/env node
// `--version` is answered, and the server of `mcp-tap record -- <server>` started, before the rest
// is loaded, so that its start-up and ours overlap (src/cli/launch.ts).
import { answeredAlone, EarlyServer } from '../dist/bundle/launch.js';

if (!answeredAlone(process.argv)) {
  const early = EarlyServer.start(process.argv);
  const { main } = await import('../dist/bundle/main.js');
  main(process.argv, { early }).catch((error) => {
    process.stderr.write(`mcp-tap: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  });
}
