/** Secrets never reach a tape; the wire never changes. */
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../src/tape/redact.js';

/** Freezes a value all the way down: a redactor that wrote to its input would throw. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

const call = deepFreeze({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'query',
    arguments: { apiKey: 'sk-live-123', query: 'select 1', items: [{ password: 'hunter2' }, { password: 'x' }] },
    _meta: { progressToken: 'tok-1' },
  },
});
const callText = JSON.stringify(call);

describe('Redactor: explicit paths', () => {
  it('replaces the value at a path and reports it, leaving the original untouched', () => {
    const { value, paths } = new Redactor(['params.arguments.apiKey'], false).redact(call);
    expect(value.params.arguments.apiKey).toBe(REDACTED);
    expect(value.params.arguments.query).toBe('select 1');
    expect(value.params.arguments.items).toBe(call.params.arguments.items);
    expect(paths).toEqual(['params.arguments.apiKey']);
    expect(JSON.stringify(call)).toBe(callText);
  });

  it('matches * segments (object keys and array items) and array indices', () => {
    const { value, paths } = new Redactor(['params.arguments.items.*.password'], false).redact(call);
    expect(value.params.arguments.items.map((i) => i.password)).toEqual([REDACTED, REDACTED]);
    expect(paths).toEqual(['params.arguments.items.0.password', 'params.arguments.items.1.password']);

    const first = new Redactor(['params.arguments.items.0.password'], false).redact(call);
    expect(first.value.params.arguments.items.map((i) => i.password)).toEqual([REDACTED, 'x']);
    expect(first.paths).toEqual(['params.arguments.items.0.password']);

    const everyArgument = new Redactor(['params.arguments.*'], false).redact(call);
    expect(everyArgument.value.params.arguments).toEqual({ apiKey: REDACTED, query: REDACTED, items: REDACTED });
    expect(everyArgument.paths.sort()).toEqual(['params.arguments.apiKey', 'params.arguments.items', 'params.arguments.query']);
    expect(JSON.stringify(call)).toBe(callText);
  });

  it('redacts whatever sits at a path, strings or not', () => {
    const message = { jsonrpc: '2.0', id: 2, method: 'x', params: { limits: { maxTokens: 100 } } };
    const { value, paths } = new Redactor(['params.limits'], false).redact(message);
    expect(value.params.limits).toBe(REDACTED);
    expect(paths).toEqual(['params.limits']);
  });

  it('leaves a message alone when a path leads nowhere, and reports nothing', () => {
    const rules = ['params.arguments.missing', 'params.arguments.items.5.password', 'params.name.deeper', 'result.content'];
    const { value, paths } = new Redactor(rules, false).redact(call);
    expect(value).toBe(call);
    expect(paths).toEqual([]);
  });
});

describe('Redactor: key patterns', () => {
  it('takes key patterns without a dot, at any depth, case-insensitively', () => {
    const { value, paths } = new Redactor(['query', 'PASS*'], false).redact(call);
    expect(value.params.arguments.query).toBe(REDACTED);
    expect(value.params.arguments.items.map((i) => i.password)).toEqual([REDACTED, REDACTED]);
    expect(value.params.arguments.apiKey).toBe('sk-live-123');
    expect(paths.sort()).toEqual(['params.arguments.items.0.password', 'params.arguments.items.1.password', 'params.arguments.query']);
  });
});

describe('Redactor: defaults', () => {
  const message = deepFreeze({
    jsonrpc: '2.0',
    id: 2,
    method: 'sampling/createMessage',
    params: {
      maxTokens: 100,
      accessToken: 'abc',
      clientSecret: 's',
      password: 'p',
      PASSWORD_HINT: 'starts with p',
      headers: { Authorization: 'Bearer x' },
      _meta: { progressToken: 'tok-7' },
      pin: { secretNumber: 42, secretFlag: true },
      text: 'a token in the text is not a key',
    },
  });

  it('redacts obvious secrets held in strings: *token*, *password*, *secret*, authorization', () => {
    const { value, paths } = new Redactor().redact(message, JSON.stringify(message));
    expect(value.params.accessToken).toBe(REDACTED);
    expect(value.params.clientSecret).toBe(REDACTED);
    expect(value.params.password).toBe(REDACTED);
    expect(value.params.PASSWORD_HINT).toBe(REDACTED);
    expect(value.params.headers.Authorization).toBe(REDACTED);
    expect(paths.sort()).toEqual(['params.PASSWORD_HINT', 'params.accessToken', 'params.clientSecret', 'params.headers.Authorization', 'params.password', 'params.pin.secretNumber']);
  });

  it('leaves progressToken, counts like maxTokens and flags alone, but not a secret held in a number', () => {
    const { value } = new Redactor().redact(message, JSON.stringify(message));
    expect(value.params._meta.progressToken).toBe('tok-7');
    expect(value.params.maxTokens).toBe(100);
    expect(value.params.pin).toEqual({ secretNumber: REDACTED, secretFlag: true });
    expect(value.params.text).toBe('a token in the text is not a key');
    const numericToken = { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { _meta: { progressToken: 7 } } };
    expect(new Redactor().redact(numericToken, JSON.stringify(numericToken)).value).toBe(numericToken);
  });

  it('never replaces the requestState of a multi round-trip call, whatever key pattern is in force', () => {
    const retry = { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'confirm', requestState: 'opaque-secret-token', inputResponses: {} } };
    const answer = { jsonrpc: '2.0', id: 4, result: { resultType: 'input_required', requestState: 'opaque-secret-token' } };
    for (const redactor of [new Redactor(), new Redactor(['*state*', '*secret*'])]) {
      expect(redactor.redact(retry, JSON.stringify(retry)).value).toBe(retry);
      expect(redactor.redact(answer, JSON.stringify(answer)).value).toBe(answer);
    }
  });

  it('is off with defaults = false', () => {
    expect(new Redactor([], false).redact(message, JSON.stringify(message)).value).toBe(message);
  });

  it('combines with explicit rules, reporting each path once', () => {
    const { value, paths } = new Redactor(['params.accessToken', 'params.text']).redact(message, JSON.stringify(message));
    expect(value.params.accessToken).toBe(REDACTED);
    expect(value.params.text).toBe(REDACTED);
    expect(paths.filter((p) => p === 'params.accessToken')).toHaveLength(1);
  });

  it('never touches the original', () => {
    const before = JSON.stringify(message);
    new Redactor(['params.*', 'pin']).redact(message, before);
    expect(JSON.stringify(message)).toBe(before);
  });
});

describe('Redactor: the common path', () => {
  it('returns the very same object when nothing matches (no copy)', () => {
    const plain = { jsonrpc: '2.0', id: 3, method: 'tools/list' };
    expect(new Redactor(['params.arguments.apiKey']).redact(plain, JSON.stringify(plain)).value).toBe(plain);
    expect(new Redactor(['params.arguments.apiKey']).redact(plain, JSON.stringify(plain)).paths).toEqual([]);
  });

  it('describes the redaction in force for the tape', () => {
    expect(new Redactor(['params.arguments.apiKey'], false).describe()).toEqual(['params.arguments.apiKey']);
    expect(new Redactor([]).describe()).toContain('*token* (default)');
  });
});
