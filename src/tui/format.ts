/** Turning exchanges, events and held messages into the short strings and colours the UI shows. */
import type { Exchange, ExchangeFrame, LogItem, Outcome } from '../core/exchange.js';
import type { PausedView } from '../control/protocol.js';
import type { Direction, JsonRpcId } from '../core/jsonrpc.js';
import type { Part } from './list-view.js';
import { fit } from './text.js';

export type Tone = 'error' | 'held' | 'changed' | 'blocked' | 'mocked' | 'quiet' | 'normal' | 'ok' | 'warn';

/** Ink colour names for each tone. */
export const TONE_COLOR: Record<Tone, string | undefined> = {
  error: 'red',
  blocked: 'red',
  held: 'yellow',
  changed: 'magenta',
  mocked: 'blue',
  warn: 'yellow',
  quiet: 'gray',
  ok: 'green',
  normal: undefined,
};

export function arrow(direction: Direction): string {
  return direction === 'c2s' ? '→' : '←';
}

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

export function outcomeTone(exchange: Exchange): Tone {
  switch (exchange.outcome) {
    case 'held':
      return 'held';
    case 'error':
    case 'tool-error':
    case 'unanswered':
      return 'error';
    case 'blocked':
    case 'dropped':
      return 'blocked';
    case 'mocked':
      return 'mocked';
    case 'cancelled':
    case 'closed':
      return 'quiet';
    case 'input-required':
    case 'pending':
    case 'open':
      return 'warn';
    case 'ok':
      return exchange.marks.includes('modified') ? 'changed' : 'ok';
  }
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

/** Which columns fit: the narrower the terminal, the fewer. The outcome column carries the marks after the outcome. */
export interface Columns {
  time: number;
  what: number;
  conversation: number;
  id: number;
  outcome: number;
  latency: number;
  size: number;
}

export function columnsFor(width: number): Columns {
  const wide = width >= 120;
  const medium = width >= 84;
  const columns: Columns = { time: 12, what: 0, conversation: wide ? 16 : medium ? 10 : 0, id: 6, outcome: wide ? 32 : medium ? 24 : 16, latency: 7, size: medium ? 8 : 0 };
  // Each column is followed by one space; the arrow takes two.
  const fixed = columns.time + 1 + 2 + (columns.conversation ? columns.conversation + 1 : 0) + columns.id + 1 + columns.outcome + 1 + columns.latency + 1 + (columns.size ? columns.size + 1 : 0);
  columns.what = Math.max(8, width - fixed);
  return columns;
}

export interface RowCells {
  time: string;
  arrow: string;
  what: string;
  /** Everything after the method column, already fitted. */
  rest: string;
  tone: Tone;
}

/** One list row, cell by cell, each fitted to its column (inert, by display width). */
export function rowCells(item: LogItem, part: Part | undefined, columns: Columns, timeOf: (ms: number) => string): RowCells {
  if (part) {
    const frame = part.frame;
    const label = part.kind === 'notification' ? `  ├ ${frame.method ?? 'notification'}` : part.kind === 'delivered' ? '  └ delivered instead' : `  ${part.kind === 'answer' ? '└' : '├'} ${part.kind}`;
    const rest = [fit(frame.action === 'continue' ? '' : frame.action, columns.outcome), fit(latencyText(frame.latencyMs), columns.latency)];
    return { time: fit(timeOf(frame.time), columns.time), arrow: arrow(frame.direction), what: fit(label, columns.what), rest: cellsAfterWhat(columns, '', idText(frame.id), rest, frame.bytes), tone: 'quiet' };
  }
  if (item.type === 'event') {
    const frame = item.frame;
    const tone: Tone = frame.held ? 'held' : frame.kind === 'error' || frame.kind === 'invalid' ? 'error' : 'quiet';
    const rest = [fit(frame.held ? 'HELD' : frame.action === 'continue' ? '' : frame.action, columns.outcome), fit('', columns.latency)];
    return { time: fit(timeOf(frame.time), columns.time), arrow: arrow(frame.direction), what: fit(eventWhat(frame), columns.what), rest: cellsAfterWhat(columns, frame.conversation, idText(frame.id), rest, frame.bytes), tone };
  }
  const e = item.exchange;
  const indent = e.parent !== undefined ? '↳ ' : '';
  const marks = marksText(e);
  const rest = [fit(marks ? `${outcomeText(e)} · ${marks}` : outcomeText(e), columns.outcome), fit(latencyText(e.latencyMs), columns.latency)];
  return {
    time: fit(timeOf(e.request.time), columns.time),
    arrow: arrow(e.direction),
    what: fit(indent + exchangeWhat(e), columns.what),
    rest: cellsAfterWhat(columns, e.conversation, idText(e.id), rest, e.bytes),
    tone: outcomeTone(e),
  };
}

function cellsAfterWhat(columns: Columns, conversation: string, id: string, outcomeAndLatency: string[], bytes: number): string {
  const cells: string[] = [];
  if (columns.conversation) cells.push(fit(conversation, columns.conversation));
  cells.push(fit(id, columns.id), ...outcomeAndLatency);
  if (columns.size) cells.push(fit(sizeText(bytes), columns.size));
  return cells.join(' ');
}

/** A held message's row in the held list. */
export function pausedRow(paused: PausedView, now: number, width: number): string {
  const what = `${paused.method ?? paused.requestMethod ?? paused.kind}${paused.toolName ? ` ${paused.toolName}` : ''}`;
  const answer = paused.method === undefined && (paused.kind === 'response' || paused.kind === 'error') ? '↳ ' : '';
  const left = paused.timer === 'stopped' ? 'editing' : `left ${secondsText(paused.deadline - now)}`;
  const cancelled = paused.cancelled ? '  CANCELLED by its sender' : '';
  const head = `#${paused.pauseId} ${arrow(paused.direction)} `;
  const tail = ` id ${fit(idText(paused.id), 5)} held ${fit(secondsText(now - paused.pausedAt), 4)} ${fit(left, 9)}`;
  return head + fit(`${answer}${what}${cancelled}${paused.reason ? `  (${paused.reason})` : ''}`, Math.max(8, width - head.length - tail.length)) + tail;
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
