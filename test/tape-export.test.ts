/**
 * The tape document: export, import and validation on real tapes (the shipped sample, the example
 * in docs/tape-format.md, and a tape recorded through a proxy in front of server-everything), and
 * the timeline a tape renders to.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import type { Interceptor } from '../src/core/chain.js';
import { isObject } from '../src/core/jsonrpc.js';
import { exportTape, importTape, validateTapeDocument, type TapeDocument } from '../src/tape/export.js';
import { TapeStore } from '../src/tape/store.js';
import { renderTimeline } from '../src/tape/timeline.js';
import { inprocProxy } from './support/inproc.js';
import { ROOT, tempDir } from './support/paths.js';

const SAMPLE = JSON.parse(readFileSync(join(ROOT, 'tapes', 'everything-sample.json'), 'utf8')) as TapeDocument;
const ESC = String.fromCharCode(27);

/** The JSON example in docs/tape-format.md, so the documentation cannot drift from the code. */
function documentedExample(): TapeDocument {
  const doc = readFileSync(join(ROOT, 'docs', 'tape-format.md'), 'utf8');
  const block = /## The export format[\s\S]*?```json\n([\s\S]*?)```/.exec(doc);
  return JSON.parse(block![1]!) as TapeDocument;
}

const dirs: string[] = [];
const stores: TapeStore[] = [];
function freshStore(): TapeStore {
  const dir = tempDir();
  dirs.push(dir);
  const store = TapeStore.open(join(dir, 'tapes.db'));
  stores.push(store);
  return store;
}
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const withoutSeq = (doc: TapeDocument) => doc.frames.map(({ seq: _seq, ...rest }) => rest);

describe('export and import', () => {
  it('imports the shipped sample and exports exactly the same document', () => {
    const store = freshStore();
    const info = importTape(store, SAMPLE);
    expect(info).toMatchObject({ name: 'everything-sample', frameCount: SAMPLE.frames.length, sessionCount: 1, transport: 'stdio' });
    expect(exportTape(store, 'everything-sample')).toEqual(SAMPLE);
  });

  it('the sample holds initialize, tools/list, an echo call and a get-sum call, with answers', () => {
    const requests = SAMPLE.frames.filter((f) => f.kind === 'request' && f.direction === 'c2s');
    const calls = requests.map((f) => (f.method === 'tools/call' && isObject(f.message) && isObject(f.message.params) ? `tools/call ${String(f.message.params.name)}` : f.method));
    expect(calls).toEqual(['initialize', 'tools/list', 'tools/call echo', 'tools/call get-sum']);
    for (const request of requests) {
      const answer = SAMPLE.frames.find((f) => f.direction === 's2c' && f.kind === 'response' && f.id === request.id);
      expect(answer?.latencyMs).toBeGreaterThan(0);
    }
  });

  it('round-trips the documented example: original, text frames, flags, notes, labels; sequence renumbered from 1', () => {
    const example = documentedExample();
    const store = freshStore();
    importTape(store, example);
    const again = exportTape(store, example.tape.name);
    expect(again.frames.map((f) => f.seq)).toEqual(example.frames.map((_, i) => i + 1));
    expect(withoutSeq(again)).toEqual(withoutSeq(example));
    expect(again.sessions).toEqual(example.sessions);
    expect(again.tape).toEqual(example.tape);
    const [, , modified, stray] = store.frames(store.requireTape(example.tape.name).id);
    expect(JSON.parse(modified!.original!).params.arguments.b).toBe(3);
    expect(stray!.message).toBe('Starting default (STDIO) server...');
  });

  it('keeps ids 1, "1" and null apart, and text that is not JSON as text', () => {
    const doc = structuredClone(documentedExample());
    const base = doc.frames[0]!;
    doc.frames = [
      { ...base, seq: 1, id: 1, message: { jsonrpc: '2.0', id: 1, method: 'ping' } },
      { ...base, seq: 2, id: '1', message: { jsonrpc: '2.0', id: '1', method: 'ping' } },
      { ...base, seq: 3, kind: 'error', id: null, message: { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } } },
      { seq: 4, session: base.session, tMs: 9, direction: 'c2s', kind: 'invalid', text: '{"half": ', originalText: 'not json either', action: 'block', flags: ['parse-error'] },
    ];
    const store = freshStore();
    const info = importTape(store, doc);
    expect(store.frames(info.id).map((f) => f.id)).toEqual(['1', '"1"', 'null', undefined]);
    expect(exportTape(store, doc.tape.name).frames).toEqual(doc.frames);
  });

  it('round-trips a tape recorded through the proxy, with a modified request and a blocked one', async () => {
    const rewrite: Interceptor = {
      name: 'rewrite',
      intercept: (ctx) => {
        if (ctx.summary.method !== 'tools/call' || ctx.summary.kind !== 'request' || !isObject(ctx.message) || !isObject(ctx.message.params)) return undefined;
        if (ctx.message.params.name === 'get-sum') return { type: 'block', reason: 'sums are off today' };
        return { type: 'modify', message: { ...ctx.message, params: { name: 'echo', arguments: { message: 'changed' } } } };
      },
    };
    const t = await inprocProxy([rewrite]);
    let recorded: TapeDocument;
    try {
      await t.client.listTools();
      await t.client.callTool({ name: 'echo', arguments: { message: 'as sent' } });
      await expect(t.client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } })).rejects.toThrow(/sums are off today/);
      t.frames();
      recorded = exportTape(t.proxy.recorder!.store, 'inproc');
    } finally {
      await t.close();
    }
    const echo = recorded.frames.find((f) => f.action === 'modify')!;
    expect(echo.message).toMatchObject({ params: { arguments: { message: 'changed' } } });
    expect(echo.original).toMatchObject({ params: { arguments: { message: 'as sent' } } });
    expect(recorded.frames.find((f) => f.action === 'block')?.note).toMatch(/sums are off today/);

    const store = freshStore();
    const info = importTape(store, recorded, { name: 'copy' });
    expect(info.name).toBe('copy');
    const again = exportTape(store, 'copy');
    expect(again.frames).toEqual(recorded.frames);
    expect(again.sessions).toEqual(recorded.sessions);
    expect({ ...again.tape, name: 'inproc' }).toEqual(recorded.tape);
  });

  it('refuses a name the store already has, pointing at --name, and leaves the store as it was', () => {
    const store = freshStore();
    importTape(store, SAMPLE);
    expect(() => importTape(store, SAMPLE)).toThrow(/a tape named "everything-sample" already exists.*--name/);
    expect(() => importTape(store, SAMPLE, { name: '../up' })).toThrow(/"\.\.\/up" is not a valid tape name/);
    expect(store.listTapes().map((t) => t.name)).toEqual(['everything-sample']);
  });

  it('writes nothing when the document is invalid', () => {
    const store = freshStore();
    const broken = structuredClone(SAMPLE);
    (broken.frames[5] as unknown as Record<string, unknown>).direction = 'sideways';
    expect(() => importTape(store, broken)).toThrow(/frames\[5\]\.direction/);
    expect(store.listTapes()).toEqual([]);
  });
});

/** A document being broken on purpose: any field may be set to anything. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Breakable = Record<string, any>;

describe('validateTapeDocument', () => {
  /** The sample with one change, and the error that change must produce. */
  const cases: [string, (d: Breakable) => void, RegExp][] = [
    ['not an object', (d) => Object.keys(d).forEach((k) => delete d[k]), /^invalid tape document: format must be "mcp-tap\/tape" \(is this an mcp-tap export\?\)$/],
    ['another format', (d) => (d.format = 'har'), /format must be "mcp-tap\/tape"$/],
    ['a newer version', (d) => (d.version = 2), /version must be 1: this mcp-tap reads version 1 \(got 2\)/],
    ['no tape', (d) => delete d.tape, /^invalid tape document: tape must be an object$/],
    ['tape name missing', (d) => delete d.tape.name, /tape\.name must be a non-empty string/],
    ['createdAt not a time', (d) => (d.tape.createdAt = 'yesterday'), /tape\.createdAt must be an ISO 8601 time.*"yesterday"/],
    ['upstream without command or url', (d) => (d.tape.upstream = {}), /tape\.upstream needs "command"/],
    ['upstream command with a number', (d) => (d.tape.upstream = { command: ['node', 3] }), /tape\.upstream\.command\[1\] must be a string/],
    ['label not a string', (d) => (d.tape.labels = { team: 7 }), /tape\.labels\.team must be a string/],
    ['redactions not an array', (d) => (d.tape.redactions = '*token*'), /tape\.redactions must be an array/],
    ['sessions missing', (d) => delete d.sessions, /^invalid tape document: sessions must be an array$/],
    ['session without key', (d) => delete d.sessions[0].key, /sessions\[0\]\.key must be a non-empty string/],
    ['duplicate session key', (d) => d.sessions.push({ ...d.sessions[0] }), /sessions\[1\]\.key repeats/],
    ['frames missing', (d) => delete d.frames, /^invalid tape document: frames must be an array$/],
    ['frame not an object', (d) => (d.frames[2] = 'hello'), /frames\[2\] must be an object/],
    ['seq going backwards', (d) => (d.frames[3].seq = 1), /frames\[3\]\.seq must be greater than the frame before \(3\)/],
    ['seq not whole', (d) => (d.frames[0].seq = 0.5), /frames\[0\]\.seq must be a whole number/],
    ['unknown session', (d) => (d.frames[1].session = 'elsewhere'), /frames\[1\]\.session names no session in "sessions" \("elsewhere"\)/],
    ['negative time', (d) => (d.frames[1].tMs = -1), /frames\[1\]\.tMs must be a number, zero or more/],
    ['bad direction', (d) => (d.frames[1].direction = 'up'), /frames\[1\]\.direction must be "c2s" or "s2c"/],
    ['unknown kind', (d) => (d.frames[1].kind = 'reply'), /frames\[1\]\.kind must be one of request, notification, response, error, batch, invalid/],
    ['id an object', (d) => (d.frames[0].id = { n: 1 }), /frames\[0\]\.id must be a string, a number or null/],
    ['no message', (d) => delete d.frames[0].message, /frames\[0\] needs exactly one of "message"/],
    ['message and text', (d) => (d.frames[0].text = 'x'), /frames\[0\] needs exactly one of "message"/],
    ['no action', (d) => delete d.frames[0].action, /frames\[0\]\.action must be a non-empty string/],
    ['latency a string', (d) => (d.frames[1].latencyMs = '12 ms'), /frames\[1\]\.latencyMs must be a number/],
    ['flags with a number', (d) => (d.frames[1].flags = [1]), /frames\[1\]\.flags\[0\] must be a string/],
  ];

  it.each(cases)('%s', (_label, change, error) => {
    const doc = structuredClone(SAMPLE) as unknown as Breakable;
    change(doc);
    expect(() => validateTapeDocument(doc)).toThrow(error);
  });

  it('rejects what is not an object at all', () => {
    expect(() => validateTapeDocument([SAMPLE])).toThrow('invalid tape document: (the document) must be an object');
    expect(() => validateTapeDocument(null)).toThrow('invalid tape document: (the document) must be an object');
  });

  it('accepts a valid document, ignoring fields it does not know', () => {
    expect(validateTapeDocument({ ...SAMPLE, comment: 'for review' })).toMatchObject({ format: 'mcp-tap/tape', version: 1 });
  });
});

describe('renderTimeline', () => {
  function sampleTimeline(level: 0 | 1, full = false): string[] {
    const store = freshStore();
    const info = importTape(store, SAMPLE);
    return renderTimeline(info, store.frames(info.id), new Chalk({ level }), { full });
  }

  it('prints a header and one line per frame, in order, with arrows, tools, ids and latencies', () => {
    const lines = sampleTimeline(0);
    expect(lines[0]).toBe('tape everything-sample');
    expect(lines).toContain('  server     mcp-servers/everything 2.0.0');
    expect(lines).toContain('  protocol   2025-11-25');
    const frames = lines.filter((l) => /^\s+\+\d+\.\d{3}s /.test(l));
    expect(frames).toHaveLength(SAMPLE.frames.length);
    expect(frames.map((l) => l.replace(/^\s+\+\d+\.\d{3}s /, '').replace(/ \d+\.\d ms$/, ' <ms>'))).toEqual([
      '→ request      initialize #0',
      '← response     initialize #0 <ms>',
      '→ notification notifications/initialized',
      '→ request      tools/list #1',
      '← notification notifications/tools/list_changed',
      '← response     tools/list #1 <ms>',
      '→ request      tools/call echo #2',
      '← response     tools/call echo #2 <ms>',
      '→ request      tools/call get-sum #3',
      '← response     tools/call get-sum #3 <ms>',
    ]);
  });

  it('shows actions, flags, notes, error messages and stray output', () => {
    const doc = structuredClone(documentedExample());
    doc.frames.push({ seq: 11, session: doc.sessions[0]!.key, tMs: 180, direction: 's2c', kind: 'error', method: 'tools/call', id: 4, message: { jsonrpc: '2.0', id: 4, error: { code: -32602, message: 'Unknown tool' } }, action: 'continue', latencyMs: 1.25 });
    const store = freshStore();
    const info = importTape(store, doc);
    const lines = renderTimeline(info, store.frames(info.id), new Chalk({ level: 0 }));
    expect(lines).toContain('  labels     team=tools');
    expect(lines).toContain('  redacted   params.arguments.apiKey + default secret keys');
    expect(lines.find((l) => l.includes('get-sum'))).toMatch(/→ request\s+tools\/call get-sum #3 \[pause>modify\] — edited in the terminal UI$/);
    expect(lines.find((l) => l.includes('invalid'))).toMatch(/← invalid\s+- \[block\] \{non-jsonrpc-output\} "Starting default \(STDIO\) server\.\.\." — server output is not JSON-RPC$/);
    expect(lines.at(-1)).toMatch(/← error\s+tools\/call #4 1\.3 ms Unknown tool$/);
  });

  it('prints every message in full with --full', () => {
    const text = sampleTimeline(0, true).join('\n');
    expect(text).toContain('"text": "Echo: hello"');
    expect(text).toContain('"name": "get-sum"');
  });

  it('uses colour only through the chalk it is given', () => {
    expect(sampleTimeline(0).join('\n').includes(ESC)).toBe(false);
    expect(sampleTimeline(1).join('\n').includes(ESC)).toBe(true);
  });

  it('tags frames with their session when a tape has several', () => {
    const doc = structuredClone(SAMPLE);
    doc.sessions.push({ ...doc.sessions[0]!, key: 'second' });
    doc.frames.push({ ...doc.frames[0]!, seq: 99, session: 'second' });
    const store = freshStore();
    const info = importTape(store, doc);
    const lines = renderTimeline(info, store.frames(info.id), new Chalk({ level: 0 }));
    expect(lines.at(-1)).toMatch(/→ request\s+initialize #0 \(s2\)$/);
    expect(lines.find((l) => l.includes('tools/list #1'))).toMatch(/\(s1\)$/);
  });
});
