/**
 * What bin/mcp-tap.js does before it loads the command line (dist/bundle/main.js, most of a
 * command's start-up): `mcp-tap --version` is answered here, and the server of
 * `mcp-tap record -- <server>` is started here (see early-server.ts). Nothing else is loaded.
 */
import { packageVersion } from './version.js';

export { EarlyServer } from './early-server.js';

/** Prints the version when the whole command line asks for that alone (as the full command line would); true when it did. */
export function answeredAlone(argv: string[]): boolean {
  if (argv.length !== 3 || (argv[2] !== '--version' && argv[2] !== '-V')) return false;
  process.stdout.write(`${packageVersion()}\n`);
  return true;
}
