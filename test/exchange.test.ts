/**
 * The exchange model: frames grouped into what a person reasons about. The unit cases feed the
 * model frames as the pipeline would describe them (plain data, both protocol eras); the last
 * case reads a tape recorded through mcp-tap from the real server-everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { answerReceived, buildExchanges, ExchangeLog, type ExchangeFrame } from '../src/core/exchange.js';
import { summarize, type Direction } from '../src/core/jsonrpc.js';
import { tapeExchanges } from '../src/tape/exchanges.js';
import { readTape, recordEverything } from './support/record.js';
import { tempDir } from './support/paths.js';

let seq = 0;
/** A frame as the pipeline reports it: the message, who sent it, what the proxy did. */
function frame(direction: Direction, message: Record<string, unknown>, extra: Partial<ExchangeFrame> = {}): ExchangeFrame {
  const summary = summarize(message);
  const text = JSON.stringify(message);
  return {
    seq: ++seq,
    conversation: 'c1',
    direction,
    kind: summary.kind,
    method: summary.method,
    id: summary.id,
    time: seq * 10,
    action: 'continue',
    flags: [],
    message,
    bytes: text.length,
    ...extra,
  };
}

const modernMeta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };

describe('the exchange model', () => {
  it('pairs a request with its answer and its progress, and leaves an unrelated notification as an event', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow', _meta: { progressToken: 't1' } } }),
      frame('s2c', { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't1', progress: 1 } }),
      frame('s2c', { jsonrpc: '2.0', method: 'notifications/tools/list_changed' }),
      frame('s2c', { jsonrpc: '2.0', id: 1, result: { content: [] } }, { latencyMs: 12.5 }),
    ]);
    const items = log.items();
    expect(items.map((i) => i.type)).toEqual(['exchange', 'event']);
    const [call] = log.exchanges();
    expect(call).toMatchObject({ method: 'tools/call', name: 'slow', outcome: 'ok', latencyMs: 12.5 });
    expect(call!.notifications.map((n) => n.method)).toEqual(['notifications/progress']);
  });

  it('keeps 1 and "1" apart, tells a tool error from a JSON-RPC error, and reuses of an id from each other', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'a' } }),
      frame('c2s', { jsonrpc: '2.0', id: '1', method: 'tools/call', params: { name: 'b' } }),
      frame('s2c', { jsonrpc: '2.0', id: '1', error: { code: -32602, message: 'bad' } }),
      frame('s2c', { jsonrpc: '2.0', id: 1, result: { isError: true, content: [] } }),
      frame('c2s', { jsonrpc: '2.0', id: 1, method: 'ping' }),
    ]);
    const [a, b, ping] = log.exchanges();
    expect(a).toMatchObject({ name: 'a', outcome: 'tool-error' });
    expect(b).toMatchObject({ name: 'b', outcome: 'error', error: { code: -32602, message: 'bad' } });
    expect(ping).toMatchObject({ method: 'ping', outcome: 'unanswered' });
    expect(new Set([a!.key, b!.key, ping!.key]).size).toBe(3);
  });

  it('names what the proxy did instead of forwarding: blocked, mocked, dropped, and marks edits and holds', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'rm' } }, { action: 'block' }),
      frame('s2c', { jsonrpc: '2.0', id: 1, error: { code: -32001, message: 'no' } }, { action: 'block', flags: ['synthesized'] }),
      frame('c2s', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'fake' } }, { action: 'mock' }),
      frame('s2c', { jsonrpc: '2.0', id: 2, result: {} }, { action: 'mock', flags: ['synthesized'] }),
      frame('c2s', { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'held' } }, { action: 'pause>block' }),
      frame('s2c', { jsonrpc: '2.0', id: 3, error: { code: -32006, message: 'dropped' } }, { action: 'block', flags: ['synthesized'] }),
      frame('c2s', { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'edited' } }, { action: 'pause>modify', flags: ['pause-timeout'] }),
      frame('s2c', { jsonrpc: '2.0', id: 4, result: {} }),
    ]);
    expect(log.exchanges().map((e) => [e.name, e.outcome])).toEqual([
      ['rm', 'blocked'],
      ['fake', 'mocked'],
      ['held', 'dropped'],
      ['edited', 'ok'],
    ]);
    expect(log.exchanges()[0]!.marks).toContain('synthesized');
    expect(log.exchanges()[3]!.marks).toEqual(['modified', 'paused', 'pause-timeout']);
  });

  it('keeps the real answer a rule stopped, and what the requester got instead', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'leaky' } }),
      // The server's answer, stopped by a rule, then the error the proxy sent the client instead.
      frame('s2c', { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'secret' }] } }, { action: 'block' }),
      frame('s2c', { jsonrpc: '2.0', id: 1, error: { code: -32001, message: 'answers of leaky are blocked' } }, { action: 'block', flags: ['synthesized'] }),
    ]);
    const [call] = log.exchanges();
    expect(call).toMatchObject({ outcome: 'blocked', error: { code: -32001 } });
    expect(call!.delivered!.flags).toContain('synthesized');
    expect(call!.answer!.message).toMatchObject({ result: { content: [{ text: 'secret' }] } });
    expect(answerReceived(call!)).toBe(call!.delivered);
    expect(log.items().map((i) => i.type)).toEqual(['exchange']);
  });

  it('puts a 2025 server request under the client request it was made during', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'needs-roots' } }),
      frame('s2c', { jsonrpc: '2.0', id: 0, method: 'roots/list' }),
      frame('c2s', { jsonrpc: '2.0', id: 0, result: { roots: [] } }),
      frame('s2c', { jsonrpc: '2.0', id: 7, result: { content: [] } }),
    ]);
    const [call, roots] = log.exchanges();
    expect(roots).toMatchObject({ direction: 's2c', method: 'roots/list', outcome: 'ok', parent: call!.key });
    expect(call!.children).toEqual([roots!.key]);
  });

  it('links the rounds of a multi round-trip call by the requestState the server handed out', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'deploy', arguments: { env: 'prod' }, _meta: modernMeta } }),
      frame('s2c', {
        jsonrpc: '2.0',
        id: 1,
        result: { resultType: 'input_required', inputRequests: { confirm: { method: 'elicitation/create', params: { message: 'sure?' } } }, requestState: 'opaque-1' },
      }),
      // An unrelated call in between, which must not be taken for the retry.
      frame('c2s', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'deploy', arguments: { env: 'dev' }, _meta: modernMeta } }),
      frame('s2c', { jsonrpc: '2.0', id: 2, result: { resultType: 'input_required', inputRequests: { confirm: {} }, requestState: 'opaque-2' } }),
      frame('c2s', {
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'deploy', arguments: { env: 'prod' }, inputResponses: { confirm: { action: 'accept' } }, requestState: 'opaque-1', _meta: modernMeta },
      }),
      frame('s2c', { jsonrpc: '2.0', id: 3, result: { resultType: 'complete', content: [{ type: 'text', text: 'deployed' }] } }),
    ]);
    const [first, other, retry] = log.exchanges();
    expect(first).toMatchObject({ era: 'modern', outcome: 'input-required', call: { callKey: first!.key, round: 1, next: retry!.key } });
    expect(retry).toMatchObject({ outcome: 'ok', call: { callKey: first!.key, round: 2, previous: first!.key } });
    expect(other!.call).toBeUndefined();
    expect(log.rounds(retry!).map((e) => e.id)).toEqual([1, 3]);
  });

  it('links a retry without requestState by the input requests it answers', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 'a', method: 'prompts/get', params: { name: 'greet', _meta: modernMeta } }),
      frame('s2c', { jsonrpc: '2.0', id: 'a', result: { resultType: 'input_required', inputRequests: { who: { method: 'elicitation/create', params: {} } } } }),
      frame('c2s', { jsonrpc: '2.0', id: 'b', method: 'prompts/get', params: { name: 'greet', inputResponses: { who: { action: 'accept' } }, _meta: modernMeta } }),
      frame('s2c', { jsonrpc: '2.0', id: 'b', result: { resultType: 'input_required', inputRequests: { why: {} } } }),
      frame('c2s', { jsonrpc: '2.0', id: 'c', method: 'prompts/get', params: { name: 'greet', inputResponses: { why: { action: 'accept' } }, _meta: modernMeta } }),
      frame('s2c', { jsonrpc: '2.0', id: 'c', result: { resultType: 'complete', messages: [] } }),
    ]);
    const rounds = log.rounds(log.exchanges()[2]!);
    expect(rounds.map((e) => [e.id, e.call?.round, e.outcome])).toEqual([
      ['a', 1, 'input-required'],
      ['b', 2, 'input-required'],
      ['c', 3, 'ok'],
    ]);
  });

  it('follows a subscriptions/listen stream: acknowledgement, tagged notifications, the client closing it', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 9, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: modernMeta } }),
      frame('s2c', { jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: { toolsListChanged: true } } }),
      frame('c2s', { jsonrpc: '2.0', id: 10, method: 'tools/list', params: { _meta: modernMeta } }),
      frame('s2c', { jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { 'io.modelcontextprotocol/subscriptionId': 9 } } }),
      frame('s2c', { jsonrpc: '2.0', id: 10, result: { resultType: 'complete', tools: [] } }),
      frame('c2s', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 9 } }),
    ]);
    const [listen, list] = log.exchanges();
    expect(listen).toMatchObject({ method: 'subscriptions/listen', outcome: 'closed', stream: { subscriptionId: 9, delivered: 1 } });
    expect(listen!.stream!.acknowledged?.method).toBe('notifications/subscriptions/acknowledged');
    expect(listen!.notifications.map((n) => n.method)).toEqual([
      'notifications/subscriptions/acknowledged',
      'notifications/tools/list_changed',
      'notifications/cancelled',
    ]);
    expect(list).toMatchObject({ outcome: 'ok' });
    expect(log.items().map((i) => i.type)).toEqual(['exchange', 'exchange']);
  });

  it('marks a request its client cancelled, and gives a modern log message to the request that asked for logs', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'quiet', _meta: modernMeta } }),
      frame('c2s', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'chatty', _meta: { ...modernMeta, 'io.modelcontextprotocol/logLevel': 'info' } } }),
      frame('s2c', { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'working' } }),
      frame('c2s', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, reason: 'user' } }),
      frame('s2c', { jsonrpc: '2.0', id: 2, result: { resultType: 'complete', content: [] } }),
    ]);
    const [quiet, chatty] = log.exchanges();
    expect(quiet).toMatchObject({ outcome: 'cancelled', marks: ['cancelled'] });
    expect(chatty!.notifications.map((n) => n.method)).toEqual(['notifications/message']);
  });

  it('keeps a bounded number of items when asked, forgetting the oldest', () => {
    const log = new ExchangeLog({ capacity: 3 });
    for (let i = 1; i <= 5; i++) log.add(frame('c2s', { jsonrpc: '2.0', id: i, method: 'ping' }));
    expect(log.size).toBe(3);
    expect(log.exchanges().map((e) => e.id)).toEqual([3, 4, 5]);
    // An answer to a forgotten request is an event of its own; one to a kept request pairs.
    log.add(frame('s2c', { jsonrpc: '2.0', id: 1, result: {} }));
    log.add(frame('s2c', { jsonrpc: '2.0', id: 5, result: {} }));
    expect(log.exchanges().map((e) => e.outcome)).toEqual(['pending', 'ok']);
    expect(log.items().at(-1)?.type).toBe('event');
  });
});

describe('the exchange model for live views', () => {
  it('lists a held request where it arrived, and the frame that ends the hold takes its place', () => {
    const log = new ExchangeLog();
    log.add(frame('c2s', { jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    const held = frame('c2s', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'a' } } }, { held: true, pauseId: 7, time: 100 });
    log.add(held);
    log.add(frame('s2c', { jsonrpc: '2.0', id: 1, result: { tools: [] } }));
    log.add(frame('c2s', { jsonrpc: '2.0', id: 3, method: 'ping' }));
    let [, call] = log.exchanges();
    expect(call).toMatchObject({ outcome: 'held', held: { pauseId: 7, part: 'request' }, marks: ['held'] });
    // Released edited, 4 s later: same place in the list, the request now what was sent.
    log.add(frame('c2s', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { message: 'b' } } }, { action: 'pause>modify', pauseId: 7, time: 4100 }));
    log.add(frame('s2c', { jsonrpc: '2.0', id: 2, result: { content: [] } }, { latencyMs: 3 }));
    expect(log.items().map((i) => (i.type === 'exchange' ? i.exchange.id : 'event'))).toEqual([1, 2, 3]);
    [, call] = log.exchanges();
    expect(call).toMatchObject({ outcome: 'ok', latencyMs: 3, heldMs: 4000, marks: ['modified', 'paused'] });
    expect(call!.held).toBeUndefined();
    expect((call!.request.message as { params: { arguments: { message: string } } }).params.arguments.message).toBe('b');
  });

  it('holds an answer in place too; a dropped answer is followed by what the requester got instead', () => {
    const log = new ExchangeLog();
    log.add(frame('c2s', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } }));
    log.add(frame('s2c', { jsonrpc: '2.0', id: 1, result: { content: [] } }, { held: true, pauseId: 3, latencyMs: 2 }));
    expect(log.exchanges()[0]).toMatchObject({ outcome: 'held', held: { part: 'answer' } });
    log.add(frame('s2c', { jsonrpc: '2.0', id: 1, result: { content: [] } }, { action: 'pause>block', pauseId: 3, latencyMs: 2 }));
    log.add(frame('s2c', { jsonrpc: '2.0', id: 1, error: { code: -32006, message: 'dropped' } }, { action: 'block', flags: ['synthesized'], latencyMs: 2 }));
    const [call] = log.exchanges();
    expect(call).toMatchObject({ outcome: 'dropped', latencyMs: 2, error: { code: -32006 } });
    expect(call!.delivered?.kind).toBe('error');
    expect(log.items()).toHaveLength(1);
  });

  it('shows a held request its client cancelled as cancelled, whichever of the two frames comes first', () => {
    for (const cancelFirst of [true, false]) {
      const log = new ExchangeLog();
      log.add(frame('c2s', { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'slow' } }, { held: true, pauseId: 1 }));
      const cancel = frame('c2s', { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5, reason: 'user gave up' } }, { action: 'block' });
      const release = frame('c2s', { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'slow' } }, { action: 'pause>block', pauseId: 1 });
      for (const f of cancelFirst ? [cancel, release] : [release, cancel]) log.add(f);
      expect(log.exchanges()[0]).toMatchObject({ outcome: 'cancelled', cancel: { reason: 'user gave up' } });
      expect(log.items()).toHaveLength(1);
    }
  });

  it('marks a request a console sent again, and keeps its answer with it', () => {
    const log = buildExchanges([
      frame('c2s', { jsonrpc: '2.0', id: 'mcp-tap-1', method: 'tools/call', params: { name: 'echo' } }, { flags: ['resent'] }),
      frame('s2c', { jsonrpc: '2.0', id: 'mcp-tap-1', result: { content: [] } }, { flags: ['resent'] }),
    ]);
    expect(log.exchanges()[0]).toMatchObject({ outcome: 'ok', marks: ['resent'] });
  });

  it('freezes the list: new items wait, listed ones still get their answers', () => {
    const log = new ExchangeLog({ capacity: 100 });
    log.add(frame('c2s', { jsonrpc: '2.0', id: 1, method: 'ping' }));
    log.freeze();
    for (let i = 2; i <= 3; i++) log.add(frame('c2s', { jsonrpc: '2.0', id: i, method: 'ping' }));
    log.add(frame('s2c', { jsonrpc: '2.0', id: 1, result: {} }));
    expect(log.exchanges().map((e) => [e.id, e.outcome])).toEqual([[1, 'ok']]);
    expect(log.waiting).toBe(2);
    log.thaw();
    expect(log.exchanges().map((e) => e.id)).toEqual([1, 2, 3]);
    expect(log.waiting).toBe(0);
  });

  it('keeps the pinned item when the oldest fall off, in its place at the head', () => {
    const log = new ExchangeLog({ capacity: 3 });
    const first = log.add(frame('c2s', { jsonrpc: '2.0', id: 1, method: 'ping' })).item;
    log.pin(first);
    for (let i = 2; i <= 10; i++) log.add(frame('c2s', { jsonrpc: '2.0', id: i, method: 'ping' }));
    expect(log.exchanges().map((e) => e.id)).toEqual([1, 9, 10]);
    expect(log.has(first)).toBe(true);
    log.pin(undefined);
    log.add(frame('c2s', { jsonrpc: '2.0', id: 11, method: 'ping' }));
    expect(log.exchanges().map((e) => e.id)).toEqual([9, 10, 11]);
    expect(log.has(first)).toBe(false);
  });

  it('clears what is finished and keeps what is still open, so later answers still pair', () => {
    const log = new ExchangeLog();
    log.add(frame('c2s', { jsonrpc: '2.0', id: 1, method: 'ping' }));
    log.add(frame('s2c', { jsonrpc: '2.0', id: 1, result: {} }));
    log.add(frame('c2s', { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow' } }));
    log.add(frame('s2c', { jsonrpc: '2.0', method: 'notifications/tools/list_changed' }));
    log.clear();
    expect(log.exchanges().map((e) => e.id)).toEqual([2]);
    log.add(frame('s2c', { jsonrpc: '2.0', id: 2, result: { content: [] } }));
    expect(log.exchanges()[0]!.outcome).toBe('ok');
    expect(log.items()).toHaveLength(1);
  });
});

describe('the exchange model on a real tape', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('groups a session with server-everything: every request answered, progress and roots/list in their place', async () => {
    const store = join(dir, 'tapes.db');
    const session = await recordEverything(store, 'everything');
    await session.client.listTools();
    await session.client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    await session.client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, { onprogress: () => undefined });
    await session.client.close();
    await new Promise((resolve) => setTimeout(resolve, 300));

    const { frames } = readTape(store, 'everything');
    const log = tapeExchanges(frames);
    const exchanges = log.exchanges().filter((e) => e.direction === 'c2s');
    expect(exchanges.map((e) => e.name ?? e.method)).toEqual(['initialize', 'tools/list', 'echo', 'trigger-long-running-operation']);
    expect(exchanges.every((e) => e.outcome === 'ok' && e.latencyMs !== undefined)).toBe(true);
    const long = exchanges[3]!;
    expect(long.notifications.filter((n) => n.method === 'notifications/progress').length).toBeGreaterThanOrEqual(2);
    // Every frame is somewhere: in an exchange (request, answer, notification) or an event.
    const placed = log.items().reduce((n, item) => n + (item.type === 'event' ? 1 : 1 + (item.exchange.answer ? 1 : 0) + item.exchange.notifications.length), 0);
    expect(placed).toBe(frames.length);
  });
});
