/** Canonical JSON: the same value always gives the same text, whatever the key order. */
import { isObject } from '../core/jsonrpc.js';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A copy of `value` without the values at `paths` (dot paths; `*` for any key or index). */
export function withoutPaths(value: unknown, paths: string[][]): unknown {
  let result = value;
  for (const path of paths) result = dropPath(result, path, 0);
  return result;
}

function dropPath(node: unknown, path: string[], depth: number): unknown {
  const segment = path[depth];
  if (segment === undefined) return node;
  const last = depth === path.length - 1;
  if (Array.isArray(node)) {
    return node.flatMap((item, index) => {
      if (segment !== '*' && segment !== String(index)) return [item];
      return last ? [] : [dropPath(item, path, depth + 1)];
    });
  }
  if (!isObject(node)) return node;
  const copy: Record<string, unknown> = { ...node };
  for (const key of segment === '*' ? Object.keys(copy) : [segment]) {
    if (!(key in copy)) continue;
    if (last) delete copy[key];
    else copy[key] = dropPath(copy[key], path, depth + 1);
  }
  return copy;
}

export function parsePaths(paths: string[]): string[][] {
  return paths.map((p) => p.split('.').filter((s) => s.length > 0));
}
