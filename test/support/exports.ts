/**
 * Real recordings for the export, check and baseline tests, and the real consumers they go to.
 *
 * - a 2025 tape: the SDK v1 client against server-everything through `mcp-tap record` (stdio),
 *   with a server-to-client sampling request made during a call, a secret in an argument, a call
 *   to a tool with a hostile name, a result carrying `</script>`, and W3C trace context in `_meta`;
 * - a 2026-07-28 tape: the SDK v2 peers over Streamable HTTP through `mcp-tap record --url
 *   --listen` (a multi round-trip call, a listen stream, progress, a log message).
 *
 * Chromium is Debian's, driven by playwright-core; the OTLP decoder is the official generated
 * protobuf types of @opentelemetry/otlp-transformer (installed as `otlp-proto`).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { BrowserContext } from 'playwright-core';
import { runScenario, type ScenarioView } from '../peers/ts-client.mjs';
import { startRecordingProxy, startTsServer } from './eras.js';
import { CLI, EVERYTHING } from './paths.js';

export const SECRET = 'sk-live-4f9a1c2e7b';
export const HOSTILE_TOOL = '<img src=x onerror=alert(1)>';
export const HOSTILE_TEXT = '</script><script>window.__pwned = 1</script><b>bold?</b>';
export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const PARENT_SPAN_ID = '00f067aa0ba902b7';

/** Connects the SDK v1 client (roots and sampling offered) to a stdio command. */
export async function legacyClient(command: string, args: string[]): Promise<Client> {
  const client = new Client({ name: 'exports-client', version: '1.0.0' }, { capabilities: { roots: {}, sampling: {} } });
  client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: [{ uri: 'file:///tmp', name: 'tmp' }] }));
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'test-model' }));
  await client.connect(new StdioClientTransport({ command, args, stderr: 'ignore' }));
  return client;
}

/** The 2025 scenario, against whatever `client` is connected to. */
export async function legacyScenario(client: Client): Promise<void> {
  await client.listTools();
  await client.callTool({ name: 'echo', arguments: { message: 'hello' } });
  await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
  await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'say hi', maxTokens: 5 } });
  await client.callTool({ name: 'echo', arguments: { message: 'with a key', apiKey: SECRET } });
  await client.callTool({ name: HOSTILE_TOOL, arguments: {} });
  await client.callTool({ name: 'echo', arguments: { message: HOSTILE_TEXT } });
  await client.callTool({ name: 'echo', arguments: { message: 'traced' }, _meta: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` } });
}

/** `mcp-tap record` in front of server-everything on stdio, the 2025 scenario through it. */
export async function recordLegacyTape(store: string, name: string, extra: string[] = []): Promise<void> {
  const client = await legacyClient(process.execPath, [CLI, 'record', '-q', '--store', store, '--name', name, ...extra, '--', process.execPath, EVERYTHING, 'stdio']);
  try {
    await legacyScenario(client);
  } finally {
    await client.close();
  }
}

/** `mcp-tap record --url --listen` in front of the SDK v2 server, the 2026-07-28 client scenario through it. */
export async function recordModernTape(store: string, name: string, extra: string[] = []): Promise<ScenarioView> {
  const server = await startTsServer();
  try {
    const proxy = await startRecordingProxy(store, name, server.url, extra);
    try {
      return await runScenario({ negotiation: 'pin', url: proxy.url });
    } finally {
      await proxy.stop();
    }
  } finally {
    await server.stop();
  }
}

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `not run: this test needs Debian's chromium at ${CHROMIUM} (apt-get install chromium), which is not installed here`;
}

/** Debian's chromium, headless, with a fresh profile; never a downloaded browser. */
export async function launchChromium(): Promise<BrowserContext> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'mcp-tap-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface DecodedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: number; message: string };
}

interface ProtoKeyValue {
  key: string;
  value?: { stringValue?: string; intValue?: unknown; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: ProtoKeyValue['value'][] } };
}

const hexToBytes = (hex: unknown) => (typeof hex === 'string' && hex.length > 0 ? Buffer.from(hex, 'hex') : undefined);
const bytesToHex = (bytes: unknown) => (bytes instanceof Uint8Array && bytes.length > 0 ? Buffer.from(bytes).toString('hex') : '');

/** A protobuf 64-bit integer as a number, whichever form protobufjs gives it (number, Long, or low/high bits). */
function int64(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'low' in value && 'high' in value) {
    const { low, high } = value as { low: number; high: number };
    return high * 2 ** 32 + (low >>> 0);
  }
  return Number(String(value ?? 0));
}

/** An AnyValue's value: the member of its oneof that is set (the generated types leave the others null). */
function valueOf(value: ProtoKeyValue['value']): unknown {
  if (!value) return undefined;
  if (value.stringValue != null) return value.stringValue;
  if (value.boolValue != null) return value.boolValue;
  if (value.intValue != null) return int64(value.intValue);
  if (value.doubleValue != null) return value.doubleValue;
  if (value.arrayValue != null) return (value.arrayValue.values ?? []).map(valueOf);
  return undefined;
}

const attributesOf = (list: ProtoKeyValue[] | undefined) => Object.fromEntries((list ?? []).map((kv) => [kv.key, valueOf(kv.value)]));

/**
 * Decodes an OTLP/JSON ExportTraceServiceRequest with the official protobuf message types: the
 * ids (hex in OTLP/JSON) become bytes, the message is built and verified by the generated code,
 * encoded to protobuf and decoded again, and the spans are read from what came back.
 */
export function decodeOtlpJson(body: string): { resource: Record<string, unknown>; spans: DecodedSpan[] } {
  const require = createRequire(import.meta.url);
  const root = require('otlp-proto/build/src/generated/root') as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: ProtoType } } } } } };
  const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const json = JSON.parse(body) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  for (const rs of json.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) {
    span.traceId = hexToBytes(span.traceId);
    span.spanId = hexToBytes(span.spanId);
    span.parentSpanId = hexToBytes(span.parentSpanId);
  }
  const problem = Request.verify(Request.fromObject(json));
  if (problem) throw new Error(`not a valid ExportTraceServiceRequest: ${problem}`);
  const decoded = Request.decode(Request.encode(Request.fromObject(json)).finish()) as unknown as {
    resourceSpans: { resource?: { attributes?: ProtoKeyValue[] }; scopeSpans: { spans: Record<string, unknown>[] }[] }[];
  };
  const spans: DecodedSpan[] = [];
  let resource: Record<string, unknown> = {};
  for (const rs of decoded.resourceSpans) {
    resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans) {
      for (const s of ss.spans) {
        const nanos = (v: unknown) => int64(v) / 1e6;
        spans.push({
          traceId: bytesToHex(s.traceId),
          spanId: bytesToHex(s.spanId),
          parentSpanId: bytesToHex(s.parentSpanId),
          name: String(s.name),
          kind: Number(s.kind),
          startMs: nanos(s.startTimeUnixNano),
          endMs: nanos(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes as ProtoKeyValue[]),
          events: ((s.events as { name: string; attributes?: ProtoKeyValue[] }[] | undefined) ?? []).map((e) => ({ name: e.name, attributes: attributesOf(e.attributes) })),
          status: { code: Number((s.status as { code?: number } | undefined)?.code ?? 0), message: String((s.status as { message?: string } | undefined)?.message ?? '') },
        });
      }
    }
  }
  return { resource, spans };
}

interface ProtoType {
  fromObject(value: unknown): unknown;
  verify(value: unknown): string | null;
  encode(value: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): unknown;
}
