/** Splicing values into JSON text: everything else stays as written. */
import { describe, expect, it } from 'vitest';
import { jsonTextAt, replaceJsonValue, replaceJsonValues } from '../src/core/json-text.js';

describe('json-text', () => {
  const text = '{ "jsonrpc":"2.0", "id" : 7, "result": {"n":42.0,"big":123456789012345678901234567890,"z":-0,"s":"a\\"}b","id":"inner","arr":[1,{"id":2}]} }';

  it('replaces the top-level id and nothing else, whatever sits in strings and nested objects', () => {
    expect(replaceJsonValue(text, ['id'], 'x')).toBe(text.replace('"id" : 7', '"id" : "x"'));
  });

  it('reaches nested values by path, and reads them as written', () => {
    expect(jsonTextAt(text, ['result', 'n'])).toBe('42.0');
    expect(jsonTextAt(text, ['result', 'big'])).toBe('123456789012345678901234567890');
    expect(jsonTextAt(text, ['result', 's'])).toBe('"a\\"}b"');
    expect(jsonTextAt(text, ['result', 'arr'])).toBe('[1,{"id":2}]');
    const progress = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":0.50}}';
    expect(replaceJsonValue(progress, ['params', 'progressToken'], 'tok')).toBe('{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":"tok","progress":0.50}}');
  });

  it('says so when there is nothing to replace, and takes the last of duplicate keys as JSON.parse does', () => {
    expect(replaceJsonValue(text, ['params', 'x'], 1)).toBeUndefined();
    expect(replaceJsonValue('{"id":1,"id":2}', ['id'], 3)).toBe('{"id":1,"id":3}');
    expect(replaceJsonValues('{"a":{"b":1},"c":2}', [{ path: ['a', 'b'], value: 'x' }, { path: ['c'], value: null }])).toBe('{"a":{"b":"x"},"c":null}');
  });
});
