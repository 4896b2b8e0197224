/** Newline-delimited framing as stdio peers really send it. */
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../src/core/framing.js';

function decoder(max?: number) {
  const lines: string[] = [];
  const oversized: number[] = [];
  const d = new LineDecoder({ line: (l) => lines.push(l), oversized: (bytes) => oversized.push(bytes) }, max);
  return { d, lines, oversized };
}

describe('LineDecoder', () => {
  it('joins a message split across chunks and splits several in one chunk', () => {
    const { d, lines } = decoder();
    d.push(Buffer.from('{"jsonrpc":"2.0",'));
    d.push(Buffer.from('"id":1,"method":"ping"}\n{"a":1}\n{"b"'));
    expect(lines).toEqual(['{"jsonrpc":"2.0","id":1,"method":"ping"}', '{"a":1}']);
    d.push(Buffer.from(':2}\n'));
    expect(lines.at(-1)).toBe('{"b":2}');
  });

  it('keeps a UTF-8 character split between two chunks intact', () => {
    const { d, lines } = decoder();
    const bytes = Buffer.from('{"text":"héllo 😀 wörld"}\n', 'utf8');
    const emoji = bytes.indexOf(0xf0);
    d.push(bytes.subarray(0, emoji + 2));
    d.push(bytes.subarray(emoji + 2));
    expect(lines).toEqual(['{"text":"héllo 😀 wörld"}']);
    // One byte at a time, too.
    const one = decoder();
    for (const byte of bytes) one.d.push(Buffer.from([byte]));
    expect(one.lines).toEqual(['{"text":"héllo 😀 wörld"}']);
  });

  it('strips CRLF and skips blank lines', () => {
    const { d, lines } = decoder();
    d.push(Buffer.from('{"a":1}\r\n\r\n\n   \n{"b":2}\r\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('rejects a line over the limit without buffering it, then carries on', () => {
    const { d, lines, oversized } = decoder(1024);
    const chunk = Buffer.alloc(1000, 'x');
    for (let i = 0; i < 10; i++) d.push(chunk);
    // Nothing is held for the runaway line while it grows.
    expect((d as unknown as { pendingBytes: number }).pendingBytes).toBe(0);
    d.push(Buffer.from('tail\n{"ok":true}\n'));
    expect(oversized).toEqual([10_004]);
    expect(lines).toEqual(['{"ok":true}']);
  });

  it('accepts a line exactly at the limit', () => {
    const { d, lines, oversized } = decoder(10);
    d.push(Buffer.from('0123456789\n'));
    expect(lines).toEqual(['0123456789']);
    expect(oversized).toEqual([]);
  });

  it('emits a last line that has no newline when the stream ends', () => {
    const { d, lines } = decoder();
    d.push(Buffer.from('{"a":1}\n{"b":2}'));
    expect(lines).toEqual(['{"a":1}']);
    d.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });
});
