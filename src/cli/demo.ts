/**
 * `mcp-tap demo`: a first-run tour with no MCP client at hand. Runs the real server-everything
 * (installed with mcp-tap) through a recording proxy, drives it with a scripted SDK client,
 * then prints the tape's timeline and where it was stored.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { Chalk } from 'chalk';
import { renderTimeline } from '../tape/timeline.js';
import { runStdioProxy } from '../proxy/stdio.js';
import { SdkTransportAdapter } from '../transports/sdk.js';
import { createLogger } from '../core/log.js';
import { addVerbosity, loggerFor, openStore, storeOption, type VerbosityOptions } from './common.js';

interface DemoFlags extends VerbosityOptions {
  store?: string;
  name?: string;
}

/** The entry script of the bundled server-everything. */
export function everythingServerPath(): string {
  const require = createRequire(import.meta.url);
  // The package has no "exports" map, so its package.json resolves; the script sits beside it.
  return join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
}

export function registerDemo(program: Command): void {
  const command = program
    .command('demo')
    .summary('record a real session against a bundled server and show the tape')
    .description(
      'Runs the MCP reference server (server-everything) through a recording proxy, drives it with a scripted client ' +
        '(initialize, tools/list, tools/call, a resource read, a progress-reporting call, a roots/list request from the server), ' +
        'then prints the timeline of the tape and where it was stored.',
    )
    .addOption(storeOption())
    .option('--name <name>', 'tape name (default: demo, made unique)')
    .addHelpText('after', '\nExamples:\n  mcp-tap demo\n  mcp-tap demo --store /tmp/demo.db && mcp-tap tapes show demo --store /tmp/demo.db\n');
  addVerbosity(command).action(async (flags: DemoFlags) => {
    const color = new Chalk(process.stdout.isTTY && !process.env.NO_COLOR ? {} : { level: 0 });
    const store = openStore(flags.store);
    const say = (line: string) => {
      if (!flags.quiet) console.log(line);
    };
    try {
      const name = flags.name ?? store.uniqueName('demo');
      const server = everythingServerPath();
      say(color.bold(`mcp-tap demo: recording tape "${name}" in ${store.file}`));
      say(color.dim(`server: node ${server} stdio`));

      const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
      const proxyRun = runStdioProxy({
        command: process.execPath,
        args: [server, 'stdio'],
        downstream: new SdkTransportAdapter(proxySide, 'stdio', 'demo client finished'),
        serverStderr: flags.verbose ? 'inherit' : 'ignore',
        logger: flags.verbose ? loggerFor(flags) : createLogger('quiet'),
        record: { store, tape: { name, transport: 'stdio', upstream: { command: ['node', server, 'stdio'] }, labels: { source: 'demo' } } },
      });

      const client = new Client({ name: 'mcp-tap-demo', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
      let rootsAsked = 0;
      client.setRequestHandler(ListRootsRequestSchema, async () => {
        rootsAsked++;
        return { roots: [{ uri: `file://${process.cwd()}`, name: 'current directory' }] };
      });
      const step = async <T>(label: string, work: () => Promise<T>, show: (result: T) => string): Promise<T> => {
        const result = await work();
        say(`  ${color.green('✓')} ${label.padEnd(44)} ${color.dim(show(result))}`);
        return result;
      };

      await step('initialize', () => client.connect(clientSide), () => {
        const info = client.getServerVersion();
        return `${info?.name ?? '?'} ${info?.version ?? ''}`;
      });
      await step('tools/list', () => client.listTools(), (r) => `${r.tools.length} tools`);
      await step('tools/call echo', () => client.callTool({ name: 'echo', arguments: { message: 'hello from mcp-tap' } }), textOf);
      await step('tools/call get-sum', () => client.callTool({ name: 'get-sum', arguments: { a: 19, b: 23 } }), textOf);
      const resources = await step('resources/list', () => client.listResources(), (r) => `${r.resources.length} resources`);
      const uri = resources.resources[0]?.uri;
      if (uri) await step('resources/read', () => client.readResource({ uri }), () => uri);
      let progress = 0;
      await step(
        'tools/call trigger-long-running-operation',
        () => client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } }, undefined, { onprogress: () => progress++ }),
        () => `${progress} progress notifications`,
      );
      say(`  ${color.green('✓')} ${'roots/list (asked by the server)'.padEnd(44)} ${color.dim(`answered ${rootsAsked} time(s)`)}`);
      await client.close();
      const result = await proxyRun;
      if (result.exitCode !== 0) say(color.yellow(`server stopped: ${result.reason}`));

      const tape = store.requireTape(name);
      say('');
      for (const line of renderTimeline(tape, store.frames(tape.id), color)) say(line);
      say('');
      say(color.bold(`Recorded ${tape.frameCount} frames to tape "${name}" in ${store.file}`));
      const storeFlag = flags.store ? ` --store ${flags.store}` : '';
      say(`  again, in full:   mcp-tap tapes show ${name} --full${storeFlag}`);
      say(`  as a JSON file:   mcp-tap tapes export ${name} -o ${name}.json${storeFlag}`);
    } finally {
      store.close();
    }
  });
}

function textOf(result: unknown): string {
  const content = (result as { content?: unknown }).content;
  const first = Array.isArray(content) ? (content[0] as { text?: string } | undefined) : undefined;
  return first?.text ?? '';
}
