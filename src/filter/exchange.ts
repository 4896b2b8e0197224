/**
 * The filter language over the exchange model: an item matches when any of its messages does
 * (its request, its answer, what was delivered instead, its notifications), each seen as the
 * language sees a message: an answer by the request it answers, so `~t echo` finds a call and
 * however it ended (answered, mocked, dropped). Pure.
 */
import type { Exchange, ExchangeFrame, LogItem } from '../core/exchange.js';
import type { FilterPredicate, FilterSubject } from './evaluate.js';

function textOf(frame: ExchangeFrame): string {
  if (frame.text !== undefined) return frame.text;
  try {
    return JSON.stringify(frame.message) ?? '';
  } catch {
    return '';
  }
}

function subject(frame: ExchangeFrame, exchange?: Exchange): FilterSubject {
  const answer = frame.kind === 'response' || frame.kind === 'error';
  const method = answer && exchange ? exchange.method : frame.method;
  const tool = method === 'tools/call' ? (exchange?.name ?? frame.name) : undefined;
  return { direction: frame.direction, kind: frame.kind, method, toolName: tool, id: frame.id, sessionId: frame.conversation, text: textOf(frame) };
}

/** What the filter looks at for one item, message by message. */
export function subjectsOfItem(item: LogItem): FilterSubject[] {
  if (item.type === 'event') return [subject(item.frame)];
  const e = item.exchange;
  const frames = [e.request, ...(e.answer ? [e.answer] : []), ...(e.delivered ? [e.delivered] : []), ...e.notifications];
  return frames.map((frame) => subject(frame, e));
}

export function itemMatches(predicate: FilterPredicate, item: LogItem): boolean {
  return subjectsOfItem(item).some(predicate);
}
