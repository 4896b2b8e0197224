/**
 * The rows of the exchange list: the log's items the filter lets through, in wire order, and
 * under an expanded exchange one row per part (its request, its notifications, its answer).
 * Recomputed only when the log or the filter changed; a filter result is kept per item until
 * that item changes (an answer joins it, a hold ends), so a busy proxy never makes the UI run
 * the filter over everything on every frame.
 */
import type { Exchange, ExchangeFrame, ExchangeLog, LogItem } from '../core/exchange.js';
import { itemMatches, type FilterPredicate } from '../filter/index.js';

export type PartKind = 'request' | 'notification' | 'answer' | 'delivered';

/** A part of an exchange: which message, for an expanded row and the detail pane's place. */
export interface Part {
  kind: PartKind;
  frame: ExchangeFrame;
  /** For a notification: its position among the exchange's notifications. */
  index?: number;
}

export interface Row {
  item: LogItem;
  /** Set on the rows under an expanded exchange. */
  part?: Part;
}

/** The key that names an item across redraws: an exchange's key, or an event's place. */
export function itemKey(item: LogItem): string {
  return item.type === 'exchange' ? item.exchange.key : `#${item.seq}`;
}

/** Changes whenever what the filter could see of an item changes. */
function itemVersion(item: LogItem): string {
  if (item.type === 'event') return `${item.frame.seq}:${item.frame.action}`;
  const e = item.exchange;
  return `${e.request.action}:${e.answer?.seq ?? ''}:${e.answer?.action ?? ''}:${e.delivered?.seq ?? ''}:${e.notifications.length}:${e.outcome}`;
}

export function partsOf(exchange: Exchange): Part[] {
  const parts: Part[] = [{ kind: 'request', frame: exchange.request }];
  exchange.notifications.forEach((frame, index) => parts.push({ kind: 'notification', frame, index }));
  if (exchange.answer) parts.push({ kind: 'answer', frame: exchange.answer });
  if (exchange.delivered) parts.push({ kind: 'delivered', frame: exchange.delivered });
  return parts;
}

export class ListView {
  private predicate: FilterPredicate | undefined;
  private verdicts = new WeakMap<LogItem, { version: string; matches: boolean }>();
  private cached: Row[] = [];
  private cachedFor = -1;
  private cachedExpanded: ReadonlySet<string> | undefined;

  setFilter(predicate: FilterPredicate | undefined): void {
    this.predicate = predicate;
    // What the last filter said of each item says nothing about this one.
    this.verdicts = new WeakMap();
    this.cachedFor = -1;
  }

  get filtered(): boolean {
    return this.predicate !== undefined;
  }

  private matches(item: LogItem): boolean {
    const predicate = this.predicate;
    if (!predicate) return true;
    const version = itemVersion(item);
    const known = this.verdicts.get(item);
    if (known && known.version === version) return known.matches;
    const matches = itemMatches(predicate, item);
    this.verdicts.set(item, { version, matches });
    return matches;
  }

  /** The rows for this version of the log (`version` bumps whenever the log changes). */
  rows(log: ExchangeLog, version: number, expanded: ReadonlySet<string>): Row[] {
    if (version === this.cachedFor && expanded === this.cachedExpanded) return this.cached;
    const rows: Row[] = [];
    for (const item of log.items()) {
      if (!this.matches(item)) continue;
      rows.push({ item });
      if (item.type === 'exchange' && expanded.has(item.exchange.key)) {
        for (const part of partsOf(item.exchange)) rows.push({ item, part });
      }
    }
    this.cached = rows;
    this.cachedFor = version;
    this.cachedExpanded = expanded;
    return rows;
  }
}
