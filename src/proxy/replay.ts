/**
 * A tape as an upstream: every session a replay serves gets its own ReplayTransport over the same
 * script; their counts add up to the summary printed at exit. Requests passed through to a real
 * server are appended to the tape.
 */
import { frameEventFor } from '../core/frame-event.js';
import { buildReplayScript } from '../tape/replay-script.js';
import { TapeRecorder } from '../tape/recorder.js';
import type { TapeStore } from '../tape/store.js';
import { ReplayTransport, type ReplayOptions } from '../transports/replay.js';
import type { Transport } from '../core/transport.js';
import type { UpstreamSpec } from './upstream.js';
import { describeRequest } from '../tape/matcher.js';
import { Redactor } from '../tape/redact.js';

export interface ReplayUpstreamOptions extends Omit<ReplayOptions, 'onPassthroughFrame'> {
  /** Record what the passthrough server answers onto the tape (VCR's new episodes). */
  recordPassthrough?: boolean;
}

export interface ReplaySummary {
  matched: number;
  /** Redacted paths that matched any value, one entry per request that needed it. */
  redactedMatches: string[];
  missed: string[];
  /** Housekeeping requests the tape lacks that were answered anyway (not with --strict). */
  housekeeping: string[];
  unused: string[];
  passedThrough: number;
  answerDifferences: string[];
  /** Frame numbers of the recorded requests answered with, by any session. */
  used: number[];
}

export interface ReplayUpstream {
  spec: UpstreamSpec;
  summary(): ReplaySummary;
  /** Flushes frames appended by passthrough. */
  close(): void;
}

export function replayUpstream(store: TapeStore, tapeName: string, options: ReplayUpstreamOptions = {}): ReplayUpstream {
  const tape = store.requireTape(tapeName);
  const script = buildReplayScript(store.frames(tape.id));
  // Live sessions' transports; a finished session's counts are folded in and it is let go, so a
  // long-running replay server does not keep every session it ever served.
  const transports = new Set<ReplayTransport>();
  const finished: ReplaySummary = { matched: 0, redactedMatches: [], missed: [], housekeeping: [], unused: [], passedThrough: 0, answerDifferences: [], used: [] };
  const used = new Set<number>();
  const redactor = Redactor.forPrinting(tape.redactions);
  let finishedUnused: string[][] = [];
  let recorder: TapeRecorder | undefined;
  let passthroughSessions = 0;
  const create = (): Transport => {
    const sessionKey = `passthrough-${process.pid}-${++passthroughSessions}`;
    const transport = new ReplayTransport(script, {
      redactor,
      ...options,
      onPassthroughFrame:
        options.passthrough && options.recordPassthrough !== false
          ? (direction, text, latencyMs, requestMethod) => {
              recorder ??= new TapeRecorder(store, tape);
              recorder.record(frameEventFor({ sessionId: sessionKey, transport: 'stdio', direction, text }, { latencyMs, requestMethod, flags: ['passthrough'] }));
            }
          : undefined,
    });
    transports.add(transport);
    const onclose = () => {
      if (!transports.delete(transport)) return;
      finished.matched += transport.stats.matched;
      finished.redactedMatches.push(...transport.stats.redactedMatches);
      finished.missed.push(...transport.stats.missed);
      finished.housekeeping.push(...transport.stats.housekeeping);
      finished.passedThrough += transport.stats.passedThrough;
      finished.answerDifferences.push(...transport.stats.answerDifferences);
      for (const seq of transport.used) used.add(seq);
      finishedUnused = [intersect([...finishedUnused, transport.unused()])];
    };
    const close = transport.close.bind(transport);
    transport.close = async () => {
      await close();
      onclose();
    };
    return transport;
  };
  return {
    spec: { kind: 'replay', tape: tapeName, create },
    summary: () => {
      const live = [...transports];
      const lists = [...finishedUnused, ...live.map((t) => t.unused())];
      return {
        matched: finished.matched + sum(live.map((t) => t.stats.matched)),
        redactedMatches: [...finished.redactedMatches, ...live.flatMap((t) => t.stats.redactedMatches)],
        missed: [...finished.missed, ...live.flatMap((t) => t.stats.missed)],
        housekeeping: [...finished.housekeeping, ...live.flatMap((t) => t.stats.housekeeping)],
        unused: lists.length === 0 ? script.exchanges.filter((e) => e.method !== 'server/discover').map((e) => describeRequest(e.method, e.params)) : intersect(lists),
        passedThrough: finished.passedThrough + sum(live.map((t) => t.stats.passedThrough)),
        answerDifferences: [...finished.answerDifferences, ...live.flatMap((t) => t.stats.answerDifferences)],
        used: [...new Set([...used, ...live.flatMap((t) => [...t.used])])].sort((a, b) => a - b),
      };
    },
    close: () => recorder?.close(),
  };
}

/** Each distinct value with how often it occurs, in first-seen order. */
function tally(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** A recorded request counts as unused only if no session used it. */
function intersect(lists: string[][]): string[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return lists[0]!;
  const counts = lists.map((list) => {
    const m = new Map<string, number>();
    for (const item of list) m.set(item, (m.get(item) ?? 0) + 1);
    return m;
  });
  const result: string[] = [];
  for (const [item, n] of counts[0]!) {
    const min = Math.min(n, ...counts.slice(1).map((m) => m.get(item) ?? 0));
    for (let i = 0; i < min; i++) result.push(item);
  }
  return result;
}

export function formatSummary(summary: ReplaySummary): string[] {
  const lines = [
    `replay: ${summary.matched} matched, ${summary.missed.length} missed, ${summary.unused.length} recorded request(s) unused${summary.passedThrough ? `, ${summary.passedThrough} passed through` : ''}`,
  ];
  for (const [path, count] of tally(summary.redactedMatches)) lines.push(`  redacted on the tape, so any value matched: ${path} (${count} request${count === 1 ? '' : 's'})`);
  for (const [method, count] of tally(summary.housekeeping)) lines.push(`  answered without the tape, as the recorded server would: ${method}${count > 1 ? ` (${count} times)` : ''}`);
  for (const miss of summary.missed) lines.push(`  missed: ${miss}`);
  for (const unused of summary.unused) lines.push(`  unused: ${unused}`);
  for (const difference of summary.answerDifferences) lines.push(`  client answered differently: ${difference}`);
  return lines;
}
