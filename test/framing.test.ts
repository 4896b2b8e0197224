/** Newline-delimited framing as stdio peers really send it. */
import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { LineDecoder, encodeLine, type LineExcerpt } from '../src/core/framing.js';
import { LineStreamTransport } from '../src/transports/line-stream.js';

function decoder(max?: number) {
  const lines: string[] = [];
  const oversized: [number, number][] = [];
  const ends: LineExcerpt[] = [];
  const d = new LineDecoder(
    {
      line: (l) => lines.push(l),
      oversized: (bytes, limit, excerpt) => {
        oversized.push([bytes, limit]);
        ends.push(excerpt);
      },
    },
    max,
  );
  return { d, lines, oversized, ends };
}

describe('LineDecoder', () => {
  it('joins a message split across chunks and splits several in one chunk', () => {
    const { d, lines } = decoder();
    d.push(Buffer.from('{"jsonrpc":"2.0",'));
    expect(lines).toEqual([]);
    d.push(Buffer.from('"id":1,"method":"ping"}\n{"a":1}\n{"b"'));
    expect(lines).toEqual(['{"jsonrpc":"2.0","id":1,"method":"ping"}', '{"a":1}']);
    d.push(Buffer.from(':2}\n'));
    expect(lines).toEqual(['{"jsonrpc":"2.0","id":1,"method":"ping"}', '{"a":1}', '{"b":2}']);
  });

  it('keeps a UTF-8 character split between two chunks intact', () => {
    const text = '{"text":"héllo 😀 wörld 日本"}';
    const bytes = Buffer.from(`${text}\n`, 'utf8');
    // Cut inside the 4-byte emoji, and inside the 2-byte "ö".
    const emoji = bytes.indexOf(0xf0);
    const umlaut = bytes.indexOf(Buffer.from('ö'));
    const { d, lines } = decoder();
    d.push(bytes.subarray(0, emoji + 2));
    d.push(bytes.subarray(emoji + 2, umlaut + 1));
    d.push(bytes.subarray(umlaut + 1));
    expect(lines).toEqual([text]);
    // One byte at a time, too.
    const one = decoder();
    for (const byte of bytes) one.d.push(Buffer.from([byte]));
    expect(one.lines).toEqual([text]);
  });

  it('strips CRLF (even when CR and LF arrive apart) and skips blank lines', () => {
    const { d, lines } = decoder();
    d.push(Buffer.from('{"a":1}\r\n\r\n\n   \n{"b":2}\r'));
    d.push(Buffer.from('\n{"c":3}\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('rejects a line over the limit with its size, without buffering it, and carries on', () => {
    const { d, lines, oversized } = decoder(1024);
    // Ten times the limit with no newline in sight: a runaway peer.
    const chunk = Buffer.alloc(1024, 'x');
    for (let i = 0; i < 10; i++) d.push(chunk);
    expect(oversized).toEqual([]);
    // Nothing is held for the runaway line while it grows.
    expect((d as unknown as { pendingBytes: number }).pendingBytes).toBe(0);
    d.push(Buffer.from('tail\n{"ok":true}\n'));
    expect(oversized).toEqual([[10 * 1024 + 4, 1024]]);
    expect(lines).toEqual(['{"ok":true}']);
  });

  it('rejects an oversized line between two good ones in the same chunk', () => {
    const { d, lines, oversized } = decoder(16);
    d.push(Buffer.from(`{"a":1}\n${'y'.repeat(40)}\n{"b":2}\n`));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(oversized).toEqual([[40, 16]]);
  });

  it('keeps the two ends of a discarded line, so its id can still be found', () => {
    const { d, ends } = decoder(1024);
    const message = `{"result":{"text":"${'z'.repeat(5000)}"},"jsonrpc":"2.0","id":42}`;
    const bytes = Buffer.from(`${message}\r\n`);
    // In pieces of every size, across chunk boundaries.
    for (let at = 0; at < bytes.length; at += 700) d.push(bytes.subarray(at, at + 700));
    expect(ends).toHaveLength(1);
    expect(message.startsWith(ends[0]!.head)).toBe(true);
    expect(message.endsWith(ends[0]!.tail)).toBe(true);
    expect(ends[0]!.tail).toMatch(/"id":42}$/);
    expect(ends[0]!.head.length).toBeLessThanOrEqual(256);
    expect(ends[0]!.tail.length).toBeLessThanOrEqual(256);
  });

  it('measures the limit in bytes, not characters', () => {
    const { d, lines, oversized } = decoder(10);
    d.push(Buffer.from('0123456789\n'));
    d.push(Buffer.from('😀😀😀\n')); // 3 characters, 12 bytes
    expect(lines).toEqual(['0123456789']);
    expect(oversized).toEqual([[12, 10]]);
  });

  it('emits a last line that has no newline when the stream ends', () => {
    const { d, lines } = decoder();
    d.push(Buffer.from('{"a":1}\n{"b":2}'));
    expect(lines).toEqual(['{"a":1}']);
    d.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('reports an oversized last line when the stream ends inside it', () => {
    const { d, lines, oversized } = decoder(8);
    d.push(Buffer.from('{"a":1}\n'));
    d.push(Buffer.from('z'.repeat(20)));
    d.end();
    expect(lines).toEqual(['{"a":1}']);
    expect(oversized).toEqual([[20, 8]]);
  });
});

describe('encodeLine', () => {
  it('ends a message with exactly one newline', () => {
    expect(encodeLine('{"a":1}')).toBe('{"a":1}\n');
    expect(encodeLine('{"a":1}\n')).toBe('{"a":1}\n');
  });
});

describe('LineStreamTransport', () => {
  function pair() {
    const input = new PassThrough();
    const output = new PassThrough();
    const transport = new LineStreamTransport('stdio', input, output);
    let out = '';
    output.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    /** Everything written to the output so far (a stream delivers on a later tick). */
    const written = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return out;
    };
    return { input, transport, written };
  }

  it('writes each message on one line, as received, bytes for bytes', async () => {
    const { transport, written } = pair();
    const text = '{"jsonrpc":"2.0","id":1,"result":{"z":1,"a":"é","n":1.0e3}}';
    transport.send(text);
    expect(await written()).toBe(`${text}\n`);
  });

  it('folds a pretty-printed message onto one line without changing its meaning', async () => {
    const { transport, written } = pair();
    // A big integer and -0 would not survive a parse and re-stringify.
    transport.send('{\n  "jsonrpc": "2.0",\r\n  "id": 12345678901234567890,\n  "result": { "text": "a\\nb", "z": -0 }\n}');
    const out = await written();
    expect(out.endsWith('\n')).toBe(true);
    expect(out.slice(0, -1)).not.toMatch(/[\r\n]/);
    expect(out).toContain('"id": 12345678901234567890');
    expect(out).toContain('"z": -0');
    expect(JSON.parse(out)).toMatchObject({ jsonrpc: '2.0', result: { text: 'a\nb' } });
  });

  it('hands each complete line from its input to onmessage', async () => {
    const { input, transport } = pair();
    const got: string[] = [];
    transport.onmessage = (text) => got.push(text);
    const closed = new Promise((resolve) => (transport.onclose = resolve));
    await transport.start();
    input.write(Buffer.from('{"a":1}\n{"b":'));
    input.end(Buffer.from('2}'));
    expect(await closed).toEqual({ reason: 'input ended' });
    expect(got).toEqual(['{"a":1}', '{"b":2}']);
  });
});
