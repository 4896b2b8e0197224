/**
 * Tape expiry, as Polly's `expiresIn` and VCR's `re_record_interval` have it: a tape older than
 * its allowed age no longer says what the server does today. What then is the caller's strategy:
 * warn and replay, fail, or record it again.
 */
import type { TapeInfo } from './types.js';

export type ExpiryStrategy = 'warn' | 'error' | 'record';

export const EXPIRY_STRATEGIES: readonly ExpiryStrategy[] = ['warn', 'error', 'record'];

/** Undefined while the tape is fresh; else a sentence saying how old it is. */
export function expired(tape: Pick<TapeInfo, 'name' | 'createdAt'>, maxAgeMs: number, maxAgeText: string, now = Date.now()): string | undefined {
  const ageMs = now - Date.parse(tape.createdAt);
  if (!(ageMs > maxAgeMs)) return undefined;
  return `tape "${tape.name}" was recorded ${(ageMs / 86_400_000).toFixed(1)} days ago (${tape.createdAt}), more than the allowed ${maxAgeText}`;
}
