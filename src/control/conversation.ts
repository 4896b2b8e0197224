/**
 * What the UI knows of a conversation from the exchanges it has seen: the tools its server listed,
 * and the envelope (`_meta`) its client sends on 2026-07-28 requests, so a request the UI makes in
 * its name (a composed call, a tools/list) looks like the client's own.
 */
import { toolsOf, type ToolEntry } from './templates.js';
import { META } from '../core/era.js';
import type { ExchangeLog } from '../core/exchange.js';
import { isObject, type JsonObject } from '../core/jsonrpc.js';

/** The tools a conversation's server offers, from the newest tools/list answer seen in it. */
export function toolsIn(log: ExchangeLog, conversation: string): ToolEntry[] {
  const newest = log.exchanges().findLast((e) => e.method === 'tools/list' && e.answer?.kind === 'response' && e.conversation === conversation);
  const message = newest?.answer?.message;
  return isObject(message) ? toolsOf(message.result) : [];
}

/** The modern envelope the conversation's client sends (protocol version, client info and capabilities), when it sends one. */
export function envelopeOf(log: ExchangeLog, conversation: string): JsonObject | undefined {
  const requests = log.exchanges().filter((e) => e.conversation === conversation && e.direction === 'c2s');
  for (let i = requests.length - 1; i >= 0; i--) {
    const message = requests[i]!.request.message;
    const meta = isObject(message) && isObject(message.params) && isObject(message.params._meta) ? message.params._meta : undefined;
    if (!meta || meta[META.protocolVersion] === undefined) continue;
    const envelope: JsonObject = {};
    for (const key of [META.protocolVersion, META.clientInfo, META.clientCapabilities]) if (meta[key] !== undefined) envelope[key] = meta[key];
    return envelope;
  }
  return undefined;
}

/** Waits (polling the log) for the answer to the request sent under `id`, and reads the tools from it. */
export async function awaitTools(log: () => ExchangeLog, conversation: string, id: string, limitMs: number): Promise<ToolEntry[]> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const answered = log().exchanges().find((e) => e.conversation === conversation && e.id === id && e.answer);
    if (answered) {
      const message = answered.answer!.message;
      return isObject(message) ? toolsOf(message.result) : [];
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [];
}
