/** A tape's frames as the exchange model reads them (src/core/exchange.ts). */
import { buildExchanges, type ExchangeFrame, type ExchangeLog } from '../core/exchange.js';
import { parseOrUndefined, type JsonRpcId } from '../core/jsonrpc.js';
import type { TapeFrame } from './types.js';

const utf8 = new TextEncoder();

/** One stored frame as an exchange frame: its session is its conversation, its offset its time. */
export function exchangeFrameOf(frame: TapeFrame): ExchangeFrame {
  const out: ExchangeFrame = {
    seq: frame.seq,
    conversation: String(frame.session),
    direction: frame.direction,
    kind: frame.kind,
    time: frame.tMs,
    action: frame.action,
    flags: frame.flags,
    message: parseOrUndefined(frame.message),
    bytes: utf8.encode(frame.message).length,
    text: frame.message,
  };
  if (frame.original !== undefined) out.original = frame.original;
  if (frame.method !== undefined) out.method = frame.method;
  if (frame.id !== undefined) out.id = parseOrUndefined(frame.id) as JsonRpcId;
  if (frame.latencyMs !== undefined) out.latencyMs = frame.latencyMs;
  if (frame.note !== undefined) out.note = frame.note;
  return out;
}

/** A whole tape grouped into exchanges and events. */
export function tapeExchanges(frames: TapeFrame[]): ExchangeLog {
  return buildExchanges(frames.map(exchangeFrameOf));
}

/** A tape offset (`tMs`) as wall-clock time, ISO 8601: the tape's start plus the offset. */
export function wallClock(tape: { createdAt: string }): (tMs: number) => string {
  const start = Date.parse(tape.createdAt);
  return (tMs) => new Date(start + tMs).toISOString();
}
