/**
 * `--rules FILE` for the commands that run a proxy (record, replay): load and check the file at
 * start (a mistake stops the command with the file, rule and field named), then keep watching it.
 */
import { Option } from 'commander';
import type { Interceptor } from '../core/chain.js';
import type { Logger } from '../core/log.js';
import { RateLimitInterceptor, type RateSpec } from '../interceptors/rate-limit.js';
import { RulesInterceptor } from '../interceptors/rules.js';
import { RulesError, parseRules, readRulesText, watchRulesFile, type RuleSet } from '../rules/index.js';
import type { SessionManager } from '../session/manager.js';
import { UsageError } from './common.js';

export function rulesOption(): Option {
  return new Option('--rules <file>', 'block, mock, modify, delay or pause messages as this YAML or JSON rules file says (see docs/rules.md); re-read when it changes');
}

export interface CliRules {
  readonly interceptor: RulesInterceptor;
  /** The file's per-method rate limits, for RateLimitInterceptor's `methods`. Fixed at start. */
  readonly rateLimits: Record<string, RateSpec>;
  /** Stops watching the file. */
  close(): void;
}

/** Loads `--rules FILE` (nothing when the flag is absent) and starts watching it. Throws UsageError. */
export function loadRulesOption(file: string | undefined, logger: Logger, options: { watch?: boolean } = {}): CliRules | undefined {
  if (file === undefined) return undefined;
  let text: string;
  let rules: RuleSet;
  try {
    text = readRulesText(file);
    rules = parseRules(text, file);
  } catch (error) {
    if (error instanceof RulesError) throw new UsageError(error.message);
    throw error;
  }
  const interceptor = new RulesInterceptor(rules.rules);
  logger.debug(`${rules.rules.length} rules loaded from ${file}`);
  const rateLimits = rules.rateLimits;
  const watcher =
    options.watch === false
      ? undefined
      : watchRulesFile({
          file,
          loadedText: text,
          loadedCount: rules.rules.length,
          logger,
          onReload: (next) => {
            interceptor.replace(next.rules);
            if (JSON.stringify(next.rateLimits) !== JSON.stringify(rateLimits)) {
              logger.warn(`rateLimits in ${file} changed; rate limits are set at start, so the change takes effect at the next start`);
            }
          },
        });
  return { interceptor, rateLimits, close: () => watcher?.close() };
}

/**
 * The interceptors `--rules` adds, in chain order: rate limits first, then the rules. A command
 * that has its own rate limiter (record) passes `rateLimits: false` and gives the file's
 * limits to it instead.
 */
export function rulesInterceptors(rules: CliRules | undefined, options: { rateLimits?: boolean; sessions?: SessionManager } = {}): Interceptor[] {
  if (!rules) return [];
  const withLimits = options.rateLimits !== false && Object.keys(rules.rateLimits).length > 0;
  return withLimits ? [new RateLimitInterceptor({ methods: rules.rateLimits, sessions: options.sessions }), rules.interceptor] : [rules.interceptor];
}
