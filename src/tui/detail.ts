/**
 * What the detail pane shows of the selected row, as screen lines already wrapped to its width:
 * for an exchange a summary (outcome, latency, size, conversation, era, rounds, stream, holds),
 * then each message in order (request, notifications, answer, what was delivered instead), pretty
 * or raw, and for an edited message both versions or, with `d`, what changed. Every line is inert.
 */
import { diffLines } from 'diff';
import type { Exchange, ExchangeFrame, ExchangeLog, LogItem } from '../core/exchange.js';
import type { PausedView } from '../control/protocol.js';
import type { Part, PartKind } from '../control/list-view.js';
import { arrow, exchangeWhat, eventWhat, frameText, idText, latencyText, outcomeText, prettyJson, secondsText, sizeText } from './format.js';
import { clip, displayWidth, wrapLines } from './text.js';

export interface DetailLine {
  text: string;
  color?: string;
  bold?: boolean;
}

export interface DetailContent {
  title: string;
  lines: DetailLine[];
  /** Where each message starts (the line of its heading), so selecting a part scrolls to it. */
  starts: { kind: PartKind; index?: number; line: number }[];
}

export interface DetailOptions {
  width: number;
  raw: boolean;
  diff: boolean;
  log: ExchangeLog;
  paused: PausedView[];
  timeOf: (ms: number) => string;
  now: number;
}

class Builder {
  readonly lines: DetailLine[] = [];
  readonly starts: DetailContent['starts'] = [];

  constructor(private readonly options: DetailOptions) {}

  text(text: string, style: Omit<DetailLine, 'text'> = {}): void {
    for (const line of wrapLines(text, this.options.width)) this.lines.push({ text: line, ...style });
  }

  heading(text: string, color?: string): void {
    const bar = '─'.repeat(Math.max(0, this.options.width - displayWidth(text) - 4));
    this.lines.push({ text: clip(`── ${text} ${bar}`, this.options.width), bold: true, color });
  }

  message(kind: PartKind, frame: ExchangeFrame, heading: string, color?: string, index?: number): void {
    this.starts.push(index === undefined ? { kind, line: this.lines.length } : { kind, index, line: this.lines.length });
    this.heading(heading, color);
    if (frame.note) this.text(`note: ${frame.note}`, { color: 'gray' });
    const text = frameText(frame);
    if (frame.original === undefined) {
      this.body(text, color);
      return;
    }
    if (this.options.diff) {
      this.text('what changed (- as it arrived, + as sent on):', { color: 'gray' });
      this.diff(frame.original, text);
      return;
    }
    this.text('as sent on (edited; d shows what changed):', { color: 'magenta' });
    this.body(text, 'magenta');
    this.text('as it arrived:', { color: 'gray' });
    this.body(frame.original, 'gray');
  }

  body(text: string, color?: string): void {
    this.text(this.options.raw ? text : prettyJson(text), color ? { color } : {});
  }

  /** A line diff of the two texts pretty-printed; long unchanged stretches are cut to a little context. */
  diff(before: string, after: string): void {
    const parts = diffLines(prettyJson(before) + '\n', prettyJson(after) + '\n');
    for (const part of parts) {
      const lines = part.value.replace(/\n$/, '').split('\n');
      if (part.added || part.removed) {
        for (const line of lines) this.text(`${part.added ? '+' : '-'} ${line}`, { color: part.added ? 'green' : 'red' });
        continue;
      }
      const shown = lines.length > 7 ? [...lines.slice(0, 3), `… ${lines.length - 6} unchanged lines`, ...lines.slice(-3)] : lines;
      for (const line of shown) this.text(`  ${line}`, { color: 'gray' });
    }
  }
}

function heldLine(paused: PausedView | undefined, now: number): string | undefined {
  if (!paused) return undefined;
  const left = paused.timer === 'stopped' ? 'its timer is stopped while you edit' : `it goes on by itself in ${secondsText(paused.deadline - now)}`;
  const cancelled = paused.cancelled ? ` Its sender CANCELLED it${paused.cancelled.reason ? ` (${paused.cancelled.reason})` : ''}.` : '';
  return `HELD #${paused.pauseId}${paused.reason ? ` (${paused.reason})` : ''}: a resume · x drop · e edit · m mock; ${left}.${cancelled}`;
}

function exchangeDetail(b: Builder, exchange: Exchange, options: DetailOptions): string {
  const { log } = options;
  const facts = [`id ${idText(exchange.id)}`, `conversation ${exchange.conversation}`];
  if (exchange.era) facts.push(exchange.era === 'modern' ? 'MCP 2026-07-28' : 'MCP 2025');
  b.text(facts.join('   '), { color: 'gray' });
  const numbers = [`outcome ${outcomeText(exchange)}`, `latency ${latencyText(exchange.latencyMs) || '-'}`, `size ${sizeText(exchange.bytes)}`];
  if (exchange.heldMs !== undefined) numbers.push(`held ${secondsText(exchange.heldMs)} (not in the latency)`);
  b.text(numbers.join('   '), { bold: true });
  if (exchange.marks.length > 0) b.text(`marks: ${exchange.marks.join(', ')}`, { color: 'gray' });
  if (exchange.cancel) b.text(`cancelled by its sender${exchange.cancel.reason ? `: ${exchange.cancel.reason}` : ''}`, { color: 'yellow' });
  if (exchange.call) {
    const round = (key?: string) => (key ? idText(log.get(key)?.id) : undefined);
    const around = [exchange.call.previous ? `after id ${round(exchange.call.previous) ?? '?'}` : 'the first round', exchange.call.next ? `retried as id ${round(exchange.call.next) ?? '?'}` : undefined].filter(Boolean);
    b.text(`multi round-trip call, round ${exchange.call.round}: ${around.join(', ')}`, { color: 'cyan' });
  }
  if (exchange.stream) {
    b.text(`listen stream: ${exchange.stream.acknowledged ? 'acknowledged' : 'not acknowledged yet'}, ${exchange.stream.delivered} notification(s) delivered`, { color: 'cyan' });
  }
  if (exchange.parent) {
    const parent = log.get(exchange.parent);
    b.text(`asked of the client while it waited for ${parent ? `${exchangeWhat(parent)} (id ${idText(parent.id)})` : 'a request no longer listed'}`, { color: 'cyan' });
  }
  for (const key of exchange.children) {
    const child = log.get(key);
    if (child) b.text(`the server asked: ${exchangeWhat(child)} (id ${idText(child.id)}) → ${outcomeText(child)}`, { color: 'cyan' });
  }
  const held = exchange.held ? heldLine(options.paused.find((p) => p.pauseId === exchange.held!.pauseId), options.now) : undefined;
  if (held) b.text(held, { color: 'yellow', bold: true });

  const who = exchange.direction === 'c2s' ? 'client' : 'server';
  const heldPart = (frame: ExchangeFrame) => (frame.held ? ' — HELD, not sent on yet' : '');
  b.message('request', exchange.request, `request ${arrow(exchange.direction)} from the ${who} ${options.timeOf(exchange.request.time)}${heldPart(exchange.request)}`, exchange.request.held ? 'yellow' : undefined);
  exchange.notifications.forEach((frame, index) => {
    b.message('notification', frame, `${frame.method ?? 'notification'} ${arrow(frame.direction)} ${options.timeOf(frame.time)}${heldPart(frame)}`, 'gray', index);
  });
  if (exchange.answer) {
    const answer = exchange.answer;
    const undelivered = exchange.delivered ? ' — never delivered' : '';
    b.message('answer', answer, `${answer.kind === 'error' ? 'error' : 'answer'} ${arrow(answer.direction)} ${latencyText(exchange.latencyMs)}${heldPart(answer)}${undelivered}`, answer.held ? 'yellow' : answer.kind === 'error' ? 'red' : undefined);
  } else {
    b.text(exchange.outcome === 'cancelled' ? '(no answer: cancelled)' : '(no answer yet)', { color: 'gray' });
  }
  if (exchange.delivered) b.message('delivered', exchange.delivered, `delivered instead ${arrow(exchange.delivered.direction)} (made by the proxy)`, 'blue');
  return `${arrow(exchange.direction)} ${exchangeWhat(exchange)}`;
}

/** The detail of a row's item; with `part`, the same content (the pane scrolls to the part). */
export function detailOf(item: LogItem, options: DetailOptions): DetailContent {
  const b = new Builder(options);
  let title: string;
  if (item.type === 'exchange') {
    title = exchangeDetail(b, item.exchange, options);
  } else {
    const frame = item.frame;
    title = `${arrow(frame.direction)} ${eventWhat(frame)}`;
    b.text(`${frame.kind}   conversation ${frame.conversation}   ${options.timeOf(frame.time)}   ${sizeText(frame.bytes)}${frame.action === 'continue' ? '' : `   ${frame.action}`}`, { color: 'gray' });
    if (frame.held) {
      const held = heldLine(options.paused.find((p) => p.pauseId === frame.pauseId), options.now);
      if (held) b.text(held, { color: 'yellow', bold: true });
    }
    b.message('request', frame, frame.kind);
  }
  return { title, lines: b.lines, starts: b.starts };
}

/** The line a part starts on. */
export function lineOfPart(content: DetailContent, part: Part | undefined): number {
  if (!part) return 0;
  return content.starts.find((s) => s.kind === part.kind && (part.index === undefined || s.index === part.index))?.line ?? 0;
}
