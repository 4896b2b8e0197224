import { describe, expect, it } from 'vitest';
import { checkRequestHeaders, decodeHeaderValue, encodeHeaderValue, errorCodeForEra, headersFor, ModernErrorCode, ModernProxyErrorCode, paramHeadersOf } from '../src/core/era.js';
import { ErrorCode } from '../src/core/jsonrpc.js';

const envelope = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'c', version: '1' } };
const call = (name: string, args: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args, _meta: envelope } });
const weatherSchema = { type: 'object', properties: { city: { type: 'string', 'x-mcp-header': 'City' }, days: { type: 'integer', 'x-mcp-header': 'Days' }, nested: { type: 'object', properties: { flag: { type: 'boolean', 'x-mcp-header': 'Flag' } } } } };

describe('header values', () => {
  it('passes plain ASCII through and wraps the rest in the base64 sentinel', () => {
    expect(encodeHeaderValue('Paris')).toBe('Paris');
    expect(encodeHeaderValue('Zürich')).toBe(`=?base64?${Buffer.from('Zürich').toString('base64')}?=`);
    expect(encodeHeaderValue(' padded')).toMatch(/^=\?base64\?/);
    expect(encodeHeaderValue('')).toBe('=?base64??=');
    expect(encodeHeaderValue('=?base64?abc?=')).toMatch(/^=\?base64\?PT9iYXNlNjQ/);
  });

  it('decodes what it encodes, and refuses a malformed sentinel', () => {
    for (const text of ['Zürich', ' x ', '', '東京', '=?base64?x?=']) expect(decodeHeaderValue(encodeHeaderValue(text))).toBe(text);
    expect(decodeHeaderValue('=?base64?not base64?=')).toBeUndefined();
    expect(decodeHeaderValue(`=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`)).toBeUndefined();
  });
});

describe('x-mcp-header annotations', () => {
  it('are found through properties at any depth', () => {
    expect(paramHeadersOf(weatherSchema)).toEqual([
      { path: ['city'], header: 'City', type: 'string' },
      { path: ['days'], header: 'Days', type: 'integer' },
      { path: ['nested', 'flag'], header: 'Flag', type: 'boolean' },
    ]);
  });

  it('make the schema invalid when a name is no token, a type is not primitive or a name repeats', () => {
    expect(paramHeadersOf({ properties: { a: { type: 'string', 'x-mcp-header': 'has space' } } })).toBeUndefined();
    expect(paramHeadersOf({ properties: { a: { type: 'object', 'x-mcp-header': 'A' } } })).toBeUndefined();
    expect(paramHeadersOf({ properties: { a: { type: 'string', 'x-mcp-header': 'A' }, b: { type: 'string', 'x-mcp-header': 'a' } } })).toBeUndefined();
  });
});

describe('headersFor', () => {
  it('derives the routing headers of a modern request from its body', () => {
    expect(headersFor(call('weather', { city: 'Zürich', days: 3, nested: { flag: false } }), paramHeadersOf(weatherSchema))).toEqual({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'weather',
      'mcp-param-city': encodeHeaderValue('Zürich'),
      'mcp-param-days': '3',
      'mcp-param-flag': 'false',
    });
    expect(headersFor({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'file:///a b', _meta: envelope } })['mcp-name']).toBe('file:///a b');
  });

  it('leaves legacy requests alone and gives a modern notification only its version', () => {
    expect(headersFor({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } })).toEqual({});
    expect(headersFor({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: envelope } })).toEqual({ 'mcp-protocol-version': '2026-07-28' });
  });
});

describe('checkRequestHeaders', () => {
  const good = (message: unknown) => headersFor(message, paramHeadersOf(weatherSchema));

  it('accepts headers derived from the body', () => {
    const message = call('weather', { city: 'Zürich', days: 3 });
    expect(checkRequestHeaders(message, good(message), paramHeadersOf(weatherSchema))).toBeUndefined();
  });

  it('names the header that disagrees, or is missing', () => {
    const message = call('weather', { city: 'Paris', days: 3 });
    expect(checkRequestHeaders(message, { ...good(message), 'mcp-name': 'other' })).toMatchObject({ header: 'Mcp-Name', got: 'other', expected: 'weather' });
    const { 'mcp-method': _, ...noMethod } = good(message);
    expect(checkRequestHeaders(message, noMethod)).toMatchObject({ header: 'Mcp-Method', expected: 'tools/call' });
    const { 'mcp-protocol-version': __, ...noVersion } = good(message);
    expect(checkRequestHeaders(message, noVersion)).toMatchObject({ header: 'MCP-Protocol-Version' });
    expect(checkRequestHeaders(message, { ...good(message), 'mcp-param-city': 'Lyon' }, paramHeadersOf(weatherSchema))).toMatchObject({ header: 'Mcp-Param-City', got: 'Lyon', expected: 'Paris' });
    expect(checkRequestHeaders(message, { ...good(message), 'mcp-method': 'tools/list' })).toMatchObject({ header: 'Mcp-Method' });
  });

  it('compares numbers as numbers (42.0 is 42)', () => {
    const message = call('weather', { city: 'Paris', days: 42 });
    expect(checkRequestHeaders(message, { ...good(message), 'mcp-param-days': '42.0' }, paramHeadersOf(weatherSchema))).toBeUndefined();
  });

  it('lets legacy requests without routing headers and notifications through', () => {
    expect(checkRequestHeaders({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } }, {})).toBeUndefined();
    expect(checkRequestHeaders({ jsonrpc: '2.0', method: 'notifications/initialized' }, {})).toBeUndefined();
  });
});

describe('error codes for answers mcp-tap makes', () => {
  it('keep legacy codes for legacy requests and move modern ones out of the reserved range', () => {
    expect(errorCodeForEra(ErrorCode.Blocked, 'legacy')).toBe(ErrorCode.Blocked);
    expect(errorCodeForEra(ErrorCode.Blocked, undefined)).toBe(ErrorCode.Blocked);
    for (const code of Object.values(ModernProxyErrorCode)) expect(code < -32768 || code > -32000).toBe(true);
    expect(errorCodeForEra(ErrorCode.RateLimited, 'modern')).toBe(ModernProxyErrorCode.RateLimited);
    expect(errorCodeForEra(ModernErrorCode.HeaderMismatch, 'modern')).toBe(ModernErrorCode.HeaderMismatch);
    expect(errorCodeForEra(ErrorCode.InvalidParams, 'modern')).toBe(ErrorCode.InvalidParams);
  });
});
