/** The raw JSON-RPC model: classification without reshaping. */
import { describe, expect, it } from 'vitest';
import { classify, errorResponse, idKey, responseFor, summarize } from '../src/core/jsonrpc.js';

describe('classify and summarize', () => {
  it.each([
    [{ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} }, 'request'],
    [{ jsonrpc: '2.0', id: 'abc', method: 'x' }, 'request'],
    [{ jsonrpc: '2.0', id: null, method: 'x' }, 'request'],
    [{ jsonrpc: '2.0', method: 'notifications/progress' }, 'notification'],
    [{ jsonrpc: '2.0', id: 1, result: {} }, 'response'],
    [{ jsonrpc: '2.0', id: 1, result: null }, 'response'],
    [{ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }, 'error'],
    [[{ jsonrpc: '2.0', id: 1, method: 'a' }, { jsonrpc: '2.0', method: 'b' }], 'batch'],
    [[], 'invalid'],
    [{ id: 1, method: 'no version' }, 'invalid'],
    [{ jsonrpc: '1.0', id: 1, method: 'old' }, 'invalid'],
    [{ jsonrpc: '2.0', id: {}, method: 'bad id' }, 'invalid'],
    [{ jsonrpc: '2.0', id: 1 }, 'invalid'],
    ['just a string', 'invalid'],
    [42, 'invalid'],
  ])('%j is a %s', (message, kind) => {
    expect(classify(message)).toBe(kind);
  });

  it('summarizes method and id, keeping string and number ids apart', () => {
    expect(summarize({ jsonrpc: '2.0', id: 7, method: 'ping' })).toEqual({ kind: 'request', method: 'ping', id: 7, hasId: true });
    expect(summarize({ jsonrpc: '2.0', method: 'n' })).toEqual({ kind: 'notification', method: 'n', hasId: false });
    expect(idKey(1)).not.toBe(idKey('1'));
    expect(idKey(null)).toBe(idKey(null));
  });

  it('accepts unknown methods and fields as they are', () => {
    const message = { jsonrpc: '2.0', id: 3, method: 'vendor/experimental', params: { x: 1 }, extra: { future: true } };
    expect(summarize(message).kind).toBe('request');
    // Re-serialising a parsed message keeps its meaning.
    expect(JSON.parse(JSON.stringify(JSON.parse(JSON.stringify(message))))).toEqual(message);
  });
});

describe('answers the proxy makes', () => {
  it('builds errors with optional data', () => {
    expect(errorResponse(1, -32600, 'Invalid Request')).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32600, message: 'Invalid Request' } });
    expect(errorResponse(null, -32000, 'x', { why: 'y' })).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'x', data: { why: 'y' } } });
  });

  it('turns a mock into a response for the caller id: a result value, or a whole response with its id replaced', () => {
    expect(responseFor(5, { content: [] })).toEqual({ jsonrpc: '2.0', id: 5, result: { content: [] } });
    expect(responseFor('a', { jsonrpc: '2.0', id: 99, error: { code: 1, message: 'no' } })).toEqual({ jsonrpc: '2.0', id: 'a', error: { code: 1, message: 'no' } });
  });
});
