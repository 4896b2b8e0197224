/**
 * Runs interceptors in order over one message and reduces their actions to a Verdict.
 * Synchronous interceptors cost no promise: the chain only becomes asynchronous at the first
 * interceptor that returns one, or at a pause or delay.
 */
import { CONTINUE, type InterceptAction, type Verdict } from './actions.js';
import type { FrameEvent, InterceptContext } from './context.js';
import { summarize, type Direction, type MessageSummary } from './jsonrpc.js';
import { PauseController, type PauseResolution } from './pause.js';

export interface Interceptor {
  readonly name: string;
  /** Decides about a message; returning nothing means continue. */
  intercept?(ctx: InterceptContext): InterceptAction | void | Promise<InterceptAction | void>;
  /**
   * Whether intercept() may decide this message by more than its summary (its parsed body, its
   * text, its tool): the pipeline then parses it up front, exactly as JSON.parse reads it, before
   * the chain runs. Without it the pipeline assumes it may, for every message. A message nothing
   * decides by its body is forwarded on what its envelope says and parsed only when read.
   */
  needsMessage?(direction: Direction, summary: MessageSummary): boolean;
  /** Sees every frame once the pipeline has acted on it (recording, the UI, counters). */
  observe?(event: FrameEvent): void;
  /** Called when the proxy shuts down, so buffered work can be finished. */
  close?(): void | Promise<void>;
}

interface RunState {
  modified: boolean;
  trail: string[];
  notes: string[];
}

type Step = 'next' | Verdict;

const newRunState = (): RunState => ({ modified: false, trail: [], notes: [] });

function isPromise<T>(value: unknown): value is Promise<T> {
  return typeof (value as Promise<T> | undefined)?.then === 'function';
}

export class InterceptorChain {
  private interceptors: Interceptor[] = [];
  private observers: Interceptor[] = [];
  /** Interceptors that decide (have intercept()). */
  private deciders: Interceptor[] = [];

  constructor(readonly pauses: PauseController = new PauseController()) {}

  register(interceptor: Interceptor): this {
    if (this.interceptors.some((i) => i.name === interceptor.name)) {
      throw new Error(`an interceptor named "${interceptor.name}" is already registered`);
    }
    this.interceptors = [...this.interceptors, interceptor];
    this.refreshObservers();
    return this;
  }

  unregister(name: string): boolean {
    const before = this.interceptors.length;
    this.interceptors = this.interceptors.filter((i) => i.name !== name);
    this.refreshObservers();
    return this.interceptors.length !== before;
  }

  get(name: string): Interceptor | undefined {
    return this.interceptors.find((i) => i.name === name);
  }

  names(): string[] {
    return this.interceptors.map((i) => i.name);
  }

  private refreshObservers(): void {
    this.observers = this.interceptors.filter((i) => typeof i.observe === 'function');
    this.deciders = this.interceptors.filter((i) => typeof i.intercept === 'function');
  }

  /** Whether an interceptor may decide this message by more than its summary (see Interceptor.needsMessage). */
  needsMessage(direction: Direction, summary: MessageSummary): boolean {
    for (const interceptor of this.deciders) {
      if (interceptor.needsMessage === undefined || interceptor.needsMessage(direction, summary)) return true;
    }
    return false;
  }

  /** Reports a finished frame to every observing interceptor; one failing observer does not stop the rest. */
  notify(event: FrameEvent): void {
    for (const observer of this.observers) {
      try {
        observer.observe!(event);
      } catch (error) {
        console.error(`mcp-tap: interceptor "${observer.name}" failed to observe a frame: ${String(error)}`);
      }
    }
  }

  async close(): Promise<void> {
    for (const interceptor of this.interceptors) await interceptor.close?.();
  }

  intercept(ctx: InterceptContext): Verdict | Promise<Verdict> {
    // A snapshot, so that (un)registering during an asynchronous run does not shift indices.
    const list = this.deciders;
    // Most messages pass every interceptor untouched: that costs no bookkeeping at all.
    for (let i = 0; i < list.length; i++) {
      const interceptor = list[i]!;
      let action: InterceptAction | void | Promise<InterceptAction | void>;
      try {
        action = interceptor.intercept!(ctx);
      } catch (error) {
        const run = newRunState();
        return this.take(list, i, ctx, run, this.failed(interceptor, error, run)) ?? this.runFrom(list, i + 1, ctx, run);
      }
      if (action !== undefined) {
        const run = newRunState();
        return this.take(list, i, ctx, run, action) ?? this.runFrom(list, i + 1, ctx, run);
      }
    }
    return new PassVerdict(ctx);
  }

  private runFrom(list: Interceptor[], start: number, ctx: InterceptContext, state: RunState): Verdict | Promise<Verdict> {
    for (let i = start; i < list.length; i++) {
      const interceptor = list[i]!;
      let action: InterceptAction | void | Promise<InterceptAction | void>;
      try {
        action = interceptor.intercept?.(ctx);
      } catch (error) {
        action = this.failed(interceptor, error, state);
      }
      if (action === undefined) continue;
      const verdict = this.take(list, i, ctx, state, action);
      if (verdict !== undefined) return verdict;
    }
    return this.verdict('continue', ctx, state);
  }

  /** Acts on interceptor `i`'s action: the verdict (or its promise), or undefined to go on with the next interceptor. */
  private take(list: Interceptor[], i: number, ctx: InterceptContext, state: RunState, action: InterceptAction | Promise<InterceptAction | void>): Verdict | Promise<Verdict> | undefined {
    const interceptor = list[i]!;
    const step = isPromise<InterceptAction | void>(action)
      ? action.then(
          (a) => this.apply(a ?? CONTINUE, ctx, state),
          (error: unknown) => this.apply(this.failed(interceptor, error, state), ctx, state),
        )
      : this.apply(action, ctx, state);
    if (isPromise<Step>(step)) return step.then((s) => (s === 'next' ? this.runFrom(list, i + 1, ctx, state) : s));
    return step === 'next' ? undefined : step;
  }

  /** A throwing interceptor must not take the proxy down or swallow the message: it is skipped. */
  private failed(interceptor: Interceptor, error: unknown, state: RunState): InterceptAction {
    state.notes.push(`interceptor ${interceptor.name} failed: ${error instanceof Error ? error.message : String(error)}`);
    return CONTINUE;
  }

  private apply(action: InterceptAction, ctx: InterceptContext, state: RunState): Step | Promise<Step> {
    switch (action.type) {
      case 'continue':
        if (action.note !== undefined) state.notes.push(action.note);
        return 'next';
      case 'modify':
        ctx.message = action.message;
        ctx.summary = summarize(action.message);
        state.modified = true;
        state.trail.push('modify');
        return 'next';
      case 'block':
        state.trail.push('block');
        return action.answer === false
          ? { ...this.verdict('block', ctx, state), reason: action.reason, code: action.code, answer: false }
          : { ...this.verdict('block', ctx, state), reason: action.reason, code: action.code };
      case 'mock':
        state.trail.push('mock');
        return { ...this.verdict('mock', ctx, state), response: action.response };
      case 'delay':
        state.trail.push('delay');
        state.notes.push(`delayed ${action.ms} ms`);
        return new Promise<Step>((resolve) => {
          setTimeout(() => resolve(this.apply(action.then ?? CONTINUE, ctx, state)), action.ms);
        });
      case 'pause':
        state.trail.push('pause');
        return this.pauses
          .hold(
            { sessionId: ctx.sessionId, direction: ctx.direction, summary: ctx.summary, message: ctx.message, raw: ctx.raw, reason: action.reason, request: ctx.request },
            action.timeoutMs,
          )
          .then((resolution) => this.applyResolution(resolution, ctx, state));
    }
  }

  private applyResolution(resolution: PauseResolution, ctx: InterceptContext, state: RunState): Step | Promise<Step> {
    state.notes.push(resolution.timedOut ? `pause timed out after ${resolution.heldMs} ms` : `held ${resolution.heldMs} ms`);
    ctx.pauseId = resolution.pauseId;
    if (resolution.timedOut) ctx.flags.push('pause-timeout');
    const decision = resolution.decision;
    switch (decision.type) {
      case 'continue':
        return 'next';
      case 'modify':
        return this.apply({ type: 'modify', message: decision.message }, ctx, state);
      case 'drop':
        return this.apply({ type: 'block', reason: decision.reason ?? 'dropped while paused', code: -32006, answer: decision.answer }, ctx, state);
      case 'mock':
        return this.apply({ type: 'mock', response: decision.response }, ctx, state);
    }
  }

  private verdict(type: Verdict['type'], ctx: InterceptContext, state: RunState): Verdict {
    // Every interceptor let it pass: its message is read (and parsed, when it was not yet) only if asked for.
    if (type === 'continue' && !state.modified) return new PassVerdict(ctx, state);
    return { type, message: ctx.message, modified: state.modified, trail: state.trail, notes: state.notes };
  }
}

const NOTHING: string[] = Object.freeze([]) as unknown as string[];

/** The verdict on a message that goes on as it came: its message is the context's, read when asked for. */
class PassVerdict implements Verdict {
  readonly type = 'continue';
  readonly modified = false;
  readonly trail: string[];
  readonly notes: string[];

  constructor(
    private readonly ctx: InterceptContext,
    state?: RunState,
  ) {
    this.trail = state?.trail ?? NOTHING;
    this.notes = state?.notes ?? NOTHING;
  }

  get message(): unknown {
    return this.ctx.message;
  }

  /** False while the message is not parsed yet (see MessageContext). */
  get isRead(): boolean {
    return (this.ctx as { isRead?: boolean }).isRead !== false;
  }
}
