// A stdio MCP server that answers every `pair` request with a progress notification and the
// answer: in one write ({"together": true}), or in two writes one after the other in the same
// tick, as the SDK's server writes them. For the wire section: does a client read them together?
import { createInterface } from 'node:readline';

const send = (text) => process.stdout.write(text);
createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined) return;
  if (message.method === 'initialize') {
    return send(`${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'pair-server', version: '1.0.0' } } })}\n`);
  }
  const progress = `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: message.id, progress: 1, total: 1 } })}\n`;
  const answer = `${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [] } })}\n`;
  if (message.params?.together) send(progress + answer);
  else {
    send(progress);
    send(answer);
  }
});
