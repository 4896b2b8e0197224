/** Rules files: loading and every mistake they can hold, the rules interceptor's decisions, and reloads. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InterceptorChain } from '../src/core/chain.js';
import type { InterceptContext, PendingRequest } from '../src/core/context.js';
import { summarize } from '../src/core/jsonrpc.js';
import type { Logger } from '../src/core/log.js';
import { RulesInterceptor } from '../src/interceptors/rules.js';
import { applyMergePatch, compileTemplate, loadRulesFile, parseRules, RulesError, watchRulesFile, type RuleSet } from '../src/rules/index.js';
import { tempDir } from './support/paths.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'rules');

let dir: string;
beforeAll(() => {
  dir = tempDir('mcp-tap-rules-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error message a rules text is refused with. */
function refusal(text: string): string {
  try {
    parseRules(text, 'rules.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError);
    return (error as Error).message;
  }
  throw new Error('the rules were accepted');
}

/** A rules text with one rule made of `body` (YAML lines under "- "). */
const oneRule = (...lines: string[]) => `rules:\n  - ${lines.join('\n    ')}\n`;

function context(message: Record<string, unknown>, options: { direction?: 'c2s' | 's2c'; request?: PendingRequest; sessionId?: string } = {}): InterceptContext {
  return {
    sessionId: options.sessionId ?? 's1',
    transport: 'stdio',
    direction: options.direction ?? 'c2s',
    raw: JSON.stringify(message),
    message,
    summary: summarize(message),
    receivedAt: 0,
    request: options.request,
    flags: [],
  };
}

const call = (tool: string, args: Record<string, unknown> = {}, id = 1) => context({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } });

function interceptorFor(text: string): RulesInterceptor {
  return new RulesInterceptor(parseRules(text, 'rules.yaml').rules);
}

describe('loading a rules file', () => {
  it('reads every action and the rate limits from YAML, with names and lines', () => {
    const set = loadRulesFile(join(FIXTURES, 'example.yaml'));
    expect(set.rules.map((r) => r.action.type)).toEqual(['block', 'mock', 'delay', 'modify', 'modify', 'delay', 'pause', 'mock', 'continue']);
    expect(set.rules[0]).toMatchObject({ index: 1, name: 'no sums', line: 3, match: '~m tools/call & ~t get-sum', action: { type: 'block', reason: 'sums are off today' } });
    expect(set.rules[5]!.action).toEqual({ type: 'delay', ms: 10, then: { type: 'block', reason: 'no pings', code: -32099 } });
    // A whole response gets its jsonrpc member; the request's id goes in at run time.
    expect(set.rules[7]!.action).toEqual({ type: 'mock', response: { jsonrpc: '2.0', error: { code: -32601, message: 'not here' } } });
    expect(set.rateLimits).toEqual({ 'tools/call': { perSecond: 5 }, 'resources/*': { perSecond: 1, burst: 2 } });
  });

  it('reads JSON (tab-indented) the same way', () => {
    const set = loadRulesFile(join(FIXTURES, 'example.json'));
    expect(set.rules.map((r) => [r.index, r.line, r.action.type])).toEqual([
      [1, 3, 'block'],
      [2, 4, 'mock'],
      [3, 5, 'delay'],
    ]);
    expect(set.rateLimits).toEqual({ 'tools/call': { perSecond: 5 } });
  });

  it('accepts a file with no rules yet', () => {
    expect(parseRules('rules: []\n', 'rules.yaml').rules).toEqual([]);
  });
});

describe('a rules file with a mistake', () => {
  it('names the file, rule, field, line and column of a filter that does not parse', () => {
    expect(() => loadRulesFile(join(FIXTURES, 'bad-filter.yaml'))).toThrow(
      `${join(FIXTURES, 'bad-filter.yaml')}:5: rule 2 ("no sums"), field "match": column 17: unknown atom ~x; known: ~m ~t ~d ~k ~id ~b ~s ~e ~all`,
    );
    expect(() => loadRulesFile(join(FIXTURES, 'bad-filter.json'))).toThrow(/bad-filter\.json:3: rule 1, field "match": column 9: expected & or \| between filters$/);
  });

  it('gives the line of broken YAML', () => {
    expect(() => loadRulesFile(join(FIXTURES, 'bad-yaml.yaml'))).toThrow(/bad-yaml\.yaml:4: not valid YAML or JSON: .+ \(column \d+\)$/);
    expect(refusal('rules:\n  - match: "~m x"\n    action: block\n    action: mock\n')).toMatch(/^rules\.yaml:4: not valid YAML or JSON: Map keys must be unique/);
  });

  it('says when the file is missing', () => {
    expect(() => loadRulesFile(join(dir, 'nope.yaml'))).toThrow(`${join(dir, 'nope.yaml')}: cannot read the rules file: no such file`);
    expect(() => loadRulesFile(dir)).toThrow(/is a directory/);
  });

  it.each([
    ['an empty file', '', 'rules.yaml: the file is empty; it needs a rules: list (and/or a rateLimits: section)'],
    ['a list at the top', '- match: x\n', 'rules.yaml:1: expected a mapping with rules: (and/or rateLimits:), got a list'],
    ['a misspelt top-level key', 'rule: []\n', 'rules.yaml:1: field "rule": unknown field; a rules file has rules, rateLimits; did you mean "rules"?'],
    ['rules that are not a list', 'rules: { match: x }\n', 'rules.yaml:1: field "rules": expected a list of rules, got a mapping'],
    ['a rule that is not a mapping', 'rules:\n  - block\n', 'rules.yaml:2: rule 1: a rule is a mapping with match: and action:, got "block"'],
    ['a name that is not text', oneRule('name: 3', 'match: "~all"', 'action: continue'), 'rules.yaml:2: rule 1, field "name": expected a non-empty text, got 3'],
    ['no match', oneRule('name: x', 'action: continue'), 'rules.yaml:2: rule 1 ("x"): missing field "match": the filter saying which messages the rule is for, e.g. "~m tools/call"'],
    ['an empty match', oneRule('match: ""', 'action: continue'), 'rules.yaml:2: rule 1, field "match": expected a filter expression (text), got ""'],
    ['no action', oneRule('match: "~all"'), 'rules.yaml:2: rule 1: missing field "action": one of continue, block, mock, modify, delay, pause'],
    ['an unknown action', oneRule('match: "~all"', 'action: blok'), 'rules.yaml:3: rule 1, field "action": unknown action "blok"; expected one of continue, block, mock, modify, delay, pause; did you mean "block"?'],
    ['a misspelt field', oneRule('match: "~all"', 'action: block', 'reasn: x'), 'rules.yaml:4: rule 1, field "reasn": unknown field; block takes name, match, action, reason, code; did you mean "reason"?'],
    ["another action's field", oneRule('match: "~all"', 'action: block', 'reason: x', 'ms: 5'), 'rules.yaml:5: rule 1, field "ms": unknown field; block takes name, match, action, reason, code (ms belongs to delay)'],
    ['a block without a reason', oneRule('match: "~all"', 'action: block'), 'rules.yaml:2: rule 1: missing field "reason": block needs a reason, which the sender gets in the JSON-RPC error'],
    ['a block code that is not whole', oneRule('match: "~all"', 'action: block', 'reason: x', 'code: 1.5'), 'rules.yaml:5: rule 1, field "code": expected a whole number, got 1.5'],
    ['a mock with nothing to answer', oneRule('match: "~all"', 'action: mock'), 'rules.yaml:2: rule 1: missing field "result" or "response": what to answer with (a result value, or a whole JSON-RPC response or error)'],
    ['a mock with both', oneRule('match: "~all"', 'action: mock', 'result: {}', 'response: { result: {} }'), 'rules.yaml:5: rule 1, field "response": give result or response, not both'],
    ['a response with neither result nor error', oneRule('match: "~all"', 'action: mock', 'response: { id: 1 }'), 'rules.yaml:4: rule 1, field "response": a response has exactly one of result and error'],
    ['an error without a code', oneRule('match: "~all"', 'action: mock', 'response: { error: { message: x } }'), 'rules.yaml:4: rule 1, field "response.error": missing field "code": the JSON-RPC error code, an integer'],
    ['a wrong jsonrpc version', oneRule('match: "~all"', 'action: mock', 'response: { jsonrpc: "1.0", result: {} }'), 'rules.yaml:4: rule 1, field "response.jsonrpc": must be "2.0", got "1.0"'],
    ['an unknown field in a response', oneRule('match: "~all"', 'action: mock', 'response: { result: {}, extra: 1 }'), 'rules.yaml:4: rule 1, field "response.extra": unknown field; a response has jsonrpc, id, result, error'],
    ['an unclosed placeholder', oneRule('match: "~all"', 'action: mock', 'result: { text: "hi {{params.name" }'), 'rules.yaml:4: rule 1, field "result": unclosed {{ in "hi {{params.name"'],
    ['a placeholder that is not a path', oneRule('match: "~all"', 'action: mock', 'result: "{{ params..name }}"'), 'rules.yaml:4: rule 1, field "result": "{{params..name}}" is not a path such as {{params.arguments.message}}'],
    ['a modify with no change', oneRule('match: "~all"', 'action: modify'), 'rules.yaml:2: rule 1: missing field "patch" or "merge": a JSON Patch (a list of operations) or a merge patch (a mapping)'],
    ['a patch that is not a list', oneRule('match: "~all"', 'action: modify', 'patch: { op: add }'), 'rules.yaml:4: rule 1, field "patch": expected a JSON Patch: a non-empty list of operations such as { op: replace, path: /params/arguments/a, value: 1 }, got a mapping'],
    ['a patch item that is not an operation', oneRule('match: "~all"', 'action: modify', 'patch: [ add ]'), 'rules.yaml:4: rule 1, field "patch": operation 1: expected a mapping with op and path, got "add"'],
    ['an unknown patch op', oneRule('match: "~all"', 'action: modify', 'patch: [ { op: remove, path: /a }, { op: nope, path: /a } ]'), /^rules\.yaml:4: rule 1, field "patch": operation 2: Operation `op` property is not one of operations defined in RFC-6902/],
    ['a patch path without a slash', oneRule('match: "~all"', 'action: modify', 'patch: [ { op: add, path: params, value: 1 } ]'), /field "patch": operation 1: Operation `path` property must start with "\/"/],
    ['a patch op without its value', oneRule('match: "~all"', 'action: modify', 'patch: [ { op: replace, path: /a } ]'), /field "patch": operation 1: Operation `value` property is not present/],
    ['both patch and merge', oneRule('match: "~all"', 'action: modify', 'patch: [ { op: remove, path: /a } ]', 'merge: { a: 1 }'), 'rules.yaml:5: rule 1, field "merge": give patch or merge, not both'],
    ['a merge that is not a mapping', oneRule('match: "~all"', 'action: modify', 'merge: [1]'), /^rules\.yaml:4: rule 1, field "merge": expected a merge patch: a non-empty mapping/],
    ['a delay without ms', oneRule('match: "~all"', 'action: delay'), 'rules.yaml:2: rule 1: missing field "ms": how many milliseconds to hold the message'],
    ['a negative delay', oneRule('match: "~all"', 'action: delay', 'ms: -1'), 'rules.yaml:4: rule 1, field "ms": expected a number of milliseconds, 0 or more, got -1'],
    ['a delay given as text', oneRule('match: "~all"', 'action: delay', 'ms: "200"'), 'rules.yaml:4: rule 1, field "ms": expected a number of milliseconds, 0 or more, got "200"'],
    ['a then that is not an action', oneRule('match: "~all"', 'action: delay', 'ms: 1', 'then: block'), 'rules.yaml:5: rule 1, field "then": expected an action such as { action: block, reason: ... }, got "block"'],
    ['a mistake inside then', oneRule('match: "~all"', 'action: delay', 'ms: 1', 'then:', '  action: block', '  reaso: x'), 'rules.yaml:7: rule 1, field "then.reaso": unknown field; block takes action, reason, code; did you mean "reason"?'],
    ['a then without its action', oneRule('match: "~all"', 'action: delay', 'ms: 1', 'then: { reason: x }'), 'rules.yaml:5: rule 1, field "then": missing field "action": one of continue, block, mock, modify, delay, pause'],
    ['a bad pause timeout', oneRule('match: "~all"', 'action: pause', 'timeoutMs: soon'), 'rules.yaml:4: rule 1, field "timeoutMs": expected a number of milliseconds, 0 or more, got "soon"'],
    ['a bad rate', 'rateLimits:\n  tools/call: fast\n', 'rules.yaml:2: field "rateLimits.tools/call": "fast" is not a rate (examples: 20/s, 100/min, 3600/h)'],
    ['a zero burst', 'rateLimits:\n  tools/call: { rate: 1/s, burst: 0 }\n', 'rules.yaml:2: field "rateLimits.tools/call.burst": must be at least 1, got 0'],
    ['an unknown rate field', 'rateLimits:\n  tools/call: { rate: 1/s, brust: 2 }\n', 'rules.yaml:2: field "rateLimits.tools/call.brust": unknown field; a rate limit has rate, burst; did you mean "burst"?'],
  ])('%s', (_what, text, expected) => {
    const message = refusal(text);
    if (typeof expected === 'string') expect(message).toBe(expected);
    else expect(message).toMatch(expected);
  });

  it('counts rules from 1 and names the later one that is wrong', () => {
    const text = 'rules:\n  - match: "~all"\n    action: continue\n  - name: second\n    match: "~m x"\n    action: pause\n    timeoutMs: -5\n';
    expect(refusal(text)).toBe('rules.yaml:7: rule 2 ("second"), field "timeoutMs": expected a number of milliseconds, 0 or more, got -5');
  });
});

describe('RulesInterceptor', () => {
  it('lets the first matching rule decide, in file order, and passes what no rule matches', () => {
    const rules = interceptorFor(
      'rules:\n' +
        '  - { match: "~t get-sum", action: block, reason: first }\n' +
        '  - { match: "~m tools/call", action: block, reason: second }\n' +
        '  - { match: "~m tools/*", action: continue }\n' +
        '  - { match: "~all", action: block, reason: everything else }\n',
    );
    expect(rules.intercept(call('get-sum'))).toEqual({ type: 'block', reason: 'first', code: undefined });
    expect(rules.intercept(call('echo'))).toMatchObject({ type: 'block', reason: 'second' });
    // A continue rule lets a message through and keeps later rules from seeing it.
    expect(rules.intercept(context({ jsonrpc: '2.0', id: 2, method: 'tools/list' }))).toEqual({ type: 'continue' });
    expect(rules.intercept(context({ jsonrpc: '2.0', id: 3, method: 'ping' }))).toMatchObject({ reason: 'everything else' });
    expect(new RulesInterceptor().intercept(call('get-sum'))).toBeUndefined();
    expect(interceptorFor('rules:\n  - { match: "~m ping", action: block, reason: x }\n').intercept(call('echo'))).toBeUndefined();
  });

  it('sees an answer by the request it answers (~t matches the answer to a tools/call)', () => {
    const rules = interceptorFor('rules:\n  - { match: "~t echo & ~d s2c", action: block, reason: hidden }\n');
    const answer = context({ jsonrpc: '2.0', id: 1, result: {} }, { direction: 's2c', request: { id: 1, method: 'tools/call', sentAt: 0, params: { name: 'echo' } } });
    expect(rules.intercept(answer)).toMatchObject({ type: 'block', reason: 'hidden' });
    expect(rules.intercept(call('echo'))).toBeUndefined();
  });

  it('answers a mock from a template, and hands out a fixed mock without building it again', () => {
    const rules = interceptorFor(
      'rules:\n' +
        '  - match: "~t echo"\n    action: mock\n    result: { content: [{ type: text, text: "mocked: {{params.arguments.message}}" }], echoed: "{{params.arguments}}" }\n' +
        '  - match: "~t fixed"\n    action: mock\n    result: { content: [] }\n' +
        '  - match: "~t broken"\n    action: mock\n    response: { id: 99, error: { code: -32000, message: "broken {{params.name}}" } }\n',
    );
    expect(rules.intercept(call('echo', { message: 'hi', n: 2 }))).toEqual({
      type: 'mock',
      response: { jsonrpc: '2.0', result: { content: [{ type: 'text', text: 'mocked: hi' }], echoed: { message: 'hi', n: 2 } } },
    });
    const first = rules.intercept(call('fixed'));
    expect(first).toEqual({ type: 'mock', response: { jsonrpc: '2.0', result: { content: [] } } });
    expect(rules.intercept(call('fixed'))).toBe(first);
    expect(rules.intercept(call('broken'))).toEqual({ type: 'mock', response: { jsonrpc: '2.0', error: { code: -32000, message: 'broken broken' } } });
  });

  it('modifies with a JSON Patch or a merge patch, leaving the original message alone', () => {
    const rules = interceptorFor(
      'rules:\n' +
        '  - match: "~t add"\n    action: modify\n    patch: [ { op: replace, path: /params/arguments/a, value: 100 }, { op: add, path: /params/arguments/note, value: patched } ]\n' +
        '  - match: "~t echo"\n    action: modify\n    merge: { params: { arguments: { message: merged, drop: null } } }\n',
    );
    const ctx = call('add', { a: 1, b: 2 });
    expect(rules.intercept(ctx)).toEqual({ type: 'modify', message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add', arguments: { a: 100, b: 2, note: 'patched' } } } });
    expect(ctx.message).toEqual({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 } } });
    expect(rules.intercept(call('echo', { message: 'x', drop: true }))).toEqual({
      type: 'modify',
      message: { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'merged' } } },
    });
  });

  it('lets a message through unchanged, with a note saying why, when a patch cannot be applied', () => {
    const rules = interceptorFor(
      'rules:\n' +
        '  - { name: guarded, match: "~t a", action: modify, patch: [ { op: test, path: /params/arguments/x, value: 1 }, { op: remove, path: /params/arguments/x } ] }\n' +
        '  - { match: "~t b", action: modify, patch: [ { op: replace, path: /params/missing/x, value: 1 } ] }\n' +
        '  - { match: "~t c", action: modify, patch: [ { op: remove, path: /method } ] }\n' +
        '  - { match: "~t d", action: modify, merge: { id: 7 } }\n',
    );
    expect(rules.intercept(call('a', { x: 2 }))).toEqual({ type: 'continue', note: expect.stringMatching(/^rule 1 \("guarded"\): not modified: Test operation failed/) as string });
    expect(rules.intercept(call('a', { x: 1 }))).toMatchObject({ type: 'modify' });
    expect(rules.intercept(call('b'))).toEqual({ type: 'continue', note: expect.stringMatching(/^rule 2: not modified: Cannot perform the operation at a path that does not exist/) as string });
    expect(rules.intercept(call('c'))).toEqual({ type: 'continue', note: 'rule 3: not modified: the change would turn a request into something that is not JSON-RPC' });
    expect(rules.intercept(call('d'))).toEqual({ type: 'continue', note: 'rule 4: not modified: the change would alter the JSON-RPC id' });
  });

  it("puts a failed patch's note on the chain's verdict", async () => {
    const chain = new InterceptorChain().register(interceptorFor('rules:\n  - { match: "~all", action: modify, patch: [ { op: remove, path: /nothing } ] }\n'));
    const verdict = await chain.intercept(call('x'));
    expect(verdict).toMatchObject({ type: 'continue', modified: false });
    expect(verdict.notes).toEqual([expect.stringMatching(/^rule 1: not modified: /)]);
  });

  it('delays, then does what then: says; pauses with the rule as the reason', () => {
    const rules = interceptorFor(
      'rules:\n' +
        '  - { match: "~m ping", action: delay, ms: 5, then: { action: mock, result: { id: "{{id}}" } } }\n' +
        '  - { match: "~m resources/read", action: delay, ms: 200 }\n' +
        '  - { name: look, match: "~m sampling/*", action: pause, timeoutMs: 1000 }\n' +
        '  - { match: "~m roots/*", action: pause, reason: "check roots" }\n',
    );
    expect(rules.intercept(context({ jsonrpc: '2.0', id: 4, method: 'ping' }))).toEqual({ type: 'delay', ms: 5, then: { type: 'mock', response: { jsonrpc: '2.0', result: { id: 4 } } } });
    expect(rules.intercept(context({ jsonrpc: '2.0', id: 5, method: 'resources/read' }))).toEqual({ type: 'delay', ms: 200 });
    expect(rules.intercept(context({ jsonrpc: '2.0', id: 6, method: 'sampling/createMessage' }))).toEqual({ type: 'pause', timeoutMs: 1000, reason: 'rule 3 ("look")' });
    expect(rules.intercept(context({ jsonrpc: '2.0', id: 7, method: 'roots/list' }))).toEqual({ type: 'pause', timeoutMs: undefined, reason: 'check roots' });
  });

  it('swaps in new rules on replace', () => {
    const rules = interceptorFor('rules:\n  - { match: "~m ping", action: block, reason: old }\n');
    const ping = context({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect(rules.intercept(ping)).toMatchObject({ reason: 'old' });
    rules.replace(parseRules('rules:\n  - { match: "~m ping", action: block, reason: new }\n', 'rules.yaml').rules);
    expect(rules.intercept(ping)).toMatchObject({ reason: 'new' });
    expect(rules.rules).toHaveLength(1);
  });
});

describe('templates and merge patches', () => {
  it('keeps the type of a whole-value placeholder and writes others as text', () => {
    const message = { id: 3, params: { list: [1, 2], name: 'n' } };
    expect(compileTemplate({ a: '{{id}}', b: '{{ params.list }}', c: 'id={{id}} list={{params.list}} first={{params.list.0}}', d: '{{params.none}}', e: 5 }).render(message)).toEqual({
      a: 3,
      b: [1, 2],
      c: 'id=3 list=[1,2] first=1',
      d: '',
      e: 5,
    });
    // Paths never reach into prototypes.
    expect(compileTemplate('{{params.constructor}}').render(message)).toBe('');
    expect(compileTemplate({ plain: ['x'] }).isStatic).toBe(true);
  });

  it('follows RFC 7386', () => {
    const target = { a: 'b', c: { d: 'e', f: 'g' } };
    expect(applyMergePatch(target, { a: 'z', c: { f: null } })).toEqual({ a: 'z', c: { d: 'e' } });
    expect(target).toEqual({ a: 'b', c: { d: 'e', f: 'g' } });
    expect(applyMergePatch({ a: [1] }, { a: [2] })).toEqual({ a: [2] });
    expect(applyMergePatch(['x'], { a: 1 })).toEqual({ a: 1 });
    expect(applyMergePatch({ a: 1 }, 'text')).toBe('text');
  });
});

describe('watching a rules file', () => {
  function recordingLogger(): Logger & { lines: string[] } {
    const lines: string[] = [];
    return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`), debug: () => {} };
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('reloads good changes (also when saved by rename), refuses bad ones and keeps the old rules', async () => {
    const folder = join(dir, 'watched');
    mkdirSync(folder);
    const file = join(folder, 'rules.yaml');
    const first = 'rules:\n  - { match: "~m ping", action: block, reason: one }\n';
    writeFileSync(file, first);
    const logger = recordingLogger();
    const loaded: RuleSet[] = [];
    const watcher = watchRulesFile({ file, loadedText: first, loadedCount: 1, logger, debounceMs: 20, onReload: (set) => loaded.push(set) });
    try {
      writeFileSync(file, 'rules:\n  - { match: "~m ping", action: block, reason: two }\n  - { match: "~all", action: continue }\n');
      await until(() => loaded.length === 1, 'the first reload');
      expect(loaded[0]!.rules.map((r) => r.action)).toEqual([{ type: 'block', reason: 'two' }, { type: 'continue' }]);
      expect(logger.lines).toEqual([`info rules reloaded from ${file}: 2 rules now in force`]);

      writeFileSync(file, 'rules:\n  - { match: "~q ping", action: block, reason: three }\n');
      await until(() => logger.lines.length === 2, 'the refusal');
      expect(logger.lines[1]).toBe(`error ${file}:2: rule 1, field "match": column 1: unknown atom ~q; known: ~m ~t ~d ~k ~id ~b ~s ~e ~all; the previous rules (2 rules) are still in force`);
      expect(loaded).toHaveLength(1);

      // Editors that save by writing a new file and renaming it over the old one.
      writeFileSync(join(folder, '.rules.yaml.tmp'), 'rules: []\n');
      renameSync(join(folder, '.rules.yaml.tmp'), file);
      await until(() => loaded.length === 2, 'the reload after a rename');
      expect(loaded[1]!.rules).toEqual([]);
      expect(logger.lines[2]).toBe(`info rules reloaded from ${file}: 0 rules now in force`);
      // Other files in the folder are none of its business.
      writeFileSync(join(folder, 'other.yaml'), 'not rules');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(logger.lines).toHaveLength(3);
    } finally {
      watcher.close();
    }
  });
});
