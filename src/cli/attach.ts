/**
 * `mcp-tap attach [ID]`: the terminal UI on a proxy that is already running (one a client launched
 * on stdio, say); `mcp-tap attach --tape NAME` (and `tapes show NAME --tui`): the same UI on a
 * stored tape, read-only.
 */
import type { Command } from 'commander';
import { connectControl } from '../control/client.js';
import { findRunningProxy, listRunningProxies, stateDir } from '../control/state.js';
import type { ProxyStateFile } from '../control/protocol.js';
import { exchangeFrameOf } from '../tape/exchanges.js';
import { formatProxies } from './proxies.js';
import { openStore, storeOption, UsageError } from './common.js';

/**
 * React picks its build when it is first imported: the production one, unless asked otherwise
 * (the development build's checks cost a UI under load more than its drawing does).
 */
function productionReact(): void {
  process.env.NODE_ENV ??= 'production';
}

/** Loads the UI (only when it is about to be shown, not for every other command). */
export async function loadUi(): Promise<typeof import('../tui/run.js')> {
  productionReact();
  return import('../tui/run.js');
}

interface AttachFlags {
  rules?: string;
  tape?: string;
  store?: string;
}

/** The UI on a stored tape, read-only: its exchanges to read, filter, search and export. */
export async function browseTape(storeFlag: string | undefined, name: string): Promise<void> {
  if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) throw new UsageError('the UI needs a terminal (its stdin and stdout are not one); mcp-tap tapes show NAME prints the timeline instead');
  const store = openStore(storeFlag, { create: false, readonly: true });
  let tape;
  let frames;
  try {
    tape = store.requireTape(name);
    frames = store.frames(tape.id).map(exchangeFrameOf);
  } finally {
    store.close();
  }
  const upstream = tape.upstream?.url ?? tape.upstream?.command?.join(' ');
  const { runTui } = await loadUi();
  await runTui({ tape: { source: { name: tape.name, createdAt: tape.createdAt, upstream, frames: tape.frameCount, sessions: tape.sessionCount }, frames } });
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
  productionReact();
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
    .option('--tape <name>', 'browse this stored tape instead, read-only (as mcp-tap tapes show NAME --tui)')
    .addOption(storeOption())
    .addHelpText('after', '\nExamples:\n  mcp-tap attach\n  mcp-tap attach 3fa2c1 --rules rules.yaml\n  mcp-tap attach --tape server-everything --store ~/tapes.db\n')
    .action(async (id: string | undefined, flags: AttachFlags) => {
      if (flags.tape !== undefined) {
        if (id !== undefined) throw new UsageError('give a proxy ID or --tape NAME, not both');
        return browseTape(flags.store, flags.tape);
      }
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
      const { runTui } = await loadUi();
      const summary = await runTui({ link, rulesFile: flags.rules });
      process.stderr.write(`mcp-tap: detached from ${proxy.id} (${proxy.title}); it keeps running${summary ? `; ${summary}` : ''}\n`);
    });
}
