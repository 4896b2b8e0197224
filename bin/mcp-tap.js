#!/usr/bin/env node
import { main } from '../dist/bundle/main.js';

main(process.argv).catch((error) => {
  process.stderr.write(`mcp-tap: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});
