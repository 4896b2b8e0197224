/** `mcp-tap attach [ID]`: the terminal UI on a proxy that is already running (one a client launched on stdio, say). */
import type { Command } from 'commander';
import { connectControl } from '../control/client.js';
import { findRunningProxy, listRunningProxies, stateDir } from '../control/state.js';
import type { ProxyStateFile } from '../control/protocol.js';
import { formatProxies } from './proxies.js';
import { UsageError } from './common.js';

interface AttachFlags {
  rules?: string;
}

/** The proxy to attach to: the one named, the only one running, or the one picked from a list. */
async function chooseProxy(id: string | undefined, interactive: boolean): Promise<ProxyStateFile | undefined> {
  if (id !== undefined) {
    try {
      return findRunningProxy(id);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  const running = listRunningProxies();
  if (running.length === 0) {
    throw new UsageError(`no mcp-tap proxy is running (none found in ${stateDir()}); start one with mcp-tap record -- <server command>`);
  }
  if (running.length === 1) return running[0];
  if (!interactive) {
    for (const line of formatProxies(running)) process.stdout.write(line + '\n');
    throw new UsageError(`${running.length} proxies are running; say which one: mcp-tap attach ID`);
  }
  // The UI is loaded when it is about to be shown, not by every other command.
  const { pickProxy } = await import('../tui/pick.js');
  return pickProxy(running);
}

export function registerAttach(program: Command): void {
  program
    .command('attach')
    .summary('open the interactive UI on a running proxy')
    .description(
      'Shows a running proxy live: the messages, their details, the paused queue; sets breakpoints and resumes, drops, edits or mocks paused messages. ' +
        'With no ID: the only running proxy, or a list to pick from. Quitting (q) leaves the proxy running. See mcp-tap proxies.',
    )
    .argument('[id]', 'the proxy to attach to (as listed by mcp-tap proxies; a unique prefix is enough)')
    .option('--rules <file>', 'the rules file s saves mock rules to (default: the one the proxy was started with)')
    .action(async (id: string | undefined, flags: AttachFlags) => {
      const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
      const proxy = await chooseProxy(id, interactive);
      if (!proxy) return;
      if (!interactive) throw new UsageError('attach needs a terminal (its stdin and stdout are not one)');
      let link;
      try {
        link = await connectControl(proxy);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const { runTui } = await import('../tui/run.js');
      await runTui({ link, rulesFile: flags.rules });
      process.stderr.write(`mcp-tap: detached from ${proxy.id} (${proxy.title}); it keeps running\n`);
    });
}
