/**
 * Rules from a rules file, applied without a person: the first rule whose filter matches a message
 * decides what happens to it (block, mock, modify, delay, pause, or continue); a message no rule
 * matches passes untouched. Filters, templates and fixed actions are built once per load, so a
 * message costs one filter subject plus the predicates it is tested against.
 */
import fastJsonPatch from 'fast-json-patch';
import { CONTINUE, type InterceptAction } from '../core/actions.js';
import type { Interceptor } from '../core/chain.js';
import type { InterceptContext } from '../core/context.js';
import { idKey, summarize } from '../core/jsonrpc.js';
import { compileFilter, subjectOfContext, type FilterPredicate } from '../filter/index.js';
import { applyMergePatch } from '../rules/merge-patch.js';
import { compileTemplate } from '../rules/template.js';
import { describeRule, type Rule, type RuleAction } from '../rules/types.js';

/** What a rule does to a message it matched. */
type Decide = (ctx: InterceptContext) => InterceptAction;

interface CompiledRule {
  readonly test: FilterPredicate;
  readonly decide: Decide;
}

export class RulesInterceptor implements Interceptor {
  readonly name = 'rules';
  private compiled: readonly CompiledRule[] = [];
  private current: readonly Rule[] = [];

  constructor(rules: readonly Rule[] = []) {
    this.replace(rules);
  }

  /** Swaps in a new set of rules (a reload): messages already past this interceptor keep their fate. */
  replace(rules: readonly Rule[]): void {
    // Built in full before the swap, so a message never sees half of the new rules.
    const compiled = rules.map(compileRule);
    this.compiled = compiled;
    this.current = rules;
  }

  get rules(): readonly Rule[] {
    return this.current;
  }

  /** A rule's filter may test anything about a message, and its action may read it. */
  needsMessage(): boolean {
    return this.compiled.length > 0;
  }

  intercept(ctx: InterceptContext): InterceptAction | void {
    const rules = this.compiled;
    if (rules.length === 0) return;
    const subject = subjectOfContext(ctx);
    for (const rule of rules) {
      if (rule.test(subject)) return rule.decide(ctx);
    }
  }
}

function compileRule(rule: Rule): CompiledRule {
  return { test: compileFilter(rule.match), decide: compileAction(rule.action, describeRule(rule)) };
}

function compileAction(action: RuleAction, label: string): Decide {
  switch (action.type) {
    case 'continue':
      return () => CONTINUE;
    case 'block':
      return fixed({ type: 'block', reason: action.reason, code: action.code });
    case 'pause':
      return fixed({ type: 'pause', timeoutMs: action.timeoutMs, reason: action.reason ?? label });
    case 'delay': {
      if (!action.then) return fixed({ type: 'delay', ms: action.ms });
      const then = compileAction(action.then, label);
      return (ctx) => ({ type: 'delay', ms: action.ms, then: then(ctx) });
    }
    case 'mock': {
      // A result is wrapped here, so that a result that happens to look like a response stays a result.
      const template = compileTemplate(action.response ?? { jsonrpc: '2.0', result: action.result ?? null });
      if (template.isStatic) return fixed({ type: 'mock', response: template.render(undefined) });
      return (ctx) => ({ type: 'mock', response: template.render(ctx.message) });
    }
    case 'modify': {
      const { patch, merge } = action;
      const change = patch
        ? (message: unknown) => fastJsonPatch.applyPatch(message, patch, true, false).newDocument as unknown
        : (message: unknown) => applyMergePatch(message, merge);
      return (ctx) => modify(ctx, change, label);
    }
  }
}

function fixed(action: InterceptAction): Decide {
  Object.freeze(action);
  return () => action;
}

/**
 * Applies a change, and keeps it only if the result is still the same kind of JSON-RPC message
 * with the same id (a request whose id changed would never be answered). When the change cannot
 * be made, the message goes on unchanged and the tape says why.
 */
function modify(ctx: InterceptContext, change: (message: unknown) => unknown, label: string): InterceptAction {
  if (ctx.summary.kind === 'invalid') return { type: 'continue', note: `${label}: not modified: the message is not JSON-RPC` };
  let changed: unknown;
  try {
    changed = change(ctx.message);
  } catch (error) {
    return { type: 'continue', note: `${label}: not modified: ${firstLine(error)}` };
  }
  const summary = summarize(changed);
  if (summary.kind !== ctx.summary.kind) {
    return { type: 'continue', note: `${label}: not modified: the change would turn a ${ctx.summary.kind} into ${summary.kind === 'invalid' ? 'something that is not JSON-RPC' : `a ${summary.kind}`}` };
  }
  if (idKey(summary.id) !== idKey(ctx.summary.id)) return { type: 'continue', note: `${label}: not modified: the change would alter the JSON-RPC id` };
  return { type: 'modify', message: changed };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}
