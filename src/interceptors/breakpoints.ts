/**
 * Breakpoints: filter expressions that pause a matching message (either direction) until a person
 * or the control channel decides what happens to it. With no breakpoints set it costs one length
 * check per message, so it can stay registered for the whole life of a proxy and be armed later.
 */
import { EventEmitter } from 'node:events';
import type { InterceptAction } from '../core/actions.js';
import type { Interceptor } from '../core/chain.js';
import type { InterceptContext } from '../core/context.js';
import { compileFilter, subjectOfContext, type FilterPredicate } from '../filter/index.js';

export interface Breakpoint {
  id: number;
  expression: string;
  matches: FilterPredicate;
  enabled: boolean;
  hits: number;
}

/** What a breakpoint is, as plain data: what the control channel sends and the consoles show. */
export interface BreakpointState {
  id: number;
  expression: string;
  /** A disabled breakpoint stays in the list and holds nothing until enabled again. */
  enabled: boolean;
  /** Messages it has held so far. */
  hits: number;
}

export interface BreakpointEvents {
  /** The list changed (added, removed, cleared, enabled, disabled, hit): the current list. */
  changed: [BreakpointState[]];
}

export class BreakpointInterceptor extends EventEmitter<BreakpointEvents> implements Interceptor {
  readonly name = 'breakpoints';
  private breakpoints: Breakpoint[] = [];
  private nextId = 1;

  /** Throws a FilterSyntaxError for the first expression that does not parse. */
  constructor(expressions: readonly string[] = []) {
    super();
    for (const expression of expressions) this.add(expression);
  }

  /** Adds a breakpoint; throws a FilterSyntaxError (with the column) when the expression is wrong. */
  add(expression: string): BreakpointState {
    const matches = compileFilter(expression);
    const breakpoint: Breakpoint = { id: this.nextId++, expression, matches, enabled: true, hits: 0 };
    // A new array rather than a push: an intercept already looping over the old one is unaffected.
    this.breakpoints = [...this.breakpoints, breakpoint];
    this.changed();
    return viewOf(breakpoint);
  }

  /** Turns a breakpoint off (kept in the list, holding nothing) or on again; false when there is none with that id. */
  setEnabled(id: number, enabled: boolean): boolean {
    const breakpoint = this.breakpoints.find((b) => b.id === id);
    if (!breakpoint) return false;
    if (breakpoint.enabled !== enabled) {
      breakpoint.enabled = enabled;
      this.changed();
    }
    return true;
  }

  /** Removes one breakpoint; false when there is none with that id. */
  remove(id: number): boolean {
    const before = this.breakpoints.length;
    this.breakpoints = this.breakpoints.filter((b) => b.id !== id);
    if (this.breakpoints.length === before) return false;
    this.changed();
    return true;
  }

  /** Removes every breakpoint; returns how many there were. */
  clear(): number {
    const count = this.breakpoints.length;
    this.breakpoints = [];
    if (count > 0) this.changed();
    return count;
  }

  list(): BreakpointState[] {
    return this.breakpoints.map(viewOf);
  }

  get size(): number {
    return this.breakpoints.length;
  }

  /** Breakpoints that hold messages now (enabled ones). */
  get armed(): number {
    return this.breakpoints.filter((b) => b.enabled).length;
  }

  /** A filter may test anything about a message: while one is armed, messages are parsed for it. */
  needsMessage(): boolean {
    return this.breakpoints.some((b) => b.enabled);
  }

  intercept(ctx: InterceptContext): InterceptAction | undefined {
    let subject: ReturnType<typeof subjectOfContext> | undefined;
    for (const breakpoint of this.breakpoints) {
      // A disabled breakpoint reads nothing: with none enabled, no message is parsed for them.
      if (!breakpoint.enabled) continue;
      subject ??= subjectOfContext(ctx);
      // The pause controller's default timeout applies (--pause-timeout).
      if (breakpoint.matches(subject)) {
        breakpoint.hits++;
        this.changed();
        return { type: 'pause', reason: `breakpoint ${breakpoint.id}: ${breakpoint.expression}` };
      }
    }
    return undefined;
  }

  private changed(): void {
    this.emit('changed', this.list());
  }
}

const viewOf = ({ id, expression, enabled, hits }: Breakpoint): BreakpointState => ({ id, expression, enabled, hits });
