// A real MCP server written with the TypeScript SDK v2 (@modelcontextprotocol/server 2.4), the
// same code serving both protocol eras the way the SDK's own entries do: serveStdio on stdio,
// createMcpHandler on Streamable HTTP. What it offers, so tests can exercise every modern path:
//   echo {message}            plain call
//   count {steps}             progress notifications (when the call carries a progressToken)
//   shout {message}           a log message (sent when the request asks for one: its _meta log level)
//   confirm {action}          an elicitation: MRTR (input_required, requestState rotating per call)
//                             on 2026-07-28, a server->client elicitation/create on 2025
//   weather {city, units}     `city` mirrored in the Mcp-Param-City header (x-mcp-header)
//   bump {}                   changes the resource counter://value (subscriptions/listen sees it)
//   resource counter://value  the counter; resources/read results carry a cache hint
// Usage:
//   node ts-server.mjs stdio [--modern-only]
//   node ts-server.mjs http [--port N] [--modern-only]     (prints "listening PORT" on stderr)
// --modern-only refuses 2025 clients (legacy: 'reject'); the default is dual-era.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createMcpHandler, inputRequired, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { toNodeHandler } from '@modelcontextprotocol/node';
import * as z from 'zod/v4';

const args = process.argv.slice(2);
const mode = args[0] ?? 'stdio';
const modernOnly = args.includes('--modern-only');
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? Number(args[portAt + 1]) : 0;

const COUNTER = 'counter://value';
let counter = 0;
const CONFIRM_SCHEMA = { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] };

/** One server instance, for one connection (stdio) or one request (HTTP), of the era it serves. */
function buildServer(era, publishUpdate) {
  const server = new McpServer(
    { name: 'ts-peer-server', version: '2.4.0' },
    {
      capabilities: { tools: {}, resources: { subscribe: true, listChanged: true }, logging: {} },
      instructions: `A test peer serving the ${era} era.`,
      cacheHints: { 'tools/list': { ttlMs: 60_000, cacheScope: 'public' } },
    },
  );
  server.registerTool('echo', { description: 'Echoes its message', inputSchema: z.object({ message: z.string() }) }, async ({ message }) => ({
    content: [{ type: 'text', text: `echo: ${message}` }],
  }));
  server.registerTool('count', { description: 'Counts to steps, reporting progress', inputSchema: z.object({ steps: z.number().int().min(1).max(20) }) }, async ({ steps }, ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    for (let i = 1; i <= steps; i++) {
      if (token !== undefined) await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps } });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return { content: [{ type: 'text', text: `counted to ${steps}` }] };
  });
  server.registerTool('shout', { description: 'Logs its message at info level, then answers', inputSchema: z.object({ message: z.string() }) }, async ({ message }, ctx) => {
    await ctx.mcpReq.log('info', { shouted: message.toUpperCase() }, 'shout');
    return { content: [{ type: 'text', text: `shouted: ${message}` }] };
  });
  server.registerTool('confirm', { description: 'Asks the user to confirm an action', inputSchema: z.object({ action: z.string() }) }, async ({ action }, ctx) => {
    if (era === 'modern') {
      const answer = ctx.mcpReq.inputResponses?.confirm;
      if (answer === undefined) {
        // The state rotates on every first round: a replayed old state would not be the server's.
        return inputRequired({
          inputRequests: { confirm: inputRequired.elicit({ message: `Really ${action}?`, requestedSchema: CONFIRM_SCHEMA }) },
          requestState: `pending:${randomUUID()}`,
        });
      }
      const state = ctx.mcpReq.requestState();
      if (typeof state !== 'string' || !state.startsWith('pending:')) return { isError: true, content: [{ type: 'text', text: 'unknown requestState' }] };
      const accepted = answer.action === 'accept' && answer.content?.confirm === true;
      return { content: [{ type: 'text', text: accepted ? `${action}: confirmed` : `${action}: declined` }] };
    }
    const answer = await ctx.mcpReq.elicitInput({ message: `Really ${action}?`, requestedSchema: CONFIRM_SCHEMA });
    const accepted = answer.action === 'accept' && answer.content?.confirm === true;
    return { content: [{ type: 'text', text: accepted ? `${action}: confirmed` : `${action}: declined` }] };
  });
  server.registerTool(
    'weather',
    {
      description: 'The weather in a city (the city is routable: Mcp-Param-City)',
      inputSchema: z.object({ city: z.string().meta({ 'x-mcp-header': 'City' }), units: z.enum(['metric', 'imperial']).optional() }),
    },
    async ({ city, units }) => ({ content: [{ type: 'text', text: `${city}: 21 ${units === 'imperial' ? 'F' : 'C'}, sunny` }] }),
  );
  server.registerTool('bump', { description: 'Adds one to counter://value', inputSchema: z.object({}) }, async () => {
    counter++;
    publishUpdate(server);
    return { content: [{ type: 'text', text: `counter is ${counter}` }] };
  });
  server.registerResource('counter', COUNTER, { mimeType: 'text/plain', cacheHint: { ttlMs: 0, cacheScope: 'private' } }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: String(counter) }],
  }));
  return server;
}

const legacy = modernOnly ? 'reject' : undefined;

if (mode === 'stdio') {
  // On stdio the connection's own instance sends the update; the entry routes it onto open listen streams.
  const handle = serveStdio(({ era }) => buildServer(era, (server) => void server.server.sendResourceUpdated({ uri: COUNTER }).catch(() => undefined)), legacy ? { legacy: 'reject' } : {});
  const exit = async () => {
    await handle.close();
    process.exit(0);
  };
  process.on('SIGINT', exit);
  process.on('SIGTERM', exit);
} else if (mode === 'http') {
  let handler;
  handler = createMcpHandler(({ era }) => buildServer(era, () => handler.notify.resourceUpdated(COUNTER)), legacy ? { legacy: 'reject' } : {});
  const node = toNodeHandler(handler);
  const http = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    void node(req, res);
  });
  http.listen(port, '127.0.0.1', () => console.error(`listening ${http.address().port}`));
  const exit = async () => {
    await handler.close();
    http.closeAllConnections?.();
    http.close(() => process.exit(0));
  };
  process.on('SIGINT', exit);
  process.on('SIGTERM', exit);
} else {
  console.error(`usage: ts-server.mjs stdio|http [--port N] [--modern-only]`);
  process.exit(2);
}
