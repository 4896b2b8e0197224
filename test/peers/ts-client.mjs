// A real MCP client written with the TypeScript SDK v2 (@modelcontextprotocol/client 2.4): runs
// one fixed scenario against a server and reports what the client saw, as plain JSON, so a test
// can hold the view through mcp-tap up against the view of the same server direct.
//
// As a module: runScenario({ stdio: { command, args } | url, negotiation }) -> view
// From a shell:
//   node ts-client.mjs --negotiation auto|legacy|pin -- <server command...>
//   node ts-client.mjs --negotiation auto --url http://127.0.0.1:PORT/mcp
// `auto` probes with server/discover and falls back to 2025 (dual-era); `pin` speaks only
// 2026-07-28 (modern); `legacy` is a plain 2025 client.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { fileURLToPath } from 'node:url';

export const MODERN = '2026-07-28';

function negotiationOf(name) {
  if (name === 'legacy') return { mode: 'legacy' };
  if (name === 'pin') return { mode: { pin: MODERN } };
  return { mode: 'auto' };
}

/** A result as a person compares it: what the SDK hands the caller, without the volatile parts. */
function plain(value) {
  return JSON.parse(JSON.stringify(value ?? null));
}

export async function runScenario(options) {
  const view = { steps: [] };
  const logs = [];
  const updates = [];
  const client = new Client(
    { name: options.clientName ?? 'ts-peer-client', version: '2.4.0' },
    { versionNegotiation: negotiationOf(options.negotiation), capabilities: { elicitation: { form: {} } } },
  );
  client.setRequestHandler('elicitation/create', async (request) => ({ action: 'accept', content: { confirm: !String(request.params.message).includes('nothing') } }));
  client.setNotificationHandler('notifications/message', (n) => logs.push(plain(n.params)));
  client.setNotificationHandler('notifications/resources/updated', (n) => updates.push(n.params.uri));
  const transport = options.url
    ? new StreamableHTTPClientTransport(new URL(options.url), options.headers ? { requestInit: { headers: options.headers } } : undefined)
    : new StdioClientTransport({ command: options.stdio.command, args: options.stdio.args, stderr: 'ignore', env: options.stdio.env });
  const step = async (name, work) => {
    try {
      view.steps.push({ name, result: plain(await work()) });
    } catch (error) {
      view.steps.push({ name, error: { code: error.code ?? null, message: String(error.message) } });
    }
  };
  await client.connect(transport);
  try {
    const version = client.getNegotiatedProtocolVersion();
    view.protocolVersion = version;
    view.server = plain(client.getServerVersion());
    const modern = version === MODERN;
    await step('tools/list', async () => (await client.listTools()).tools.map((t) => ({ name: t.name, properties: t.inputSchema.properties ?? {} })));
    await step('echo', () => client.callTool({ name: 'echo', arguments: { message: 'hello' } }));
    const progress = [];
    await step('count', () => client.callTool({ name: 'count', arguments: { steps: 3 } }, { onprogress: (p) => progress.push(plain(p)) }));
    view.progress = progress;
    await step('shout', () => client.callTool({ name: 'shout', arguments: { message: 'quiet' }, _meta: { 'io.modelcontextprotocol/logLevel': 'info' } }));
    view.logs = logs;
    await step('confirm', () => client.callTool({ name: 'confirm', arguments: { action: 'deploy' } }));
    await step('weather', () => client.callTool({ name: 'weather', arguments: { city: 'Zürich', units: 'metric' } }));
    await step('missing tool', () => client.callTool({ name: 'no-such-tool', arguments: {} }));
    if (modern) {
      const subscription = await client.listen({ resourceSubscriptions: ['counter://value'] });
      view.listen = { honored: plain(subscription.honoredFilter) };
      // The counter is shared by every client of one server: its value is not part of the view.
      await step('bump', async () => {
        const result = await client.callTool({ name: 'bump', arguments: {} });
        return { ...result, content: result.content.map((c) => (c.type === 'text' ? { ...c, text: c.text.replace(/\d+/, '<n>') } : c)) };
      });
      for (let i = 0; i < 100 && updates.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      await subscription.close();
      view.listen.updates = [...updates];
    }
    await step('counter', async () => {
      const result = await client.readResource({ uri: 'counter://value' });
      return { ...result, contents: result.contents.map((c) => ({ ...c, text: /^\d+$/.test(c.text) ? '<n>' : c.text })) };
    });
  } finally {
    await client.close();
  }
  return view;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const at = (flag) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
  const dash = argv.indexOf('--');
  const server = dash >= 0 ? argv.slice(dash + 1) : [];
  const url = at('--url');
  if (!url && server.length === 0) {
    console.error('usage: ts-client.mjs [--negotiation auto|legacy|pin] (--url URL | -- <server command...>)');
    process.exit(2);
  }
  const view = await runScenario({ negotiation: at('--negotiation') ?? 'auto', url, stdio: url ? undefined : { command: server[0], args: server.slice(1) } });
  console.log(JSON.stringify(view, null, 2));
}
