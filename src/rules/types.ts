/** A rules file once read and checked: plain data, ready for RulesInterceptor. */
import type { Operation } from 'fast-json-patch';
import type { RateSpec } from './rate.js';

export type RuleAction =
  /** Stop looking at later rules and let the message through. */
  | { type: 'continue' }
  | { type: 'block'; reason: string; code?: number }
  /** Exactly one of `result` (the result of the answer) or `response` (a whole response or error). */
  | { type: 'mock'; result?: unknown; response?: Record<string, unknown> }
  /** Exactly one of `patch` (RFC 6902 operations) or `merge` (an RFC 7386 merge patch). */
  | { type: 'modify'; patch?: Operation[]; merge?: Record<string, unknown> }
  | { type: 'delay'; ms: number; then?: RuleAction }
  | { type: 'pause'; timeoutMs?: number; reason?: string };

export type ActionName = RuleAction['type'];

export interface Rule {
  /** 1-based position in the file. */
  index: number;
  name?: string;
  /** 1-based line of the rule in the file, when known. */
  line?: number;
  /** A filter expression (docs/filters.md). */
  match: string;
  action: RuleAction;
}

export interface RuleSet {
  /** The file as the user named it. */
  file: string;
  rules: Rule[];
  /** Per-method rate limits (method glob to limit), for RateLimitInterceptor's `methods`. */
  rateLimits: Record<string, RateSpec>;
}

/** How a rule is named in messages: `rule 2 ("no sums")`. */
export function describeRule(rule: Pick<Rule, 'index' | 'name'>): string {
  return rule.name === undefined ? `rule ${rule.index}` : `rule ${rule.index} (${JSON.stringify(rule.name)})`;
}
