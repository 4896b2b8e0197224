// Many concurrent MCP clients (the SDK's StreamableHTTPClientTransport) against one URL, each
// initializing and then calling a tool in a loop: what a busy shared proxy meets. Prints one JSON
// line: calls tried, failed, and latency percentiles. Usage:
//   node load.mjs <url> <clients> <calls-per-client> [tool]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, clientsArg = '500', callsArg = '10', tool = 'echo'] = process.argv.slice(2);
const clients = Number(clientsArg);
const calls = Number(callsArg);
const latencies = [];
const failures = [];
let tried = 0;

async function one(index) {
  const client = new Client({ name: `load-${index}`, version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  } catch (error) {
    tried += calls;
    for (let i = 0; i < calls; i++) failures.push(`connect: ${error.message}`);
    return;
  }
  for (let i = 0; i < calls; i++) {
    tried++;
    const started = performance.now();
    try {
      await client.callTool({ name: tool, arguments: { message: `${index}-${i}` } }, undefined, { timeout: 60_000 });
      latencies.push(performance.now() - started);
    } catch (error) {
      failures.push(error.message);
    }
  }
  await client.close().catch(() => undefined);
}

const started = performance.now();
await Promise.all(Array.from({ length: clients }, (_, i) => one(i)));
const elapsed = performance.now() - started;
latencies.sort((a, b) => a - b);
const pct = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
const reasons = {};
for (const f of failures) reasons[f.slice(0, 120)] = (reasons[f.slice(0, 120)] ?? 0) + 1;
process.stdout.write(`${JSON.stringify({ clients, tried, failed: failures.length, p50: pct(50), p90: pct(90), p99: pct(99), max: pct(100), seconds: Math.round(elapsed / 100) / 10, reasons })}\n`);
