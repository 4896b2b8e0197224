/**
 * Rate limits: a token bucket per session (and optionally one for everyone), with per-method
 * overrides. A request over the limit is answered with a JSON-RPC error that says it was rate
 * limited and when to retry; it still lands on the tape (as blocked). Notifications are never
 * limited, so nothing is dropped without a trace. Bucket state is kept in the session's metadata,
 * so a session store carries it across restarts and processes.
 */
import type { InterceptAction } from '../core/actions.js';
import type { Interceptor } from '../core/chain.js';
import type { InterceptContext } from '../core/context.js';
import { ErrorCode } from '../core/jsonrpc.js';
import { globToRegExp } from '../filter/index.js';
import type { SessionManager } from '../session/manager.js';
import type { RateSpec } from '../rules/rate.js';

export interface RateLimitOptions {
  perSession?: RateSpec;
  global?: RateSpec;
  /** Method globs (`tools/*`) with their own per-session limit, checked before the general one. */
  methods?: Record<string, RateSpec>;
  /** Where bucket state is kept (session metadata); without it, buckets live in this process only. */
  sessions?: SessionManager;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class RateLimitInterceptor implements Interceptor {
  readonly name = 'rate-limit';
  private readonly buckets = new Map<string, Bucket>();
  private readonly globalBucket?: Bucket;
  private methods: { pattern: RegExp; glob: string; spec: RateSpec }[] = [];

  constructor(private readonly options: RateLimitOptions) {
    if (options.global) this.globalBucket = { tokens: burstOf(options.global), updatedAt: Date.now() };
    this.setMethods(options.methods ?? {});
  }

  /**
   * Replaces the per-method limits (a rules file was edited). Buckets of method limits are built
   * again under the new specs (a stored session's tokens capped at the new burst); the general
   * per-session and global buckets are kept.
   */
  setMethods(methods: Record<string, RateSpec>): void {
    this.methods = Object.entries(methods).map(([glob, spec]) => ({ pattern: globToRegExp(glob), glob, spec }));
    for (const key of this.buckets.keys()) if (!key.endsWith('\u0000*')) this.buckets.delete(key);
  }

  /** Limits go by the summary's method alone. */
  needsMessage(): boolean {
    return false;
  }

  intercept(ctx: InterceptContext): InterceptAction | void {
    if (ctx.direction !== 'c2s' || ctx.summary.kind !== 'request') return;
    const method = ctx.summary.method ?? '';
    const now = Date.now();
    if (this.globalBucket && this.options.global) {
      const wait = take(this.globalBucket, this.options.global, now);
      if (wait > 0) return refuse(`${fmt(this.options.global)} for all sessions`, wait);
    }
    const override = this.methods.find((m) => m.pattern.test(method));
    const spec = override?.spec ?? this.options.perSession;
    if (!spec) return;
    const key = `${ctx.sessionId}\u0000${override?.glob ?? '*'}`;
    const bucket = this.bucketFor(ctx.sessionId, key, spec, now);
    const wait = take(bucket, spec, now);
    this.persist(ctx.sessionId, key, bucket);
    if (wait > 0) return refuse(`${fmt(spec)} per session${override ? ` for ${override.glob}` : ''}`, wait);
  }

  private bucketFor(sessionId: string, key: string, spec: RateSpec, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      // A session resumed from a store brings its bucket along.
      const saved = this.options.sessions?.peek(sessionId)?.metadata.rateLimit as Record<string, Bucket> | undefined;
      bucket = saved?.[key.split('\u0000')[1]!] ?? { tokens: burstOf(spec), updatedAt: now };
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  private persist(sessionId: string, key: string, bucket: Bucket): void {
    this.options.sessions?.update(sessionId, (session) => {
      const state = (session.metadata.rateLimit as Record<string, Bucket> | undefined) ?? {};
      state[key.split('\u0000')[1]!] = { tokens: bucket.tokens, updatedAt: bucket.updatedAt };
      session.metadata.rateLimit = state as never;
    });
  }

  /** Forgets a finished session's buckets (its state stays in the session, if stored). */
  forget(sessionId: string): void {
    for (const key of this.buckets.keys()) if (key.startsWith(`${sessionId}\u0000`)) this.buckets.delete(key);
  }
}

function burstOf(spec: RateSpec): number {
  return spec.burst ?? Math.max(1, Math.ceil(spec.perSecond));
}

/** Takes a token; returns 0, or how many ms until one is free. */
function take(bucket: Bucket, spec: RateSpec, now: number): number {
  const burst = burstOf(spec);
  bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * spec.perSecond);
  bucket.updatedAt = now;
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  return Math.ceil(((1 - bucket.tokens) / spec.perSecond) * 1000);
}

function fmt(spec: RateSpec): string {
  return spec.perSecond >= 1 ? `${+spec.perSecond.toFixed(2)}/s` : `${+(spec.perSecond * 60).toFixed(2)}/min`;
}

function refuse(limit: string, waitMs: number): InterceptAction {
  return { type: 'block', code: ErrorCode.RateLimited, reason: `rate limited: over ${limit}; retry after ${waitMs} ms` };
}
