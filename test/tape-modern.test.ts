/**
 * Tapes of 2026-07-28 traffic, made by real peers: the TypeScript SDK v2 client and server
 * (test/peers) recorded through `mcp-tap record`, then replayed, verified against a fresh server,
 * diffed and shown. The client's view through the replay must be the one it had live; a multi
 * round-trip call (MRTR) is one call throughout, a `subscriptions/listen` stream a stream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario, type ScenarioView } from './peers/ts-client.mjs';
import { runCli } from './support/cli.js';
import { expectSameView, startRecordingProxy, startTsServer, type Running } from './support/eras.js';
import { TS_SERVER } from './support/peers.js';
import { CLI, ROOT, tempDir } from './support/paths.js';
import { rawProxy, request } from './support/raw-proxy.js';
import { connectStdioClient, readTape, recordEverything } from './support/record.js';

let dir: string;
let store: string;
let server: Running;
let live: ScenarioView;

/** Records one run of the client scenario through `mcp-tap record --url … --listen` to tape `name`. */
async function record(name: string): Promise<ScenarioView> {
  const proxy = await startRecordingProxy(store, name, server.url);
  try {
    return await runScenario({ negotiation: 'auto', url: proxy.url });
  } finally {
    await proxy.stop();
  }
}

const replayOnStdio = (name: string, extra: string[] = []) => ({ command: process.execPath, args: [CLI, 'replay', name, '--store', store, ...extra] });

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  server = await startTsServer();
  // The first run moves the shared counter to 1, as a fresh stdio server's first run does: verify
  // below holds the tape up against one.
  live = await record('modern');
  await record('modern-again');
}, 60_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a 2026-07-28 tape', () => {
  it('was a modern conversation with an MRTR call and a listen stream that delivered an update', () => {
    expect(live.protocolVersion).toBe('2026-07-28');
    expect(live.steps.find((s) => s.name === 'confirm')?.result).toMatchObject({ content: [{ text: 'deploy: confirmed' }] });
    expect(live.listen?.updates).toEqual(['counter://value']);
  });

  it('replays on stdio to a dual-era and a 2026-only client: the same view, the MRTR call and the listen stream included', async () => {
    for (const negotiation of ['auto', 'pin'] as const) {
      const replayed = await runScenario({ negotiation, stdio: replayOnStdio('modern') });
      expectSameView(replayed, live, expect);
    }
  }, 60_000);

  it('is shown one line per exchange: input_required marked, the retry under its first round, the stream with its notification', async () => {
    const { stdout, code } = await runCli(['tapes', 'show', 'modern', '--store', store]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}client {5}ts-peer-client 2\.4\.0$/m);
    expect(stdout).toMatch(/^ {2}server {5}ts-peer-server 2\.4\.0$/m);
    expect(stdout).toMatch(/^ {2}protocol {3}2026-07-28$/m);
    const lines = stdout.split('\n');
    const first = lines.findIndex((l) => /→ tools\/call confirm #\d+ input_required \d+\.\d ms asks confirm/.test(l));
    expect(first).toBeGreaterThan(0);
    expect(lines[first + 1]).toMatch(/↻ round 2 → tools\/call confirm #\d+ ok \d+\.\d ms/);
    expect(stdout).toMatch(/→ subscriptions\/listen #"listen:0" \w+ stream acknowledged, 1 notification/);
    expect(stdout).toMatch(/→ tools\/call count #\d+ ok \d+\.\d ms 3 progress/);
    expect(stdout).toMatch(/→ tools\/call shout #\d+ ok \d+\.\d ms 1 log/);
    const frames = await runCli(['tapes', 'show', 'modern', '--frames', '--store', store]);
    expect(frames.stdout).toMatch(/← response\s+tools\/call confirm #\d+/);
  });

  it('verifies against a fresh server: the MRTR call re-driven with its fresh requestState, the listen stream opened and closed, nothing waited out', async () => {
    // --timeout 30 and a 25 s limit: a listen stream waited on until the timeout fails the test.
    const result = await runCli(['verify', 'modern', '--store', store, '--timeout', '30', '--', process.execPath, TS_SERVER, 'stdio'], { timeoutMs: 25_000 });
    expect(result.stdout).toMatch(/✓ tools\/call .*"confirm".* {2}round 1/);
    expect(result.stdout).toMatch(/✓ tools\/call .*"inputResponses".*"confirm".* {2}↻ round 2/);
    expect(result.stdout).toMatch(/✓ subscriptions\/listen .* {2}stream acknowledged/);
    expect(result.stdout).toMatch(/no drift: \d+ of \d+ answers match tape "modern"/);
    expect(result.code).toBe(0);
  }, 30_000);

  it('diffs against a second recording: the MRTR call with its rotated requestState agrees, the listen stream is compared, the counter moved', async () => {
    const result = await runCli(['tapes', 'diff', 'modern', 'modern-again', '--store', store, '--json']);
    const diff = JSON.parse(result.stdout) as { changed: { request: string; differences: { path: string }[] }[]; added: string[]; removed: string[]; same: number };
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    // Only what really changed: the counter the second run bumped again.
    expect(diff.changed.map((c) => c.request).sort()).toEqual(['resources/read {"uri":"counter://value"}', 'tools/call {"arguments":{},"name":"bump"}']);
    const exchanges = readTape(store, 'modern').frames.filter((f) => f.direction === 'c2s' && f.kind === 'request');
    // Every logical call but the two is the same: the MRTR call counts once, the listen stream once.
    expect(diff.same).toBe(exchanges.length - 1 - 2);
  });

  it('plays the next MRTR round for a retry with the replayed requestState, and reports inputResponses that differ', async () => {
    const tape = readTape(store, 'modern');
    const first = tape.frames.find((f) => f.direction === 'c2s' && f.kind === 'request' && f.message.includes('"confirm"') && !f.message.includes('inputResponses'))!;
    const params = (JSON.parse(first.message) as { params: Record<string, unknown> }).params;
    const replay = rawProxy(['modern', '--store', store, '--strict'], 'replay');
    replay.send(request('first', 'tools/call', params));
    const round1 = (await replay.next((m) => m.id === 'first')) as { result: { resultType: string; requestState: string } };
    expect(round1.result.resultType).toBe('input_required');
    const recordedState = (JSON.parse(tape.frames.find((f) => f.direction === 's2c' && f.message.includes('input_required'))!.message) as { result: { requestState: string } }).result.requestState;
    expect(round1.result.requestState).toBe(recordedState);
    replay.send(request('retry', 'tools/call', { ...params, requestState: round1.result.requestState, inputResponses: { confirm: { action: 'decline' } } }));
    const round2 = (await replay.next((m) => m.id === 'retry')) as { result: { content: { text: string }[] } };
    expect(round2.result.content[0]!.text).toBe('deploy: confirmed');
    replay.child.stdin.end();
    expect((await replay.exited).code).toBe(1);
    expect(replay.stderr()).toMatch(/client answered differently: tools\/call .*confirm.*\(round 2\): recorded inputResponses \{"confirm":\{"action":"accept"/);
  });
});

describe('a listen stream replayed', () => {
  it('is acknowledged, then delivers its notification after the request it followed, tagged with the caller\'s subscription id, until closed', async () => {
    const tape = readTape(store, 'modern');
    const recordedParams = (method: string, name?: string) =>
      (JSON.parse(tape.frames.find((f) => f.direction === 'c2s' && f.kind === 'request' && f.method === method && (name === undefined || f.message.includes(`"${name}"`)))!.message) as { params: unknown }).params;
    const subscription = 'my-own-subscription';
    const tagOf = (m: Record<string, unknown>) => ((m.params as { _meta?: Record<string, unknown> } | undefined)?._meta ?? {})['io.modelcontextprotocol/subscriptionId'];
    const replay = rawProxy(['modern', '--store', store], 'replay');
    replay.send(request(subscription, 'subscriptions/listen', recordedParams('subscriptions/listen')));
    const ack = await replay.next((m) => m.method === 'notifications/subscriptions/acknowledged');
    expect(tagOf(ack)).toBe(subscription);
    // The update followed the bump call on the tape: it waits for it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(replay.out.some((m) => (m as { method?: string }).method === 'notifications/resources/updated')).toBe(false);
    replay.send(request('b', 'tools/call', recordedParams('tools/call', 'bump')));
    const update = await replay.next((m) => m.method === 'notifications/resources/updated');
    expect(tagOf(update)).toBe(subscription);
    expect(replay.out.findIndex((m) => (m as { id?: unknown }).id === 'b')).toBeLessThan(replay.out.indexOf(update));
    // Closed by the client, the stream delivers nothing more, and the listen is never "answered".
    replay.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: subscription } }));
    replay.send(request('b2', 'tools/call', recordedParams('tools/call', 'bump')));
    await replay.next((m) => m.id === 'b2');
    replay.child.stdin.end();
    await replay.exited;
    expect(replay.out.filter((m) => (m as { method?: string }).method === 'notifications/resources/updated')).toHaveLength(1);
    expect(replay.out.some((m) => (m as { id?: unknown }).id === subscription)).toBe(false);
  });
});

describe('replay of a 2025 tape to a dual-era client', () => {
  it('answers the server/discover probe as the 2025 server would, so the client falls back and is served; nothing missed', async () => {
    const everything = await recordEverything(store, 'legacy');
    await everything.client.listTools();
    await everything.client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    await everything.close();
    // The SDK v2 client probes with server/discover, then speaks 2025 to a server that does not know it.
    const { Client } = await import('@modelcontextprotocol/client');
    const { StdioClientTransport } = await import('@modelcontextprotocol/client/stdio');
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'replay', 'legacy', '--store', store, '--strict'], stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'dual-era', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(transport);
    expect(client.getNegotiatedProtocolVersion()).not.toBe('2026-07-28');
    await client.listTools();
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    expect(JSON.stringify(echo)).toContain('Echo: hello');
    await client.close();
    for (let i = 0; i < 100 && !/replay:/.test(stderr); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stderr).toMatch(/replay: \d+ matched, 0 missed/);

    // The SDK probes a stdio server on a sibling process; a client that probes in place sends
    // server/discover to the replay itself, and hears what a 2025 server says: no such method.
    const replay = rawProxy(['legacy', '--store', store, '--strict'], 'replay');
    replay.send(request('probe', 'server/discover', { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } }));
    expect(await replay.next((m) => m.id === 'probe')).toMatchObject({ error: { code: -32601 } });
    replay.child.stdin.end();
    // Not a miss: --strict finds nothing to complain of but the recorded requests this probe never made.
    await replay.exited;
    expect(replay.stderr()).toMatch(/replay: 0 matched, 0 missed/);
  }, 30_000);
});

describe('replay returns what was recorded, text for text', () => {
  it('keeps 42.0, -0, 1E+2 and an integer too big for a double as the server wrote them', async () => {
    // The TypeScript SDKs cannot write such numbers, so a fixture server writes the exact line (a
    // corner no SDK peer produces); the tape is still recorded through mcp-tap from a real process.
    const line = '{"jsonrpc":"2.0","id":7,"result":{"n":42.0,"neg":-0,"e":1E+2,"big":123456789012345678901234567890,"s":"a\\"b"}}';
    const recording = rawProxy(['-q', '--store', store, '--name', 'numbers', '--', process.execPath, join(ROOT, 'test', 'fixtures', 'line-server.mjs')]);
    recording.send(request(7, 'emit', { line }));
    await recording.next((m) => m.id === 7);
    const notice = '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":{"ratio":0.50,"count":10.0}}}';
    recording.send(request(8, 'emit', { line: notice }));
    await recording.next((m) => m.id === 8);
    recording.child.stdin.end();
    await recording.exited;

    const replay = rawProxy(['numbers', '--store', store], 'replay');
    replay.send(request('x', 'emit', { line }));
    await replay.next((m) => m.id === 'x');
    replay.send(request(8, 'emit', { line: notice }));
    await replay.next((m) => m.id === 8);
    replay.child.stdin.end();
    await replay.exited;
    expect(replay.lines).toContain(line.replace('"id":7', '"id":"x"'));
    expect(replay.lines).toContain(notice);
  });
});

describe('what the proxy answered itself when the tape was made', () => {
  it('replays as recorded: a mocked call gets the mock, with no rule running', async () => {
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - name: fake echo\n    match: "~t echo & ~k request"\n    action: mock\n    result: { content: [{ type: text, text: mocked echo }] }\n');
    const recording = await recordEverything(store, 'mocked', ['--rules', rules]);
    const recorded = await recording.client.callTool({ name: 'echo', arguments: { message: 'hello' } });
    await recording.close();
    expect(JSON.stringify(recorded)).toContain('mocked echo');
    const replay = await connectStdioClient(process.execPath, [CLI, 'replay', 'mocked', '--store', store]);
    expect(await replay.client.callTool({ name: 'echo', arguments: { message: 'hello' } })).toEqual(recorded);
    await replay.close();
  }, 30_000);
});
