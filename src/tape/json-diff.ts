/**
 * Differences between two JSON values, by path (`result.content[0].text`), for verify and tape
 * diffs. Ids never count; timestamps count only as "a timestamp" (one ISO time equals another).
 */
import { isObject } from '../core/jsonrpc.js';

export interface Difference {
  path: string;
  kind: 'changed' | 'added' | 'removed';
  recorded?: unknown;
  live?: unknown;
}

const ISO_TIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

function formatPath(path: (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** True when `path` is covered by one of the ignore patterns (dot paths; `*` for any key or index). */
function ignored(path: (string | number)[], patterns: string[][]): boolean {
  return patterns.some((pattern) => pattern.length <= path.length && pattern.every((segment, i) => segment === '*' || segment === String(path[i])));
}

export function jsonDiff(recorded: unknown, live: unknown, ignore: string[][] = [], path: (string | number)[] = []): Difference[] {
  if (path.length > 0 && ignored(path, ignore)) return [];
  if (typeof recorded === 'string' && typeof live === 'string' && ISO_TIME.test(recorded) && ISO_TIME.test(live)) return [];
  if (Array.isArray(recorded) && Array.isArray(live)) {
    const out: Difference[] = [];
    for (let i = 0; i < Math.max(recorded.length, live.length); i++) {
      if (i >= live.length) out.push({ path: formatPath([...path, i]), kind: 'removed', recorded: recorded[i] });
      else if (i >= recorded.length) out.push({ path: formatPath([...path, i]), kind: 'added', live: live[i] });
      else out.push(...jsonDiff(recorded[i], live[i], ignore, [...path, i]));
    }
    return out;
  }
  if (isObject(recorded) && isObject(live)) {
    const out: Difference[] = [];
    for (const key of new Set([...Object.keys(recorded), ...Object.keys(live)])) {
      const at = [...path, key];
      if (ignored(at, ignore)) continue;
      if (!(key in live)) out.push({ path: formatPath(at), kind: 'removed', recorded: recorded[key] });
      else if (!(key in recorded)) out.push({ path: formatPath(at), kind: 'added', live: live[key] });
      else out.push(...jsonDiff(recorded[key], live[key], ignore, at));
    }
    return out;
  }
  if (JSON.stringify(recorded) === JSON.stringify(live)) return [];
  return [{ path: formatPath(path) || '(value)', kind: 'changed', recorded, live }];
}

const show = (value: unknown) => {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

export function describeDifference(d: Difference): string {
  if (d.kind === 'added') return `${d.path}: added ${show(d.live)}`;
  if (d.kind === 'removed') return `${d.path}: removed (was ${show(d.recorded)})`;
  return `${d.path}: ${show(d.recorded)} → ${show(d.live)}`;
}

/** The parts of a response that are compared: its result or error, never its id. */
export function answerOf(message: unknown): Record<string, unknown> {
  if (!isObject(message)) return { value: message };
  return 'error' in message ? { error: message.error } : { result: message.result };
}
