/**
 * Checking a parsed rules file, all of it, before any rule is used: every mistake a person can
 * make in it (an unknown action, a typo in a field name, a filter that does not parse, a patch
 * that is not a list of operations, ...) is reported with the file, the rule, the field and line.
 */
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { FilterSyntaxError, parseFilter } from '../filter/index.js';
import { parseRate, type RateSpec } from './rate.js';
import { RulesError } from './errors.js';
import type { PathInFile, RulesSource } from './source.js';
import { compileTemplate, TemplateError } from './template.js';
import type { ActionName, Rule, RuleAction, RuleSet } from './types.js';

/** The fields each action takes, besides `action` itself. */
export const ACTION_FIELDS: Record<ActionName, readonly string[]> = {
  continue: [],
  block: ['reason', 'code'],
  mock: ['result', 'response'],
  modify: ['patch', 'merge'],
  delay: ['ms', 'then'],
  pause: ['timeoutMs', 'reason'],
};
const ACTIONS = Object.keys(ACTION_FIELDS) as ActionName[];
const RULE_FIELDS = ['name', 'match'];
const TOP_LEVEL_FIELDS = ['rules', 'rateLimits'];
/** setTimeout's limit: a longer wait would fire at once. */
const MAX_MS = 2 ** 31 - 1;

type Mapping = Record<string, unknown>;

interface FileContext {
  source: RulesSource;
  file: string;
  rule?: { index: number; name?: string };
}

/** A place in the file (path, and field name as the user would say it), for error messages. */
class Cursor {
  constructor(
    private readonly context: FileContext,
    readonly path: PathInFile,
    private readonly field?: string,
    private readonly prefix = '',
  ) {}

  /** A field of the object here. */
  at(key: string): Cursor {
    return new Cursor(this.context, [...this.path, key], `${this.prefix}${key}`, this.prefix);
  }

  /** The fields of the object in field `key` (`then.ms`). */
  inside(key: string): Cursor {
    return new Cursor(this.context, [...this.path, key], `${this.prefix}${key}`, `${this.prefix}${key}.`);
  }

  forRule(index: number, name?: string): Cursor {
    return new Cursor({ ...this.context, rule: { index, name } }, this.path, this.field, this.prefix);
  }

  line(): number | undefined {
    return this.context.source.lineOf(this.path);
  }

  error(problem: string): RulesError {
    const { file, rule } = this.context;
    return new RulesError(file, problem, { line: this.line(), rule: rule?.index, ruleName: rule?.name, field: this.field });
  }
}

export function validateRules(source: RulesSource, file: string): RuleSet {
  const top = new Cursor({ source, file }, []);
  const doc = source.value;
  if (doc === null || doc === undefined) throw top.error('the file is empty; it needs a rules: list (and/or a rateLimits: section)');
  if (!isMapping(doc)) throw top.error(`expected a mapping with rules: (and/or rateLimits:), got ${describe(doc)}`);
  checkFields(doc, TOP_LEVEL_FIELDS, top, 'a rules file has');
  if (!('rules' in doc) && !('rateLimits' in doc)) throw top.error('nothing to do: give a rules: list and/or a rateLimits: section');
  const rules: Rule[] = [];
  if ('rules' in doc) {
    const list = doc.rules;
    if (!Array.isArray(list)) throw top.at('rules').error(`expected a list of rules, got ${describe(list)}`);
    list.forEach((item, i) => rules.push(validateRule(item, i + 1, new Cursor({ source, file }, ['rules', i]))));
  }
  const rateLimits = 'rateLimits' in doc ? validateRateLimits(doc.rateLimits, top.inside('rateLimits')) : {};
  return { file, rules, rateLimits };
}

function validateRule(item: unknown, index: number, unnamed: Cursor): Rule {
  let at = unnamed.forRule(index);
  if (!isMapping(item)) throw at.error(`a rule is a mapping with match: and action:, got ${describe(item)}`);
  let name: string | undefined;
  if ('name' in item) {
    if (typeof item.name !== 'string' || item.name === '') throw at.at('name').error(`expected a non-empty text, got ${describe(item.name)}`);
    name = item.name;
    at = unnamed.forRule(index, name);
  }
  if (!('match' in item)) throw at.error('missing field "match": the filter saying which messages the rule is for, e.g. "~m tools/call"');
  const match = item.match;
  if (typeof match !== 'string' || match.trim() === '') throw at.at('match').error(`expected a filter expression (text), got ${describe(match)}`);
  try {
    parseFilter(match);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw at.at('match').error(error.message);
    throw error;
  }
  return { index, name, line: at.line(), match, action: validateAction(item, at, RULE_FIELDS) };
}

/** The action of a rule, or of a delay's `then:`; `own` are the fields the container itself has. */
function validateAction(item: Mapping, at: Cursor, own: readonly string[]): RuleAction {
  if (!('action' in item)) throw at.error(`missing field "action": one of ${ACTIONS.join(', ')}`);
  const type = item.action;
  if (typeof type !== 'string' || !ACTIONS.includes(type as ActionName)) {
    throw at.at('action').error(`unknown action ${describe(type)}; expected one of ${ACTIONS.join(', ')}${suggest(String(type), ACTIONS)}`);
  }
  const action = type as ActionName;
  checkFields(item, [...own, 'action', ...ACTION_FIELDS[action]], at, `${action} takes`, action);
  switch (action) {
    case 'continue':
      return { type: 'continue' };
    case 'block': {
      if (!('reason' in item)) throw at.error('missing field "reason": block needs a reason, which the sender gets in the JSON-RPC error');
      const reason = text(item.reason, at.at('reason'));
      const code = 'code' in item ? integer(item.code, at.at('code')) : undefined;
      return { type: 'block', reason, code };
    }
    case 'mock':
      return validateMock(item, at);
    case 'modify':
      return validateModify(item, at);
    case 'delay': {
      if (!('ms' in item)) throw at.error('missing field "ms": how many milliseconds to hold the message');
      const ms = milliseconds(item.ms, at.at('ms'));
      if (!('then' in item)) return { type: 'delay', ms };
      const then = item.then;
      const thenAt = at.inside('then');
      if (!isMapping(then)) throw thenAt.error(`expected an action such as { action: block, reason: ... }, got ${describe(then)}`);
      return { type: 'delay', ms, then: validateAction(then, thenAt, []) };
    }
    case 'pause': {
      const timeoutMs = 'timeoutMs' in item ? milliseconds(item.timeoutMs, at.at('timeoutMs')) : undefined;
      const reason = 'reason' in item ? text(item.reason, at.at('reason')) : undefined;
      return { type: 'pause', timeoutMs, reason };
    }
  }
}

function validateMock(item: Mapping, at: Cursor): RuleAction {
  if ('result' in item && 'response' in item) throw at.at('response').error('give result or response, not both');
  if ('result' in item) {
    template(item.result, at.at('result'));
    return { type: 'mock', result: item.result };
  }
  if (!('response' in item)) throw at.error('missing field "result" or "response": what to answer with (a result value, or a whole JSON-RPC response or error)');
  const response = item.response;
  const responseAt = at.inside('response');
  if (!isMapping(response)) throw responseAt.error(`expected a JSON-RPC response ({ result: ... } or { error: { code, message } }), got ${describe(response)}`);
  checkFields(response, ['jsonrpc', 'id', 'result', 'error'], responseAt, 'a response has');
  if ('jsonrpc' in response && response.jsonrpc !== '2.0') throw responseAt.at('jsonrpc').error(`must be "2.0", got ${describe(response.jsonrpc)}`);
  if ('result' in response === 'error' in response) throw responseAt.error('a response has exactly one of result and error');
  if ('error' in response) {
    const error = response.error;
    const errorAt = responseAt.inside('error');
    if (!isMapping(error)) throw errorAt.error(`expected { code, message }, got ${describe(error)}`);
    checkFields(error, ['code', 'message', 'data'], errorAt, 'an error has');
    if (!('code' in error)) throw errorAt.error('missing field "code": the JSON-RPC error code, an integer');
    integer(error.code, errorAt.at('code'));
    if (!('message' in error)) throw errorAt.error('missing field "message"');
    text(error.message, errorAt.at('message'));
  }
  template(response, responseAt);
  // The id is always the request's: one written here is dropped.
  const { id: _id, ...rest } = response;
  return { type: 'mock', response: { ...rest, jsonrpc: '2.0' } };
}

function validateModify(item: Mapping, at: Cursor): RuleAction {
  if ('patch' in item && 'merge' in item) throw at.at('merge').error('give patch or merge, not both');
  if ('merge' in item) {
    const merge = item.merge;
    if (!isMapping(merge) || Object.keys(merge).length === 0) {
      throw at.at('merge').error(`expected a merge patch: a non-empty mapping applied to the whole message (e.g. { params: { arguments: { a: 1 } } }), got ${describe(merge)}`);
    }
    return { type: 'modify', merge };
  }
  if (!('patch' in item)) throw at.error('missing field "patch" or "merge": a JSON Patch (a list of operations) or a merge patch (a mapping)');
  const patch = item.patch;
  const patchAt = at.at('patch');
  if (!Array.isArray(patch) || patch.length === 0) {
    throw patchAt.error(`expected a JSON Patch: a non-empty list of operations such as { op: replace, path: /params/arguments/a, value: 1 }, got ${describe(patch)}`);
  }
  patch.forEach((op, i) => {
    if (!isMapping(op)) throw patchAt.error(`operation ${i + 1}: expected a mapping with op and path, got ${describe(op)}`);
  });
  const problem = fastJsonPatch.validate(patch as Operation[]);
  if (problem) throw patchAt.error(`operation ${(problem.index ?? 0) + 1}: ${firstLine(problem.message)}`);
  return { type: 'modify', patch: patch as Operation[] };
}

/** `rateLimits: { "tools/call": 5/s, "resources/*": { rate: 1/s, burst: 2 } }` */
function validateRateLimits(value: unknown, at: Cursor): Record<string, RateSpec> {
  if (!isMapping(value)) throw at.error(`expected a mapping of method patterns to rates, e.g. { "tools/call": 5/s }, got ${describe(value)}`);
  const limits: Record<string, RateSpec> = {};
  for (const [method, limit] of Object.entries(value)) {
    const limitAt = at.inside(method);
    if (typeof limit === 'string') {
      limits[method] = { perSecond: rate(limit, limitAt) };
      continue;
    }
    if (!isMapping(limit)) throw limitAt.error(`expected a rate such as 5/s, or { rate: 5/s, burst: 10 }, got ${describe(limit)}`);
    checkFields(limit, ['rate', 'burst'], limitAt, 'a rate limit has');
    if (!('rate' in limit)) throw limitAt.error('missing field "rate", e.g. 5/s or 100/min');
    if (typeof limit.rate !== 'string') throw limitAt.at('rate').error(`expected a rate such as 5/s, got ${describe(limit.rate)}`);
    const perSecond = rate(limit.rate, limitAt.at('rate'));
    let burst: number | undefined;
    if ('burst' in limit) {
      burst = integer(limit.burst, limitAt.at('burst'));
      if (burst < 1) throw limitAt.at('burst').error(`must be at least 1, got ${burst}`);
    }
    limits[method] = { perSecond, burst };
  }
  return limits;
}

function rate(value: string, at: Cursor): number {
  try {
    return parseRate(value);
  } catch (error) {
    throw at.error((error as Error).message);
  }
}

/** Every field must be known: a typo would otherwise silently change what a rule does. */
function checkFields(item: Mapping, allowed: readonly string[], at: Cursor, intro: string, action?: ActionName): void {
  for (const key of Object.keys(item)) {
    if (allowed.includes(key)) continue;
    const owner = action && ACTIONS.find((other) => ACTION_FIELDS[other].includes(key));
    const hint = owner ? ` (${key} belongs to ${owner})` : suggest(key, allowed);
    throw at.at(key).error(`unknown field; ${intro} ${allowed.length > 0 ? allowed.join(', ') : 'no other fields'}${hint}`);
  }
}

function text(value: unknown, at: Cursor): string {
  if (typeof value !== 'string' || value === '') throw at.error(`expected a non-empty text, got ${describe(value)}`);
  return value;
}

function integer(value: unknown, at: Cursor): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw at.error(`expected a whole number, got ${describe(value)}`);
  return value;
}

function milliseconds(value: unknown, at: Cursor): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw at.error(`expected a number of milliseconds, 0 or more, got ${describe(value)}`);
  if (value > MAX_MS) throw at.error(`at most ${MAX_MS} ms, got ${value}`);
  return value;
}

function template(value: unknown, at: Cursor): void {
  try {
    compileTemplate(value);
  } catch (error) {
    if (error instanceof TemplateError) throw at.error(error.message);
    throw error;
  }
}

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

/** `; did you mean "reason"?` for a near miss (a typo or two), else nothing. */
function suggest(word: string, choices: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const choice of choices) {
    const distance = editDistance(word.toLowerCase(), choice.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [choice, distance];
  }
  return best === undefined ? '' : `; did you mean "${best}"?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
