/** `mcp-tap web`: the browser console for every running proxy of this user, and the tape store. */
import type { Command } from 'commander';
import { stateDir } from '../control/state.js';
import { resolveStorePath } from '../tape/store.js';
import { loadPageAssets } from '../web/assets.js';
import { addVerbosity, loggerFor, storeOption, UsageError, type VerbosityOptions } from './common.js';
import { untilSignal } from './record.js';
import { openInBrowser, portOption } from './web-option.js';

interface WebCommandFlags extends VerbosityOptions {
  port?: string;
  open?: boolean;
  store?: string;
  rules?: string;
}

export function registerWeb(program: Command): void {
  const command = program
    .command('web')
    .summary('the browser console: live traffic, held messages and tapes of every running proxy')
    .description(
      'Serves the web console on 127.0.0.1 and prints its address (with a token only this console knows) on stdout. ' +
        'The page lists the proxies running now for this user (as mcp-tap proxies does), shows the one you pick live, ' +
        'with its breakpoints and held messages, re-sends requests through it, and browses, diffs, exports and imports ' +
        'the tapes of the store. Ctrl-C stops the console; the proxies keep running. See docs/web.md.',
    )
    .option('--port <port>', 'the port on 127.0.0.1 (default: a free one)')
    .option('--open', 'open the console in the default browser')
    .option('--rules <file>', 'the rules file "save as rule" appends to (default: the one the watched proxy was started with)')
    .addOption(storeOption())
    .addHelpText('after', '\nExamples:\n  mcp-tap web --open\n  mcp-tap web --port 8807 --store ~/.mcp-tap/tapes.db\n  mcp-tap record --web -- npx -y @modelcontextprotocol/server-everything   (the console of one proxy, served by it)\n');
  addVerbosity(command).action(async (flags: WebCommandFlags) => {
    const logger = loggerFor(flags);
    const port = portOption('--port', flags.port);
    let assets;
    try {
      assets = loadPageAssets();
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const store = resolveStorePath(flags.store);
    const [{ startWebServer }, { discoveryBackend }] = await Promise.all([import('../web/server.js'), import('../web/backends.js')]);
    let server;
    try {
      server = await startWebServer({ backend: discoveryBackend({ stateDir: stateDir(), store, rulesFile: flags.rules }), port, assets, logger });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is in use; pick another with --port, or leave it out for a free one` : `cannot serve the console: ${(error as Error).message}`);
    }
    process.stdout.write(`${server.url}\n`);
    logger.info(`web console for the proxies in ${stateDir()} and the tapes in ${store}; Ctrl-C stops it`);
    if (flags.open) openInBrowser(server.url, logger);
    await untilSignal(logger);
    await server.close();
  });
}
