/**
 * Exchanges in words, the same in every console: an outcome and its marks, a latency, a size, a
 * time, what a request names. Pure and browser-safe (the terminal UI and the browser console both
 * show these).
 */
import type { Exchange, ExchangeFrame, Outcome } from './exchange.js';
import type { JsonRpcId } from './jsonrpc.js';

export function clockTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A tape's time: an offset from its start, e.g. "+12.345s" or "+4m02.1s". */
export function offsetTime(ms: number): string {
  if (ms < 60_000) return `+${(ms / 1000).toFixed(3)}s`;
  const minutes = Math.floor(ms / 60_000);
  return `+${minutes}m${((ms % 60_000) / 1000).toFixed(1).padStart(4, '0')}s`;
}

export function idText(id: JsonRpcId | undefined): string {
  return id === undefined ? '' : JSON.stringify(id);
}

export function latencyText(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 10 ? `${ms.toFixed(1)}ms` : ms < 10_000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

export function secondsText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

/** "tools/call echo", "resources/read file:///a": the method and what it names. */
export function exchangeWhat(exchange: Exchange): string {
  return exchange.name === undefined ? exchange.method : `${exchange.method} ${exchange.name}`;
}

/** An event: its method, or for an answer nobody was seen asking, "↳ method" of the request it names. */
export function eventWhat(frame: ExchangeFrame): string {
  if (frame.kind === 'invalid') return '(not JSON-RPC)';
  if (frame.kind === 'response' || frame.kind === 'error') return `↳ ${frame.method ?? 'answer'}${frame.name ? ` ${frame.name}` : ''} (its request is not listed)`;
  return frame.method ?? frame.kind;
}

const OUTCOME_TEXT: Record<Outcome, string> = {
  pending: 'pending',
  held: 'HELD',
  ok: 'ok',
  'tool-error': 'isError',
  error: 'error',
  blocked: 'blocked',
  mocked: 'mocked',
  dropped: 'dropped',
  cancelled: 'cancelled',
  'input-required': 'input required',
  open: 'stream open',
  closed: 'stream closed',
  unanswered: 'unanswered',
};

/** The outcome column: what happened, with the error's code and message, and "timed out" for a client's timeout. */
export function outcomeText(exchange: Exchange): string {
  if (exchange.outcome === 'cancelled' && /time/i.test(exchange.cancel?.reason ?? '')) return 'timed out';
  const base = OUTCOME_TEXT[exchange.outcome];
  if (exchange.error && (exchange.outcome === 'error' || exchange.outcome === 'blocked' || exchange.outcome === 'dropped')) return `${base} ${exchange.error.code} ${exchange.error.message}`;
  return base;
}

/** Marks in a few letters: held, edited, resent, rounds, stream deliveries. */
export function marksText(exchange: Exchange): string {
  const out: string[] = [];
  if (exchange.marks.includes('modified')) out.push('edited');
  if (exchange.marks.includes('resent')) out.push('resent');
  if (exchange.marks.includes('pause-timeout')) out.push('hold timed out');
  else if (exchange.heldMs !== undefined) out.push(`held ${secondsText(exchange.heldMs)}`);
  if (exchange.call) out.push(`round ${exchange.call.round}`);
  if (exchange.stream) out.push(`${exchange.stream.delivered} sent`);
  if (exchange.notifications.length > 0 && !exchange.stream) out.push(`${exchange.notifications.length} note${exchange.notifications.length === 1 ? '' : 's'}`);
  if (exchange.children.length > 0) out.push(`${exchange.children.length} asked`);
  return out.join(' ');
}

/** The message pretty-printed, or as it came when it is not JSON. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A frame's text as sent: what the source gave, or the parsed message written out again. */
export function frameText(frame: ExchangeFrame): string {
  return frame.text ?? JSON.stringify(frame.message) ?? '';
}
