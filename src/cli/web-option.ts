/**
 * `--web` on record and replay: the browser console served by the proxy itself, for this proxy.
 * The page is one more peer of the proxy's control hub (what `mcp-tap attach` is), so it costs
 * the proxy what attach does; the address, with its token, goes to stderr (stdout carries MCP).
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { Logger } from '../core/log.js';
import { loadPageAssets } from '../web/assets.js';
// The console's server (and what it brings: the tape commands, the YAML writer) is loaded only
// when --web is given, not by every proxy.
import type { WebServer } from '../web/server.js';
import type { ControlProxyOptions } from './control-options.js';
import { UsageError } from './common.js';

export interface WebFlags {
  web?: boolean;
  webPort?: string;
  open?: boolean;
  /** false with --no-control. */
  control: boolean;
  rules?: string;
}

export function addWebOption(command: Command): Command {
  return command
    .option('--web', 'serve the browser console for this proxy on 127.0.0.1 (the address, with its token, is printed on stderr)')
    .option('--web-port <port>', 'with --web: the port (default: a free one)')
    .option('--open', 'with --web: open the console in the default browser');
}

export function portOption(flag: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} takes a port number (0 to 65535), got "${value}"`);
  return port;
}

/** Opens `url` in the desktop's browser, without a shell; says so when there is none. */
export function openInBrowser(url: string, logger: Logger): void {
  const [command, ...args] = process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : ['xdg-open', url];
  try {
    const child = spawn(command!, args, { stdio: 'ignore', detached: true });
    child.on('error', (error) => logger.warn(`--open: could not start ${command} (${error.message}); open the address above yourself`));
    child.unref();
  } catch (error) {
    logger.warn(`--open: could not start ${command} (${(error as Error).message}); open the address above yourself`);
  }
}

export interface InProcessWeb {
  /** Closes the console (the proxy is ending). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * With --web: checks the page is built (before anything starts) and has the console served as
 * soon as the proxy's control hub exists.
 */
export function startInProcessWeb(flags: WebFlags, control: ControlProxyOptions, store: string, logger: Logger): InProcessWeb | undefined {
  if (!flags.web) {
    if (flags.webPort !== undefined || flags.open) throw new UsageError('--web-port and --open go with --web');
    return undefined;
  }
  if (!control.control) throw new UsageError('--web needs the control channel; leave out --no-control');
  const port = portOption('--web-port', flags.webPort);
  let assets;
  try {
    assets = loadPageAssets();
  } catch (error) {
    throw new UsageError(`--web: ${(error as Error).message}`);
  }
  let server: Promise<WebServer | undefined> | undefined;
  const previous = control.control.onOpen;
  control.control.onOpen = (channel) => {
    previous?.(channel);
    server = (async () => {
      const [{ startWebServer }, { proxyBackend }] = await Promise.all([import('../web/server.js'), import('../web/backends.js')]);
      return startWebServer({ backend: proxyBackend(channel.hub, store, flags.rules), port, assets, logger });
    })().then(
      (started) => {
        // Said whatever -q says: it is what --web was asked for.
        process.stderr.write(`mcp-tap: web console: ${started.url}\n`);
        if (flags.open) openInBrowser(started.url, logger);
        return started;
      },
      (error: Error) => {
        logger.error(`--web: the console could not be served (${error.message}); the proxy runs on without it`);
        return undefined;
      },
    );
  };
  return { stop: async () => void (await (await server)?.close()) };
}
