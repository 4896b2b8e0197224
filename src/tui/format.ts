/** Turning exchanges, events and held messages into the short strings and colours the UI shows. */
import type { Exchange, LogItem } from '../core/exchange.js';
import { eventWhat, exchangeWhat, idText, latencyText, marksText, outcomeText, secondsText, sizeText } from '../core/exchange-text.js';
import type { PausedView } from '../control/protocol.js';
import type { Direction } from '../core/jsonrpc.js';
import type { Part } from '../control/list-view.js';
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

export { clockTime, offsetTime, idText, latencyText, sizeText, secondsText, exchangeWhat, eventWhat, outcomeText, marksText, prettyJson, frameText } from '../core/exchange-text.js';
