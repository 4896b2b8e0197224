/**
 * OpenTelemetry: `tapes export --format otlp` and `record --otlp URL` on real sessions of both
 * eras, read by a receiver that decodes what it gets with the official OTLP protobuf types
 * (test/support/exports.ts). One span per exchange with the MCP semantic conventions; the server's
 * request made during a call and the second round of a multi round-trip call are children; a
 * request that carried `_meta.traceparent` continues the client's trace; redacted values stay
 * redacted.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { tempDir } from './support/paths.js';
import { readTape } from './support/record.js';
import { decodeOtlpJson, HOSTILE_TOOL, PARENT_SPAN_ID, recordLegacyTape, recordModernTape, SECRET, TRACE_ID, type DecodedSpan } from './support/exports.js';

let dir: string;
let store: string;
let receiver: Server;
let collectorUrl: string;
const received: { path: string; contentType: string; spans: DecodedSpan[]; resource: Record<string, unknown>; body: string }[] = [];

/** A collector's OTLP/HTTP traces endpoint: decodes each request, answers as a collector does. */
function startReceiver(): Promise<void> {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        received.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), body, ...decodeOtlpJson(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
  });
  return new Promise((resolve) =>
    receiver.listen(0, '127.0.0.1', () => {
      collectorUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/v1/traces`;
      resolve();
    }),
  );
}

async function exported(name: string): Promise<{ spans: DecodedSpan[]; resource: Record<string, unknown>; text: string }> {
  const file = join(dir, `${name}.otlp.json`);
  const result = await runCli(['tapes', 'export', name, '--store', store, '--format', 'otlp', '-o', file]);
  expect(result.code, result.stderr).toBe(0);
  const text = readFileSync(file, 'utf8');
  return { ...decodeOtlpJson(text), text };
}

const byName = (spans: DecodedSpan[], name: string) => spans.filter((s) => s.name === name);

/** What the live receiver has for a tape, once the proxy has exited (it flushes before it does). */
async function liveSpans(tape: string): Promise<DecodedSpan[]> {
  for (let i = 0; i < 100; i++) {
    const spans = received.filter((r) => r.resource['mcp_tap.tape'] === tape).flatMap((r) => r.spans);
    if (spans.length > 0) return spans;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return [];
}

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  await startReceiver();
  await recordLegacyTape(store, 'legacy', ['--otlp', collectorUrl]);
  await recordModernTape(store, 'modern', ['--otlp', collectorUrl]);
}, 90_000);

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** The properties both the file and the live spans of the 2025 tape must have. */
function expectLegacySpans(spans: DecodedSpan[], text: string): void {
  const { frames } = readTape(store, 'legacy');
  expect(spans).toHaveLength(frames.filter((f) => f.kind === 'request').length);
  expect(spans.every((s) => s.kind === 3)).toBe(true); // SPAN_KIND_CLIENT
  const echo = byName(spans, 'tools/call echo').find((s) => s.attributes['gen_ai.tool.call.arguments'] === '{"message":"hello"}')!;
  expect(echo.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'gen_ai.operation.name': 'execute_tool', 'network.transport': 'pipe', 'mcp.protocol.version': '2025-11-25' });
  expect(typeof echo.attributes['jsonrpc.request.id']).toBe('string');
  expect(echo.endMs - echo.startMs).toBeGreaterThan(0);
  // The server's sampling request, made during the call, is the call's child.
  const sampling = byName(spans, 'sampling/createMessage')[0]!;
  const trigger = byName(spans, 'tools/call trigger-sampling-request')[0]!;
  expect(sampling.parentSpanId).toBe(trigger.spanId);
  expect(sampling.traceId).toBe(trigger.traceId);
  // The client's own trace context continues.
  const traced = byName(spans, 'tools/call echo').find((s) => String(s.attributes['gen_ai.tool.call.arguments']).includes('traced'))!;
  expect(traced.traceId).toBe(TRACE_ID);
  expect(traced.parentSpanId).toBe(PARENT_SPAN_ID);
  // A tool that does not exist: a tool error, the span's status ERROR.
  const hostile = byName(spans, `tools/call ${HOSTILE_TOOL}`)[0]!;
  expect(hostile.attributes['error.type']).toBe('tool_error');
  expect(hostile.status.code).toBe(2);
  expect(text).not.toContain(SECRET);
  expect(byName(spans, 'tools/call echo').some((s) => String(s.attributes['gen_ai.tool.call.arguments']).includes('"apiKey":"[REDACTED]"'))).toBe(true);
}

function expectModernSpans(spans: DecodedSpan[]): void {
  const rounds = byName(spans, 'tools/call confirm');
  expect(rounds).toHaveLength(2);
  const [first, second] = rounds.sort((a, b) => a.startMs - b.startMs);
  expect(first!.attributes['mcp_tap.outcome']).toBe('input-required');
  expect(second!.parentSpanId).toBe(first!.spanId);
  expect(second!.attributes['mcp_tap.round']).toBe(2);
  const count = byName(spans, 'tools/call count')[0]!;
  expect(count.events.filter((e) => e.name === 'notifications/progress')).toHaveLength(3);
  const listen = byName(spans, 'subscriptions/listen')[0]!;
  expect(listen.attributes['mcp_tap.stream.delivered']).toBe(1);
  expect(listen.attributes['mcp.protocol.version']).toBe('2026-07-28');
  const missing = byName(spans, 'tools/call no-such-tool')[0]!;
  expect(missing.status.code).toBe(2);
  expect(missing.attributes).toMatchObject({ 'network.transport': 'tcp', 'network.protocol.name': 'http', 'server.address': '127.0.0.1' });
}

describe('tapes export --format otlp', () => {
  it('writes a 2025 tape as an OTLP/JSON request the official types decode: one span per exchange, the MCP conventions, children and trace context', async () => {
    const { spans, resource, text } = await exported('legacy');
    expect(resource).toMatchObject({ 'service.name': 'mcp-tap', 'mcp_tap.tape': 'legacy' });
    expectLegacySpans(spans, text);
    // A tape's spans name their frames, and start where the tape says the request was sent.
    const { tape, frames } = readTape(store, 'legacy');
    const first = frames.find((f) => f.kind === 'request')!;
    const span = spans.find((s) => s.attributes['mcp_tap.seq'] === first.seq)!;
    expect(span.startMs).toBeCloseTo(Date.parse(tape.createdAt) + first.tMs, 0);
  });

  it('writes a 2026-07-28 tape: the retry of the multi round-trip call under its first round, progress as events, the listen stream', async () => {
    expectModernSpans((await exported('modern')).spans);
  });
});

describe('record --otlp', () => {
  it('posted OTLP/JSON to the collector while recording a 2025 session on stdio, with the same spans as the tape gives', async () => {
    const spans = await liveSpans('legacy');
    const batches = received.filter((r) => r.resource['mcp_tap.tape'] === 'legacy');
    expect(batches.every((b) => b.path === '/v1/traces' && b.contentType.startsWith('application/json'))).toBe(true);
    expectLegacySpans(spans, batches.map((b) => b.body).join('\n'));
  });

  it('posted the spans of a 2026-07-28 session over Streamable HTTP', async () => {
    expectModernSpans(await liveSpans('modern'));
  });

  it('refuses a collector URL that is not one, before anything starts', async () => {
    const result = await runCli(['record', '--store', store, '--otlp', 'localhost:4318', '--', process.execPath, '-e', '']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--otlp takes the collector's OTLP\/HTTP URL/);
  });

  it('keeps proxying and recording when the collector is down', async () => {
    const down = 'http://127.0.0.1:9/v1/traces';
    const { legacyClient } = await import('./support/exports.js');
    const { CLI, EVERYTHING } = await import('./support/paths.js');
    const client = await legacyClient(process.execPath, [CLI, 'record', '--store', store, '--name', 'no-collector', '--otlp', down, '--', process.execPath, EVERYTHING, 'stdio']);
    try {
      const result = await client.callTool({ name: 'echo', arguments: { message: 'still here' } });
      expect(result.content).toEqual([{ type: 'text', text: 'Echo: still here' }]);
    } finally {
      await client.close();
    }
    expect(readTape(store, 'no-collector').frames.some((f) => f.message.includes('still here'))).toBe(true);
  });
});
