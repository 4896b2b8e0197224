/**
 * `mcp-tap demo`: a first-run tour with no MCP client at hand. Runs the real server-everything
 * (installed with mcp-tap) through a recording proxy, drives it with a scripted SDK client,
 * prints the tape's timeline, then drives a replay of the tape the same way (no server running)
 * and says whether every answer came back the same.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { Chalk } from 'chalk';
import { renderTimeline } from '../tape/timeline.js';
import { runStdioProxy } from '../proxy/stdio.js';
import { formatSummary, replayUpstream } from '../proxy/replay.js';
import { SdkTransportAdapter } from '../transports/sdk.js';
import { createLogger } from '../core/log.js';
import { addVerbosity, EXIT, loggerFor, openStore, selfInvocation, storeOption, type VerbosityOptions } from './common.js';

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
    .summary('record a real session against a bundled server, show the tape, replay it')
    .description(
      'Runs the MCP reference server (server-everything) through a recording proxy, drives it with a scripted client ' +
        '(initialize, tools/list, tools/call, a resource read, a progress-reporting call, a roots/list request from the server), ' +
        'prints the timeline of the tape, then replays the tape to the same client with no server running and compares the answers.',
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
      // The store picks the name as it creates the tape; "demo", then "demo-2", ...
      const stem = flags.name ?? 'demo';
      const server = everythingServerPath();
      let name = stem;
      say(color.bold(`mcp-tap demo: recording to ${store.file}`));
      say(color.dim(`server: node ${server} stdio`));

      const recorded = await driveThroughProxy(
        async (downstream) => {
          const result = await runStdioProxy({
            command: process.execPath,
            args: [server, 'stdio'],
            downstream,
            serverStderr: flags.verbose ? 'inherit' : 'ignore',
            logger: flags.verbose ? loggerFor(flags) : createLogger('quiet'),
            record: { store, tape: { name: stem, unique: flags.name === undefined, transport: 'stdio', upstream: { command: ['node', server, 'stdio'] }, labels: { source: 'demo' } } },
          });
          name = result.tape?.name ?? stem;
          return result;
        },
        (label, detail) => say(`  ${color.green('✓')} ${label.padEnd(44)} ${color.dim(detail)}`),
      );

      const tape = store.requireTape(name);
      say('');
      for (const line of renderTimeline(tape, store.frames(tape.id), color)) say(line);
      say('');

      // The same client again, with the tape standing in for the server: nothing is spawned.
      say(color.bold(`Replaying tape "${name}" with no server running:`));
      const replay = replayUpstream(store, name);
      const replayed = await driveThroughProxy(
        (downstream) => runStdioProxy({ upstream: replay.spec, downstream, logger: createLogger('quiet') }),
        () => undefined,
      );
      replay.close();
      const same = recorded.filter((step, i) => replayed[i]?.answer === step.answer).length;
      const sameMark = same === recorded.length ? color.green('✓') : color.yellow('!');
      say(`  ${sameMark} ${same} of ${recorded.length} steps gave the same answers as the real server`);
      if (same !== recorded.length) process.exitCode = EXIT.checkFailed;
      recorded.forEach((step, i) => {
        const again = replayed[i]?.answer;
        if (again !== step.answer) say(color.yellow(`    ${step.label}: ${step.answer} → ${again ?? 'no answer'}`));
      });
      for (const line of formatSummary(replay.summary())) say(color.dim(`    ${line}`));
      say('');

      say(color.bold(`Recorded ${tape.frameCount} frames to tape "${name}" in ${store.file}`));
      const storeFlag = flags.store ? ` --store ${flags.store}` : '';
      // Said the way this mcp-tap can be run from here (it may not be on PATH).
      const self = selfInvocation();
      say(`  again, in full:   ${self} tapes show ${name} --full${storeFlag}`);
      say(`  as a JSON file:   ${self} tapes export ${name} -o ${name}.json${storeFlag}`);
      say(`  as the server:    ${self} replay ${name}${storeFlag}`);
      say(`  for your client:  ${self} config claude --server NAME   (or cursor, vscode)`);
    } finally {
      store.close();
    }
  });
}

interface DemoStep {
  label: string;
  /** What is shown for the step. */
  detail: string;
  /** What the server answered, compared between recording and replay. */
  answer: string;
}

/**
 * Connects a scripted SDK client to a stdio proxy run over an in-memory pair, takes it through the
 * tour and returns what each step answered, so a recording and its replay can be compared.
 */
async function driveThroughProxy(
  run: (downstream: SdkTransportAdapter) => Promise<{ exitCode: number; reason: string }>,
  report: (label: string, detail: string) => void,
): Promise<DemoStep[]> {
  // The SDK's client (and its schema library) is loaded by the demo alone, not by every command.
  const [{ Client }, { InMemoryTransport }, { ListRootsRequestSchema }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/inMemory.js'),
    import('@modelcontextprotocol/sdk/types.js'),
  ]);
  const [clientSide, proxySide] = InMemoryTransport.createLinkedPair();
  // What reached the client, counted on the wire: the SDK client hands on fewer progress
  // notifications than it gets when one comes in together with the answer.
  let progressSent = 0;
  const deliver = proxySide.send.bind(proxySide);
  proxySide.send = (message, options) => {
    if ((message as { method?: string }).method === 'notifications/progress') progressSent++;
    return deliver(message, options);
  };
  const proxyRun = run(new SdkTransportAdapter(proxySide, 'stdio', 'demo client finished'));
  const client = new Client({ name: 'mcp-tap-demo', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
  let rootsAsked = 0;
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    rootsAsked++;
    return { roots: [{ uri: `file://${process.cwd()}`, name: 'current directory' }] };
  });
  const steps: DemoStep[] = [];
  const step = async <T>(label: string, work: () => Promise<T>, show: (result: T) => string, answerOf: (result: T) => string = show): Promise<T> => {
    const result = await work();
    const detail = show(result);
    steps.push({ label, detail, answer: answerOf(result) });
    report(label, detail);
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
    () => `${progressSent} progress notifications${progress === progressSent ? '' : ` (the SDK client handed on ${progress})`}`,
    // How many progress notifications the SDK client hands on depends on timing (it drops one
    // that arrives together with the final answer), so the answer itself is compared.
    textOf,
  );
  await step('roots/list (asked by the server)', async () => rootsAsked, (n) => `answered ${n} time(s)`);
  await client.close();
  const stopped = await proxyRun;
  if (stopped.exitCode !== 0) report('server stopped', stopped.reason);
  return steps;
}

function textOf(result: unknown): string {
  const content = (result as { content?: unknown }).content;
  const first = Array.isArray(content) ? (content[0] as { text?: string } | undefined) : undefined;
  return first?.text ?? '';
}
