/**
 * Exchanges as plain JSON, for a console's export of one exchange or a filtered list: every
 * message parsed (its text kept when it is not JSON), the original of an edited message beside
 * it, and what the model says of the exchange (outcome, latency, marks, rounds, stream). Pure.
 */
import type { Exchange, ExchangeFrame, LogItem } from './exchange.js';
import { parseOrUndefined } from './jsonrpc.js';

export interface FrameJson {
  seq: number;
  time: number;
  direction: ExchangeFrame['direction'];
  kind: ExchangeFrame['kind'];
  method?: string;
  id?: ExchangeFrame['id'];
  action: string;
  flags: readonly string[];
  note?: string;
  latencyMs?: number;
  /** The message as sent on: parsed, or its text when it is not JSON. */
  message: unknown;
  /** As it arrived, when it was changed. */
  original?: unknown;
}

function parsedOrText(text: string): unknown {
  return parseOrUndefined(text) ?? text;
}

export function frameJson(frame: ExchangeFrame): FrameJson {
  const out: FrameJson = { seq: frame.seq, time: frame.time, direction: frame.direction, kind: frame.kind, action: frame.action, flags: frame.flags, message: frame.message ?? frame.text ?? null };
  if (frame.method !== undefined) out.method = frame.method;
  if (frame.id !== undefined) out.id = frame.id;
  if (frame.note !== undefined) out.note = frame.note;
  if (frame.latencyMs !== undefined) out.latencyMs = frame.latencyMs;
  if (frame.original !== undefined) out.original = parsedOrText(frame.original);
  return out;
}

export function exchangeJson(exchange: Exchange): Record<string, unknown> {
  const out: Record<string, unknown> = {
    conversation: exchange.conversation,
    direction: exchange.direction,
    method: exchange.method,
    id: exchange.id,
    outcome: exchange.outcome,
    bytes: exchange.bytes,
    marks: exchange.marks,
  };
  if (exchange.name !== undefined) out.name = exchange.name;
  if (exchange.era !== undefined) out.era = exchange.era;
  if (exchange.error) out.error = exchange.error;
  if (exchange.latencyMs !== undefined) out.latencyMs = exchange.latencyMs;
  if (exchange.heldMs !== undefined) out.heldMs = exchange.heldMs;
  if (exchange.cancel) out.cancel = exchange.cancel;
  if (exchange.call) out.call = exchange.call;
  if (exchange.stream) out.stream = { subscriptionId: exchange.stream.subscriptionId, delivered: exchange.stream.delivered };
  if (exchange.parent !== undefined) out.parent = exchange.parent;
  if (exchange.children.length > 0) out.children = exchange.children;
  out.request = frameJson(exchange.request);
  if (exchange.answer) out.answer = frameJson(exchange.answer);
  if (exchange.delivered) out.delivered = frameJson(exchange.delivered);
  if (exchange.notifications.length > 0) out.notifications = exchange.notifications.map(frameJson);
  return out;
}

/** One item of a log: an exchange, or an event (a message that belongs to no request). */
export function itemJson(item: LogItem): Record<string, unknown> {
  return item.type === 'exchange' ? { exchange: exchangeJson(item.exchange) } : { event: frameJson(item.frame) };
}
