/** Request matching: what makes two requests the same. */
import { describe, expect, it } from 'vitest';
import { RequestMatcher, requestKey } from '../src/tape/matcher.js';

describe('requestKey', () => {
  it('ignores key order, _meta and absent-versus-empty params', () => {
    expect(requestKey('tools/call', { name: 'echo', arguments: { b: 2, a: 1 } })).toBe(requestKey('tools/call', { arguments: { a: 1, b: 2 }, name: 'echo' }));
    expect(requestKey('tools/call', { name: 'x', _meta: { progressToken: 1 } })).toBe(requestKey('tools/call', { name: 'x', _meta: { progressToken: 'other' } }));
    expect(requestKey('tools/list', undefined)).toBe(requestKey('tools/list', {}));
    expect(requestKey('tools/call', { name: 'a' })).not.toBe(requestKey('tools/call', { name: 'b' }));
    expect(requestKey('a', {})).not.toBe(requestKey('b', {}));
  });

  it('leaves out ignored paths, with * for any key', () => {
    const ignore = [['arguments', 'timestamp'], ['arguments', 'nested', '*']];
    expect(requestKey('tools/call', { arguments: { q: 1, timestamp: 1, nested: { x: 1 } } }, ignore)).toBe(
      requestKey('tools/call', { arguments: { q: 1, timestamp: 2, nested: { y: 3 } } }, ignore),
    );
  });
});

describe('RequestMatcher', () => {
  const candidates = [
    { method: 'tools/call', params: { name: 'read' }, item: 'first read' },
    { method: 'tools/call', params: { name: 'read' }, item: 'second read' },
    { method: 'tools/call', params: { name: 'echo', arguments: { message: 'hello world' } }, item: 'echo' },
    { method: 'resources/read', params: { uri: 'a://b' }, item: 'resource' },
  ];

  it('serves identical requests in recorded order, then misses (or reuses the last)', () => {
    const matcher = new RequestMatcher(candidates);
    expect(matcher.take('tools/call', { name: 'read' })).toBe('first read');
    expect(matcher.take('tools/call', { name: 'read' })).toBe('second read');
    expect(matcher.take('tools/call', { name: 'read' })).toBeUndefined();
    const reusing = new RequestMatcher(candidates, { reuse: true });
    reusing.take('tools/call', { name: 'read' });
    reusing.take('tools/call', { name: 'read' });
    expect(reusing.take('tools/call', { name: 'read' })).toBe('second read');
  });

  it('lists what was never taken', () => {
    const matcher = new RequestMatcher(candidates);
    matcher.take('resources/read', { uri: 'a://b' });
    expect(matcher.unused().map((c) => c.item)).toEqual(['first read', 'second read', 'echo']);
  });

  it('names the nearest recorded request: same method with the closest params, else the closest method', () => {
    const matcher = new RequestMatcher(candidates);
    expect(matcher.nearest('tools/call', { name: 'echo', arguments: { message: 'hello wrld' } })?.item).toBe('echo');
    expect(matcher.nearest('resources/reed', {})?.item).toBe('resource');
  });
});
