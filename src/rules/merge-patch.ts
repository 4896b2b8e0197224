/**
 * JSON Merge Patch (RFC 7386, updated by RFC 7396): an object patch sets its members on the target,
 * recursively, and a member set to null removes it; anything other than an object replaces the
 * target whole. Written out here because it is this short; the target is never changed in place.
 */
import { isObject } from '../core/jsonrpc.js';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
