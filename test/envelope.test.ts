/**
 * The envelope scan against JSON.parse: for any text JSON.parse reads, the scan either leaves it
 * to JSON.parse (undefined) or says exactly what summarize says of the parsed message, and names
 * the same tool. Checked on real SDK layouts, on the odd corners of JSON, and on many generated
 * messages (repeated keys, escapes, nesting, numbers).
 */
import { describe, expect, it } from 'vitest';
import { scanEnvelope } from '../src/core/envelope.js';
import { isObject, summarize } from '../src/core/jsonrpc.js';

/** What the proxy read of a message before the scan: summarize(JSON.parse(text)), and params.name. */
function parsed(text: string): { summary: ReturnType<typeof summarize>; toolName?: string } | 'not JSON' {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const params = isObject(message) ? message.params : undefined;
  const toolName = isObject(params) && typeof params.name === 'string' ? params.name : undefined;
  return toolName === undefined ? { summary: summarize(message) } : { summary: summarize(message), toolName };
}

/** The scan agrees with the parse, or leaves the text to it. */
function expectAgrees(text: string): void {
  const scanned = scanEnvelope(text);
  if (scanned === undefined) return;
  const expected = parsed(text);
  expect(expected, text).not.toBe('not JSON');
  expect(scanned, text).toEqual(expected);
  // Every key of a message the scan read is in its text as written (no escapes): hints that look
  // for a key in the text (a progress token, a modern _meta key) are sound for it.
  const keys = (value: unknown): string[] => (Array.isArray(value) ? value.flatMap(keys) : isObject(value) ? Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]) : []);
  for (const key of keys(JSON.parse(text))) expect(text.includes(JSON.stringify(key)), `${text}: key ${key}`).toBe(true);
  if (expected !== 'not JSON') expect(Object.is(scanned.summary.id, expected.summary.id), text).toBe(true);
}

describe('scanEnvelope', () => {
  it('reads the envelope of messages as SDKs write them, id first or last', () => {
    const texts = [
      '{"method":"tools/call","params":{"name":"echo","arguments":{"message":"bench"}},"jsonrpc":"2.0","id":3}',
      '{"jsonrpc":"2.0","id":"a-1","method":"resources/read","params":{"uri":"demo://x"}}',
      '{"result":{"content":[{"type":"text","text":"Echo: bench"}]},"jsonrpc":"2.0","id":3}',
      '{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"Method not found"}}',
      '{"method":"notifications/progress","params":{"progressToken":1,"progress":1},"jsonrpc":"2.0"}',
      ' { "jsonrpc" : "2.0" , "id" : null , "error" : { "code" : -32700 , "message" : "x" } } ',
    ];
    for (const text of texts) {
      expect(scanEnvelope(text), text).toBeDefined();
      expectAgrees(text);
    }
    expect(scanEnvelope(texts[0]!)).toEqual({ summary: { kind: 'request', hasId: true, method: 'tools/call', id: 3 }, toolName: 'echo' });
    expect(scanEnvelope(texts[2]!)).toEqual({ summary: { kind: 'response', hasId: true, id: 3 } });
  });

  it('resolves a repeated key as JSON.parse does (the last one wins)', () => {
    for (const text of [
      '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"name":"a"},"method":"tools/call"}',
      '{"jsonrpc":"2.0","id":1,"id":2,"method":"x"}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"params":{}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a"},"params":5}',
      '{"jsonrpc":"1.0","id":1,"method":"x","jsonrpc":"2.0"}',
      '{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m"},"error":"no","result":1}',
    ]) {
      expect(scanEnvelope(text), text).toBeDefined();
      expectAgrees(text);
    }
  });

  it('reads escaped values and numbers exactly, and leaves escaped keys to JSON.parse', () => {
    for (const text of [
      '{"jsonrpc":"2\\u002e0","id":"a\\"b\\\\","method":"x\\/y"}',
      '{"jsonrpc":"2.0","id":-0,"method":"x"}',
      '{"jsonrpc":"2.0","id":1.5e3,"result":{}}',
      '{"jsonrpc":"2.0","id":-1.25E-3,"result":{}}',
      '{"jsonrpc":"2.0","id":0,"result":{}}',
      '{"jsonrpc":"2.0","id":12345678901234567890,"result":{}}',
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\\ud83d\\ude00","arguments":{"s":"\\"}{]["}}}',
    ]) {
      expect(scanEnvelope(text), text).toBeDefined();
      expectAgrees(text);
    }
    expect(scanEnvelope('{"jsonrpc":"2.0","id":1,"method":"x","params":{"_meta":{"progress\\u0054oken":1}}}')).toBeUndefined();
    expect(scanEnvelope('{"jsonrpc":"2.0","id":1,"result":{"_meta":{"io.modelcontextprotocol\\/serverInfo":{}}}}')).toBeUndefined();
    expect(scanEnvelope('{"jsonrpc":"2.0","id":1,"result":{"text":"a\\nb","list":["x\\"y"]}}')).toBeDefined();
  });

  it('leaves to JSON.parse what is not one well-formed JSON-RPC message', () => {
    for (const text of [
      '[{"jsonrpc":"2.0","id":1,"method":"x"}]',
      '{"jsonrpc":"2.0"}',
      '{"id":5,"method":"no-version"}',
      '{"jsonrpc":"2.0","id":{"not":"an id"},"method":"x"}',
      '{"jsonrpc":"2.0","id":true,"result":1}',
      '{"jsonrpc":"2.0","id":01,"result":1}',
      '{"jsonrpc":"2.0","id":1.,"result":1}',
      '{"jsonrpc":"2.0","id":-,"result":1}',
      '{"jsonrpc":"2.0","id":1e,"result":1}',
      '{"jsonrpc":"2.0","id":nul,"result":1}',
      '{"jsonrpc": "2.0", "id": 1, "method": ',
      '{"jsonrpc":"2.0","id":1,"method":"x",}',
      '{"jsonrpc":"2.0","id":1,"method":"x"} trailing',
      '42',
      'Starting server...',
      '',
    ]) {
      expect(scanEnvelope(text), text).toBeUndefined();
    }
  });

  it('takes a message whose nested values are broken as its envelope says (JSON.parse judges it where something reads it)', () => {
    expect(scanEnvelope('{"jsonrpc":"2.0","id":1,"result":{"a":[1,,2]}}')).toEqual({ summary: { kind: 'response', hasId: true, id: 1 } });
  });

  it('agrees with JSON.parse on many generated messages', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const strings = ['"2.0"', '"2.1"', '"tools/call"', '""', '"a\\"b"', '"\\u0032.0"', '"x\\ny"', '"\\ud83d"', '"é"', '"name"', '"}"', '"\\\\"'];
    const value = (depth: number): string => {
      const r = random();
      if (depth > 3 || r < 0.35) return pick([...strings, '1', '-0', '1.5e3', '0', 'null', 'true', 'false', '12345678901234567890', '-1', '2E-7']);
      const keys = ['"name"', '"_meta"', '"progressToken"', '"progress\\u0054oken"', '"id"', '"result"', '"x"', '"a b"', '"a\\"b"'];
      if (r < 0.7) return `{${Array.from({ length: Math.floor(random() * 4) }, () => `${pick(keys)}:${value(depth + 1)}`).join(',')}}`;
      return `[${Array.from({ length: Math.floor(random() * 3) }, () => value(depth + 1)).join(',')}]`;
    };
    const keys = ['"jsonrpc"', '"id"', '"method"', '"params"', '"result"', '"error"', '"x"', '"method"', '"jsonrpc"'];
    let read = 0;
    for (let n = 0; n < 20_000; n++) {
      const members = Array.from({ length: 1 + Math.floor(random() * 6) }, () => {
        const key = pick(keys);
        let v = value(1);
        if (key === '"jsonrpc"' && random() < 0.7) v = '"2.0"';
        if (key === '"method"' && random() < 0.6) v = pick(['"tools/call"', '"ping"', '"x\\u002fy"']);
        if (key === '"params"' && random() < 0.5) v = `{"name":${pick(['"echo"', '"e\\"cho"', '1', '{}'])}${random() < 0.5 ? `,"arguments":${value(2)}` : ''}${random() < 0.2 ? ',"name":"second"' : ''}}`;
        if (key === '"error"' && random() < 0.5) v = '{"code":1,"message":"m"}';
        return `${pick(['', ' '])}${key}${pick(['', ' '])}:${pick(['', ' ', '\t'])}${v}`;
      });
      const text = `${pick(['', ' '])}{${members.join(',')}}${pick(['', ' '])}`;
      if (parsed(text) === 'not JSON') continue;
      if (scanEnvelope(text) !== undefined) read++;
      expectAgrees(text);
    }
    // Most are read by the scan (not all left to JSON.parse).
    expect(read).toBeGreaterThan(1_000);
  });
});
