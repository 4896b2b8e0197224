/**
 * Two tapes compared exchange by exchange, with the matching replay uses: requests only in one,
 * answers that changed (by path), tools/resources/prompts that appeared or went, latency changes.
 * A multi round-trip call is one exchange: its rounds are compared in turn (the opaque
 * `requestState` never), and a different number of rounds is a change. A `subscriptions/listen`
 * stream is compared by its acknowledgement and the notifications it delivered.
 */
import { parseOrUndefined, isObject } from '../core/jsonrpc.js';
import { answerOf, describeDifference, jsonDiff, type Difference } from './json-diff.js';
import { describeRequest, RequestMatcher } from './matcher.js';
import { buildReplayScript, type RecordedExchange, type ReplayScript } from './replay-script.js';
import type { TapeFrame } from './types.js';
import { parsePaths } from './canonical.js';

export interface ChangedExchange {
  request: string;
  differences: Difference[];
}

export interface LatencyChange {
  request: string;
  before: number;
  after: number;
}

export interface ListChange {
  list: 'tools' | 'resources' | 'prompts' | 'resourceTemplates';
  added: string[];
  removed: string[];
}

export interface TapeDiff {
  added: string[];
  removed: string[];
  changed: ChangedExchange[];
  lists: ListChange[];
  latency: LatencyChange[];
  same: number;
  /** The requests whose answers agree (as many as `same`), for reports that list every exchange. */
  agreed: string[];
}

const LISTS: Record<string, { list: ListChange['list']; key: string; name: string }> = {
  'tools/list': { list: 'tools', key: 'tools', name: 'name' },
  'resources/list': { list: 'resources', key: 'resources', name: 'uri' },
  'resources/templates/list': { list: 'resourceTemplates', key: 'resourceTemplates', name: 'uriTemplate' },
  'prompts/list': { list: 'prompts', key: 'prompts', name: 'name' },
};

function answer(exchange: RecordedExchange): unknown {
  return parseOrUndefined(exchange.response?.message ?? 'null') ?? null;
}

function names(message: unknown, key: string, name: string): string[] {
  const result = isObject(message) && isObject(message.result) ? message.result[key] : undefined;
  return Array.isArray(result) ? result.map((item) => (isObject(item) ? String(item[name]) : '?')) : [];
}

export interface DiffOptions {
  ignore?: string[];
  /** A latency change is reported when the new median is this many times the old (or its inverse). Default 2. */
  latencyFactor?: number;
  /** ... and differs by at least this many ms. Default 5. */
  latencyFloorMs?: number;
}

/** The rounds of the logical call `first` begins: just it, unless it is a multi round-trip call. */
function roundsOf(first: RecordedExchange): RecordedExchange[] {
  const rounds = [first];
  for (let round = first.next; round; round = round.next) rounds.push(round);
  return rounds;
}

/** What of a listen stream is compared: what it was acknowledged with, and what it delivered. */
function streamOf(exchange: RecordedExchange): unknown {
  const ack = exchange.exchange.stream?.acknowledged?.message;
  const params = isObject(ack) && isObject(ack.params) ? { ...ack.params } : {};
  delete params._meta;
  const delivered = exchange.exchange.notifications.filter((n) => n.direction === 's2c' && n !== exchange.exchange.stream?.acknowledged).map((n) => n.method);
  return { acknowledged: params, delivered };
}

/** The differences between two logical calls, round by round. */
function compareCalls(old: RecordedExchange, counterpart: RecordedExchange, ignore: string[][]): Difference[] {
  if (old.listen) return jsonDiff(streamOf(old), streamOf(counterpart), ignore);
  const was = roundsOf(old);
  const now = roundsOf(counterpart);
  const many = was.length > 1 || now.length > 1;
  const differences: Difference[] = [];
  for (let i = 0; i < Math.min(was.length, now.length); i++) {
    const found = jsonDiff(answerOf(answer(was[i]!)), answerOf(answer(now[i]!)), ignore);
    differences.push(...(many ? found.map((d) => ({ ...d, path: `round ${i + 1} ${d.path}` })) : found));
  }
  if (was.length !== now.length) differences.push({ path: 'rounds', kind: 'changed', recorded: was.length, live: now.length });
  return differences;
}

export function diffTapes(a: TapeFrame[], b: TapeFrame[], options: DiffOptions = {}): TapeDiff {
  const ignore = [...parsePaths(options.ignore ?? []), ['result', 'requestState']];
  const before = buildReplayScript(a);
  const after = buildReplayScript(b);
  // Logical calls: a multi round-trip call by its first round; a listen stream has no answer until it ends.
  const all = (s: ReplayScript) => [...(s.initialize ? [s.initialize] : []), ...s.exchanges].filter((e) => (e.response || e.listen) && !e.previous);
  // initialize and server/discover params carry the client's name and version; match them on the method alone.
  const key = (e: RecordedExchange) => (e.method === 'initialize' || e.method === 'server/discover' ? {} : e.params);
  const matcher = new RequestMatcher(all(after).map((e) => ({ method: e.method, params: key(e), item: e })));
  const diff: TapeDiff = { added: [], removed: [], changed: [], lists: [], latency: [], same: 0, agreed: [] };
  const latencies = new Map<string, { before: number[]; after: number[] }>();
  for (const old of all(before)) {
    const counterpart = matcher.take(old.method, key(old));
    const described = describeRequest(old.method, old.params);
    if (!counterpart) {
      diff.removed.push(described);
      continue;
    }
    const differences = compareCalls(old, counterpart, ignore);
    if (differences.length === 0) {
      diff.same++;
      diff.agreed.push(described);
    } else diff.changed.push({ request: described, differences });
    const list = LISTS[old.method];
    if (list) {
      const was = new Set(names(answer(old), list.key, list.name));
      const now = new Set(names(answer(counterpart), list.key, list.name));
      const added = [...now].filter((n) => !was.has(n));
      const removed = [...was].filter((n) => !now.has(n));
      if (added.length > 0 || removed.length > 0) diff.lists.push({ list: list.list, added, removed });
    }
    const times = latencies.get(described) ?? { before: [], after: [] };
    if (!old.listen && old.response?.latencyMs !== undefined) times.before.push(old.response.latencyMs);
    if (!counterpart.listen && counterpart.response?.latencyMs !== undefined) times.after.push(counterpart.response.latencyMs);
    latencies.set(described, times);
  }
  diff.added = matcher.unused().map((c) => describeRequest(c.method, c.item.params));
  const factor = options.latencyFactor ?? 2;
  const floor = options.latencyFloorMs ?? 5;
  for (const [request, times] of latencies) {
    if (times.before.length === 0 || times.after.length === 0) continue;
    const was = median(times.before);
    const now = median(times.after);
    if (Math.abs(now - was) >= floor && (now >= was * factor || was >= now * factor)) diff.latency.push({ request, before: was, after: now });
  }
  return diff;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function hasDifferences(diff: TapeDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length + diff.lists.length + diff.latency.length > 0;
}

/** One line of a diff as `tapes diff` prints it; `tone` says how a console colours it. */
export interface DiffLine {
  tone: 'removed' | 'added' | 'changed' | 'detail' | 'summary';
  text: string;
}

/** The diff in the lines `mcp-tap tapes diff` prints, so every console says the same. */
export function describeTapeDiff(diff: TapeDiff, a: string, b: string): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const request of diff.removed) lines.push({ tone: 'removed', text: `- ${request}` });
  for (const request of diff.added) lines.push({ tone: 'added', text: `+ ${request}` });
  for (const change of diff.changed) {
    lines.push({ tone: 'changed', text: `~ ${change.request}` });
    for (const d of change.differences) lines.push({ tone: 'detail', text: `    ${describeDifference(d)}` });
  }
  for (const list of diff.lists) {
    for (const name of list.added) lines.push({ tone: 'added', text: `+ ${list.list}: ${name}` });
    for (const name of list.removed) lines.push({ tone: 'removed', text: `- ${list.list}: ${name}` });
  }
  for (const l of diff.latency) lines.push({ tone: 'changed', text: `~ latency ${l.request}: ${l.before.toFixed(1)} ms → ${l.after.toFixed(1)} ms` });
  lines.push({
    tone: 'summary',
    text: hasDifferences(diff) ? `${diff.changed.length} changed, ${diff.added.length} added, ${diff.removed.length} removed, ${diff.same} the same` : `tapes "${a}" and "${b}" agree (${diff.same} requests)`,
  });
  return lines;
}
