/**
 * Request matching for replay, verify and tape diffs: a request matches a recorded one when the
 * method and the canonical params are the same. Key order, whitespace and the JSON-RPC id never
 * matter; `_meta` (progress tokens and the like) is ignored, and so is `requestState` (the opaque
 * state of a multi round-trip call, the server's to mint and never compared), and the caller's
 * `ignore` paths into params. Identical requests are served in recorded order, as VCR does.
 */
import { isObject } from '../core/jsonrpc.js';
import { canonicalJson, parsePaths, withoutPaths } from './canonical.js';

export interface MatcherOptions {
  /** Dot paths into params left out of matching, e.g. `arguments.timestamp`. */
  ignore?: string[];
  /** Once the recorded answers to a request are used up, serve the last one again. */
  reuse?: boolean;
}

/** The part of a request that decides its match. */
export function requestKey(method: string, params: unknown, ignore: string[][] = []): string {
  let relevant = params;
  if (isObject(relevant) && ('_meta' in relevant || 'requestState' in relevant)) {
    const { _meta: _ignored, requestState: _opaque, ...rest } = relevant;
    relevant = rest;
  }
  if (ignore.length > 0) relevant = withoutPaths(relevant, ignore);
  // Absent params and empty params mean the same request.
  if (relevant === undefined || (isObject(relevant) && Object.keys(relevant).length === 0)) return `${method} {}`;
  return `${method} ${canonicalJson(relevant)}`;
}

export interface Candidate<T> {
  method: string;
  params: unknown;
  item: T;
  /**
   * Paths into params whose recorded value was redacted: any value matches there (the tape
   * cannot say what the secret was).
   */
  wildcards?: string[][];
}

export class RequestMatcher<T> {
  /** By wildcard set, then by key: most tapes have one set (none), a few a handful. */
  private readonly byKey = new Map<string, { wildcards: string[][]; entries: Map<string, { items: Candidate<T>[]; next: number }> }>();
  private readonly all: Candidate<T>[];
  private readonly order = new Map<Candidate<T>, number>();
  private readonly ignore: string[][];
  private readonly used = new Set<Candidate<T>>();
  private readonly byItem = new Map<T, Candidate<T>>();

  constructor(
    candidates: Candidate<T>[],
    private readonly options: MatcherOptions = {},
  ) {
    this.all = candidates;
    this.ignore = parsePaths(options.ignore ?? []);
    candidates.forEach((candidate, index) => {
      this.order.set(candidate, index);
      const wildcards = candidate.wildcards ?? [];
      const setKey = JSON.stringify(wildcards);
      const set = this.byKey.get(setKey) ?? { wildcards, entries: new Map() };
      this.byKey.set(setKey, set);
      const key = requestKey(candidate.method, candidate.params, [...this.ignore, ...wildcards]);
      const entry = set.entries.get(key) ?? { items: [], next: 0 };
      entry.items.push(candidate);
      set.entries.set(key, entry);
      this.byItem.set(candidate.item, candidate);
    });
  }

  /** Takes a recorded item found another way (the next round of a multi round-trip call), so it is not served twice. */
  claim(item: T): void {
    const candidate = this.byItem.get(item);
    if (candidate) this.used.add(candidate);
  }

  /** The next recorded item for this request, or undefined (a miss). */
  take(method: string, params: unknown): T | undefined {
    // The earliest recorded candidate that matches, whichever fields of it were redacted.
    let best: { items: Candidate<T>[]; next: number } | undefined;
    let reused: Candidate<T> | undefined;
    for (const set of this.byKey.values()) {
      const entry = set.entries.get(requestKey(method, params, set.wildcards.length > 0 ? [...this.ignore, ...set.wildcards] : this.ignore));
      if (!entry) continue;
      // Items taken another way (claim) are passed over.
      while (entry.next < entry.items.length && this.used.has(entry.items[entry.next]!)) entry.next++;
      if (entry.next < entry.items.length) {
        if (!best || this.order.get(entry.items[entry.next]!)! < this.order.get(best.items[best.next]!)!) best = entry;
      } else {
        reused ??= entry.items[entry.items.length - 1];
      }
    }
    if (best) {
      const candidate = best.items[best.next++]!;
      this.used.add(candidate);
      return candidate.item;
    }
    return this.options.reuse ? reused?.item : undefined;
  }

  /** Recorded items never taken. */
  unused(): Candidate<T>[] {
    return this.all.filter((c) => !this.used.has(c));
  }

  /**
   * The recorded request closest to a miss, to name in the error: the same method with the most
   * similar params, else the method with the closest name.
   */
  nearest(method: string, params: unknown): Candidate<T> | undefined {
    const text = requestKey(method, params, this.ignore);
    const sameMethod = this.all.filter((c) => c.method === method);
    const pool = sameMethod.length > 0 ? sameMethod : this.all;
    let best: Candidate<T> | undefined;
    let bestScore = Infinity;
    for (const candidate of pool) {
      const score = sameMethod.length > 0 ? distance(text, requestKey(candidate.method, candidate.params, this.ignore)) : distance(method, candidate.method);
      if (score < bestScore) {
        best = candidate;
        bestScore = score;
      }
    }
    return best;
  }
}

/** Edit distance, capped in cost: long params are compared on their first 500 characters. */
function distance(a: string, b: string): number {
  const s = a.slice(0, 500);
  const t = b.slice(0, 500);
  let previous = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[t.length]! + Math.abs(a.length - b.length) / 1000;
}

/** A short description of a request for messages: `tools/call {"name":"echo",...}`. */
export function describeRequest(method: string, params: unknown): string {
  const key = requestKey(method, params);
  return key.length > 160 ? `${key.slice(0, 157)}...` : key;
}
