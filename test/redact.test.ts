/** Secrets never reach a tape; the wire never changes. */
import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor } from '../src/tape/redact.js';

const call = {
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'query',
    arguments: { apiKey: 'sk-live-123', query: 'select 1', items: [{ password: 'hunter2' }, { password: 'x' }] },
    _meta: { progressToken: 'tok-1' },
  },
};

describe('Redactor', () => {
  it('replaces an explicit path and reports it, leaving the original untouched', () => {
    const before = JSON.stringify(call);
    const { value, paths } = new Redactor(['params.arguments.apiKey'], false).redact(call);
    expect(value.params.arguments.apiKey).toBe(REDACTED);
    expect(value.params.arguments.query).toBe('select 1');
    expect(paths).toEqual(['params.arguments.apiKey']);
    expect(JSON.stringify(call)).toBe(before);
  });

  it('matches * segments and array indices', () => {
    const { value, paths } = new Redactor(['params.arguments.items.*.password'], false).redact(call);
    expect(value.params.arguments.items.map((i) => i.password)).toEqual([REDACTED, REDACTED]);
    expect(paths).toEqual(['params.arguments.items.0.password', 'params.arguments.items.1.password']);
    const first = new Redactor(['params.arguments.items.0.password'], false).redact(call);
    expect(first.value.params.arguments.items[1]!.password).toBe('x');
  });

  it('redacts obvious secrets by default, but not protocol fields or numbers', () => {
    const message = { jsonrpc: '2.0', id: 2, method: 'sampling/createMessage', params: { maxTokens: 100, accessToken: 'abc', clientSecret: 's', _meta: { progressToken: 7 }, headers: { Authorization: 'Bearer x' } } };
    const { value, paths } = new Redactor().redact(message, JSON.stringify(message));
    expect(value.params.accessToken).toBe(REDACTED);
    expect(value.params.clientSecret).toBe(REDACTED);
    expect(value.params.headers.Authorization).toBe(REDACTED);
    expect(value.params.maxTokens).toBe(100);
    expect(value.params._meta.progressToken).toBe(7);
    expect(paths.sort()).toEqual(['params.accessToken', 'params.clientSecret', 'params.headers.Authorization']);
  });

  it('returns the very same object when nothing matches (no copy on the common path)', () => {
    const plain = { jsonrpc: '2.0', id: 3, method: 'tools/list' };
    expect(new Redactor(['params.arguments.apiKey']).redact(plain, JSON.stringify(plain)).value).toBe(plain);
  });

  it('takes key patterns without a dot, at any depth', () => {
    const { value } = new Redactor(['query'], false).redact(call);
    expect(value.params.arguments.query).toBe(REDACTED);
  });
});
