/**
 * `--rules FILE` for the commands that run a proxy (record, replay): load and check the file at
 * start (a mistake stops the command with the file, rule and field named), then keep watching it.
 */
import { Option } from 'commander';
import type { Interceptor } from '../core/chain.js';
import type { Logger } from '../core/log.js';
import { RateLimitInterceptor } from '../interceptors/rate-limit.js';
import type { RateSpec } from '../rules/rate.js';
import { RulesInterceptor } from '../interceptors/rules.js';
// The rules loader (and its YAML parser) is loaded only when --rules is given.
import type { RuleSet } from '../rules/index.js';
import type { SessionManager } from '../session/manager.js';
import { UsageError } from './common.js';

export function rulesOption(): Option {
  return new Option('--rules <file>', 'block, mock, modify, delay or pause messages as this YAML or JSON rules file says (see docs/rules.md); re-read when it changes');
}

export interface CliRules {
  readonly interceptor: RulesInterceptor;
  /** The file's per-method rate limits as loaded at start, for RateLimitInterceptor's `methods`. */
  readonly rateLimits: Record<string, RateSpec>;
  /** Keeps a rate limiter's per-method limits in step with the file when it is re-read. */
  follow(limiter: RateLimitInterceptor): void;
  /** Stops watching the file. */
  close(): void;
}

/** Loads `--rules FILE` (nothing when the flag is absent) and starts watching it. Throws UsageError. */
export async function loadRulesOption(file: string | undefined, logger: Logger, options: { watch?: boolean } = {}): Promise<CliRules | undefined> {
  if (file === undefined) return undefined;
  const { RulesError, parseRules, readRulesText, watchRulesFile } = await import('../rules/index.js');
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
  const limiters: RateLimitInterceptor[] = [];
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
            for (const limiter of limiters) limiter.setMethods(next.rateLimits);
          },
        });
  return { interceptor, rateLimits, follow: (limiter) => limiters.push(limiter), close: () => watcher?.close() };
}

/**
 * The interceptors `--rules` adds, in chain order: a rate limiter for the file's `rateLimits:`
 * (there even when the file has none yet, so that an edit can add some), then the rules. A
 * command that has its own rate limiter (record) passes `rateLimits: false` and has its limiter
 * follow the file instead.
 */
export function rulesInterceptors(rules: CliRules | undefined, options: { rateLimits?: boolean; sessions?: SessionManager } = {}): Interceptor[] {
  if (!rules) return [];
  if (options.rateLimits === false) return [rules.interceptor];
  const limiter = new RateLimitInterceptor({ methods: rules.rateLimits, sessions: options.sessions });
  rules.follow(limiter);
  return [limiter, rules.interceptor];
}
