/** The raw JSON-RPC model: classification without reshaping. */
import { describe, expect, it } from 'vitest';
import { classify, errorResponse, idKey, responseFor, summarize, summarizeEnds } from '../src/core/jsonrpc.js';

/** Freezes a value all the way down, so any attempt to change it throws (modules run in strict mode). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('classify', () => {
  it.each([
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }, 'request'],
    [{ jsonrpc: '2.0', id: 'abc', method: 'x' }, 'request'],
    [{ jsonrpc: '2.0', id: null, method: 'x' }, 'request'],
    [{ jsonrpc: '2.0', id: 0, method: 'x', params: [1, 2] }, 'request'],
    [{ jsonrpc: '2.0', method: 'notifications/progress' }, 'notification'],
    [{ jsonrpc: '2.0', method: 'vendor/unknown', params: { a: 1 }, extra: true }, 'notification'],
    [{ jsonrpc: '2.0', id: 1, result: {} }, 'response'],
    [{ jsonrpc: '2.0', id: 'x', result: null }, 'response'],
    [{ jsonrpc: '2.0', id: 1, result: 0, _meta: { extra: 1 } }, 'response'],
    [{ jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } }, 'error'],
    [{ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, 'error'],
    [[{ jsonrpc: '2.0', id: 1, method: 'a' }, { jsonrpc: '2.0', method: 'b' }], 'batch'],
    [[{ jsonrpc: '2.0', id: 1, result: {} }], 'batch'],
  ])('%j is a %s', (message, kind) => {
    expect(classify(message)).toBe(kind);
  });

  it.each([
    ['an empty batch', []],
    ['no version', { id: 1, method: 'no version' }],
    ['an old version', { jsonrpc: '1.0', id: 1, method: 'old' }],
    ['a numeric version', { jsonrpc: 2.0, id: 1, method: 'x' }],
    ['an object id', { jsonrpc: '2.0', id: {}, method: 'bad id' }],
    ['a boolean id', { jsonrpc: '2.0', id: true, result: {} }],
    ['a method that is not a string', { jsonrpc: '2.0', id: 1, method: 5 }],
    ['a response without an id', { jsonrpc: '2.0', result: {} }],
    ['neither result nor error', { jsonrpc: '2.0', id: 1 }],
    ['an error that is not an object', { jsonrpc: '2.0', id: 1, error: 'nope' }],
    ['a string', 'just a string'],
    ['a number', 42],
    ['null', null],
  ])('%s is invalid', (_, message) => {
    expect(classify(message)).toBe('invalid');
  });
});

describe('summarize', () => {
  it('gives kind, method and id of requests and notifications', () => {
    expect(summarize({ jsonrpc: '2.0', id: 7, method: 'ping' })).toEqual({ kind: 'request', method: 'ping', id: 7, hasId: true });
    expect(summarize({ jsonrpc: '2.0', id: 'req-1', method: 'tools/list' })).toEqual({ kind: 'request', method: 'tools/list', id: 'req-1', hasId: true });
    expect(summarize({ jsonrpc: '2.0', id: null, method: 'x' })).toEqual({ kind: 'request', method: 'x', id: null, hasId: true });
    expect(summarize({ jsonrpc: '2.0', method: 'n' })).toEqual({ kind: 'notification', method: 'n', hasId: false });
  });

  it('gives the id of responses and errors, including id null', () => {
    expect(summarize({ jsonrpc: '2.0', id: 3, result: {} })).toEqual({ kind: 'response', id: 3, hasId: true });
    expect(summarize({ jsonrpc: '2.0', id: '3', result: {} })).toEqual({ kind: 'response', id: '3', hasId: true });
    expect(summarize({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })).toEqual({ kind: 'error', id: null, hasId: true });
  });

  it('claims nothing about batches and invalid messages', () => {
    expect(summarize([{ jsonrpc: '2.0', id: 1, method: 'a' }])).toEqual({ kind: 'batch', hasId: false });
    expect(summarize({ id: 1, method: 'no version' })).toEqual({ kind: 'invalid', hasId: false });
    expect(summarize(undefined)).toEqual({ kind: 'invalid', hasId: false });
  });

  it('accepts unknown methods and fields, and never changes the message', () => {
    const text = '{"jsonrpc":"2.0","id":3,"method":"vendor/experimental","params":{"x":1,"deep":[{"y":null}]},"extra":{"future":true}}';
    const message = deepFreeze(JSON.parse(text) as unknown);
    expect(summarize(message)).toEqual({ kind: 'request', method: 'vendor/experimental', id: 3, hasId: true });
    expect(classify(message)).toBe('request');
    // Frozen: had either tried to write to it, it would have thrown. Re-serialised, it is the same text.
    expect(JSON.stringify(message)).toBe(text);
  });
});

describe('ids', () => {
  it('keeps string and number ids apart, as JSON-RPC requires', () => {
    expect(idKey(1)).not.toBe(idKey('1'));
    expect(idKey(null)).not.toBe(idKey('null'));
    expect(idKey('n:1')).not.toBe(idKey(1));
    expect(idKey(null)).toBe(idKey(null));
    expect(idKey('abc')).toBe(idKey('abc'));
    expect(idKey(0)).not.toBe(idKey(''));
  });
});

describe('summarizeEnds: a message too large to read, known by its first and last bytes', () => {
  const big = 'x'.repeat(100);
  it.each([
    // The TypeScript SDK puts the id last; others put jsonrpc and id first.
    [`{"result":{"text":"${big}`, `${big}"},"jsonrpc":"2.0","id":7}`, { kind: 'response', id: 7 }],
    [`{"method":"tools/call","params":{"a":"${big}`, `${big}"},"jsonrpc":"2.0","id":"req-1"}`, { kind: 'request', id: 'req-1' }],
    [`{"jsonrpc":"2.0","id":3,"result":{"a":"${big}`, `${big}"}}`, { kind: 'response', id: 3 }],
    [`{"jsonrpc": "2.0", "id": "a\\"b", "method": "x", "params": "${big}`, `${big}"}`, { kind: 'request', id: 'a"b' }],
    [`{"jsonrpc":"2.0","id":null,"error":{"code":1,"message":"${big}`, `${big}"}}`, { kind: 'response', id: null }],
    [`{"jsonrpc":"2.0","method":"notifications/message","params":{"data":"${big}`, `${big}"}}`, { kind: 'request' }],
  ])('%s … %s', (head, tail, expected) => {
    expect(summarizeEnds(head, tail)).toEqual(expected);
  });

  it('does not take an id nested in params or a result for the message id', () => {
    expect(summarizeEnds(`{"params":{"item":{"id":5,"x":"${big}`, `${big}","id":6}}}`)).toEqual({});
    expect(summarizeEnds(`{"result":{"id":5,"text":"${big}`, `${big}"}}`)).toEqual({ kind: 'response' });
    expect(summarizeEnds(`not json ${big}`, `${big} "id":1}`)).toEqual({ id: 1 });
  });
});

describe('answers the proxy makes', () => {
  it('builds errors with optional data', () => {
    expect(errorResponse(1, -32600, 'Invalid Request')).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'Invalid Request' } });
    expect(errorResponse(null, -32000, 'x', { why: 'y' })).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'x', data: { why: 'y' } } });
    expect(classify(errorResponse('a', -32700, 'Parse error'))).toBe('error');
  });

  it('turns a mock into a response for the caller id: a result value, or a whole response with its id replaced', () => {
    expect(responseFor(5, { content: [] })).toEqual({ jsonrpc: '2.0', id: 5, result: { content: [] } });
    expect(responseFor(6, undefined)).toEqual({ jsonrpc: '2.0', id: 6, result: {} });
    const whole = deepFreeze({ jsonrpc: '2.0', id: 99, error: { code: 1, message: 'no' } });
    expect(responseFor('a', whole)).toEqual({ jsonrpc: '2.0', id: 'a', error: { code: 1, message: 'no' } });
    expect(whole.id).toBe(99);
  });
});
