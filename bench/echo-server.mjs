// A stdio MCP server as fast as a server can be: answers every request at once, so the proxy in
// front of it is what a throughput run measures.
import { createInterface } from 'node:readline';

const out = [];
let scheduled = false;
const flush = () => {
  scheduled = false;
  process.stdout.write(out.join(''));
  out.length = 0;
};
createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined || message.method === undefined) return;
  const result = message.method === 'initialize'
    ? { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'echo-server', version: '1.0.0' } }
    : { content: [{ type: 'text', text: 'ok' }] };
  out.push(`${JSON.stringify({ jsonrpc: '2.0', id: message.id, result })}\n`);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});
