/**
 * Re-establishes an upstream session for a client session the proxy resumes (after a restart,
 * or in another process): the client's stored initialize is replayed to the new upstream, and
 * the answer stays with the proxy — the client already had its own.
 */
import { randomUUID } from 'node:crypto';
import { isObject, parseObject, summarize, type JsonObject } from '../core/jsonrpc.js';
import type { Session } from '../session/session.js';
import type { Transport } from '../core/transport.js';

const FALLBACK_PROTOCOL_VERSION = '2025-11-25';

export async function reinitialize(upstream: Transport, session: Session, timeoutMs = 10_000): Promise<void> {
  const id = `mcp-tap-resume-${randomUUID()}`;
  const request: JsonObject = {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: {
      protocolVersion: session.protocolVersion ?? FALLBACK_PROTOCOL_VERSION,
      capabilities: session.clientCapabilities ?? {},
      clientInfo: (session.clientInfo as JsonObject | undefined) ?? { name: 'mcp-tap', version: '0' },
    },
  };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the upstream did not answer initialize within ${timeoutMs} ms`)), timeoutMs);
    const settle = (error?: Error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    upstream.onmessage = (text) => {
      const message = parseObject(text);
      if (!message || message.id !== id) return;
      if (isObject(message.error)) settle(new Error(`the upstream refused initialize: ${String(message.error.message)}`));
      else settle();
    };
    upstream.ondeliveryfailed = (_text, reason) => settle(new Error(reason));
    upstream.onclose = (info) => settle(new Error(info.reason));
    upstream.send(JSON.stringify(request), { summary: summarize(request) });
  });
  const initialized: JsonObject = { jsonrpc: '2.0', method: 'notifications/initialized' };
  upstream.send(JSON.stringify(initialized), { summary: summarize(initialized) });
}
