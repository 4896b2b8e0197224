/**
 * Exchanges as OpenTelemetry spans, with the official SDK: one span per exchange (a request and
 * its answer), named and attributed by the MCP semantic conventions (now in the OpenTelemetry
 * GenAI conventions: `mcp.method.name`, `gen_ai.tool.name`, `jsonrpc.request.id`,
 * `rpc.response.status_code`, `error.type`, `mcp.session.id`, ...). A server's request made during
 * a call (2025) and every round after the first of a multi round-trip call (2026) are children of
 * that call's span; a request that carries W3C trace context in `_meta.traceparent` (SEP-414)
 * is parented on it. Notifications that belong to an exchange are events of its span.
 *
 * One path for both uses: frames go in one at a time, in wire order, through the exchange model
 * (src/core/exchange.ts); a span starts with its request and ends with its answer. `tapes export
 * --format otlp` feeds a tape's frames and serialises what ended as OTLP/JSON; `record --otlp`
 * feeds live frames and hands each ended span to the SDK's batch processor and OTLP/HTTP
 * exporter. Messages are the tape's (or, live, redacted as the tape would have them).
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ATTR_ERROR_TYPE, ATTR_NETWORK_PROTOCOL_NAME, ATTR_NETWORK_TRANSPORT, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import { answerReceived, ExchangeLog, undelivered, type Exchange, type ExchangeFrame } from '../core/exchange.js';
import { envelopeOf, metaOf } from '../core/era.js';
import { describeId, isObject } from '../core/jsonrpc.js';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { exchangeFrameOf } from './exchanges.js';
import type { TapeFrame, TapeInfo, TapeSession } from './types.js';

/**
 * Attribute names of the MCP semantic conventions. The npm package marks its copies deprecated
 * only because they moved to the GenAI conventions, where they are defined now; the names stand.
 */
export const MCP_ATTR = {
  methodName: 'mcp.method.name',
  sessionId: 'mcp.session.id',
  protocolVersion: 'mcp.protocol.version',
  resourceUri: 'mcp.resource.uri',
  toolName: 'gen_ai.tool.name',
  promptName: 'gen_ai.prompt.name',
  operationName: 'gen_ai.operation.name',
  toolArguments: 'gen_ai.tool.call.arguments',
  toolResult: 'gen_ai.tool.call.result',
  requestId: 'jsonrpc.request.id',
  statusCode: 'rpc.response.status_code',
} as const;

/** mcp-tap's own attributes, in a namespace of its own. */
export const TAP_ATTR = {
  seq: 'mcp_tap.seq',
  direction: 'mcp_tap.direction',
  outcome: 'mcp_tap.outcome',
  round: 'mcp_tap.round',
  marks: 'mcp_tap.marks',
  conversation: 'mcp_tap.conversation',
  message: 'mcp_tap.message',
  delivered: 'mcp_tap.stream.delivered',
} as const;

/** What a span says about the conversation an exchange belongs to. */
export interface ConversationInfo {
  /** The session's key and client transport (`streamable-http`, `stdio`, ...). */
  key?: string;
  transport?: string;
  protocolVersion?: string;
}

export interface SpanSourceOptions {
  /** A frame's `time` as milliseconds since the epoch. */
  epochMs: (time: number) => number;
  /** The recorded (or proxied) server: its URL, when reached over the network. */
  upstreamUrl?: string;
  conversation?: (conversation: string) => ConversationInfo | undefined;
  /** Span contexts kept for parenting after their span ended (live: bounded). Default: all. */
  capacity?: number;
  /** Attach `mcp_tap.seq` (a tape's frame numbers; live frames have none that last). */
  withSeq?: boolean;
}

const traceContext = new W3CTraceContextPropagator();
const metaGetter = {
  get: (carrier: Record<string, unknown>, key: string) => (typeof carrier[key] === 'string' ? (carrier[key] as string) : undefined),
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
};

const TERMINAL = new Set(['ok', 'tool-error', 'error', 'blocked', 'mocked', 'dropped', 'cancelled', 'input-required', 'closed', 'unanswered']);

/** Feeds frames to the exchange model and turns each exchange into a span on `tracer`. */
export class ExchangeSpans {
  private readonly log: ExchangeLog;
  private readonly open = new Map<string, Span>();
  /** Ended spans' contexts, for children that come later (MRTR rounds); oldest dropped first. */
  private readonly ended = new Map<string, SpanContext>();
  private lastTime = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly options: SpanSourceOptions,
  ) {
    this.log = new ExchangeLog({ capacity: options.capacity });
  }

  add(frame: ExchangeFrame): void {
    this.lastTime = Math.max(this.lastTime, frame.time);
    const update = this.log.add(frame);
    if (update.item.type !== 'exchange') return;
    const exchange = update.item.exchange;
    if (update.created) return this.start(exchange);
    const span = this.open.get(exchange.key);
    if (!span) return;
    // An answer the proxy stopped or replaced comes first, then what the requester got instead.
    if (exchange.delivered === frame) return this.end(exchange, span, frame.time);
    if (exchange.answer === frame) {
      // Held at a breakpoint on its way back: the exchange ends when the hold does.
      if (exchange.held) return;
      if (!undelivered(frame)) return this.end(exchange, span, frame.time);
      span.addEvent('answer stopped by mcp-tap', { [TAP_ATTR.message]: text(frame.message) }, this.options.epochMs(frame.time));
      return;
    }
    if (exchange.notifications.at(-1) === frame) {
      span.addEvent(frame.method ?? 'notification', { [MCP_ATTR.methodName]: frame.method ?? '', [TAP_ATTR.message]: text(frame.message) }, this.options.epochMs(frame.time));
      // A cancellation ends the exchange (a listen stream closed, a request given up).
      if (TERMINAL.has(exchange.outcome)) this.end(exchange, span, frame.time);
    }
  }

  /** The source ended: what is still open never got its answer; it ends where the source did. */
  finish(): void {
    this.log.finish();
    for (const key of [...this.open.keys()]) {
      const exchange = this.log.get(key);
      const span = this.open.get(key)!;
      if (exchange) this.end(exchange, span, this.lastTime);
      else span.end(this.options.epochMs(this.lastTime));
    }
    this.open.clear();
  }

  private start(exchange: Exchange): void {
    const request = exchange.request;
    const span = this.tracer.startSpan(spanName(exchange), { kind: SpanKind.CLIENT, startTime: this.options.epochMs(request.time), attributes: this.requestAttributes(exchange) }, this.parentOf(exchange));
    this.open.set(exchange.key, span);
  }

  /** The parent: the call a server request was made during, a multi round-trip call's first round, else the client's own trace context. */
  private parentOf(exchange: Exchange): Context {
    const parentKey = exchange.parent ?? (exchange.call && exchange.call.round > 1 ? exchange.call.callKey : undefined);
    if (parentKey !== undefined) {
      const parent = this.open.get(parentKey)?.spanContext() ?? this.ended.get(parentKey);
      if (parent) return trace.setSpanContext(ROOT_CONTEXT, parent);
    }
    const meta = metaOf(exchange.request.message);
    if (meta && typeof meta.traceparent === 'string') {
      const extracted = traceContext.extract(ROOT_CONTEXT, meta, metaGetter);
      if (trace.getSpanContext(extracted)) return extracted;
    }
    return ROOT_CONTEXT;
  }

  private requestAttributes(exchange: Exchange): Attributes {
    const attributes: Attributes = { [MCP_ATTR.methodName]: exchange.method, [TAP_ATTR.direction]: exchange.direction, [TAP_ATTR.conversation]: exchange.conversation };
    if (this.options.withSeq) attributes[TAP_ATTR.seq] = exchange.request.seq;
    if (exchange.id !== null) attributes[MCP_ATTR.requestId] = describeId(exchange.id).replace(/^"|"$/g, '');
    const params = isObject(exchange.request.message) && isObject(exchange.request.message.params) ? exchange.request.message.params : undefined;
    if (exchange.method === 'tools/call' && exchange.name !== undefined) {
      attributes[MCP_ATTR.toolName] = exchange.name;
      attributes[MCP_ATTR.operationName] = 'execute_tool';
      if (params?.arguments !== undefined) attributes[MCP_ATTR.toolArguments] = JSON.stringify(params.arguments);
    } else if (exchange.method === 'prompts/get' && exchange.name !== undefined) {
      attributes[MCP_ATTR.promptName] = exchange.name;
    } else if (exchange.name !== undefined && exchange.method.startsWith('resources/')) {
      attributes[MCP_ATTR.resourceUri] = exchange.name;
    }
    if (exchange.call) attributes[TAP_ATTR.round] = exchange.call.round;
    const conversation = this.options.conversation?.(exchange.conversation);
    const version = envelopeOf(exchange.request.message)?.protocolVersion ?? (exchange.method === 'initialize' && typeof params?.protocolVersion === 'string' ? params.protocolVersion : conversation?.protocolVersion);
    if (version) attributes[MCP_ATTR.protocolVersion] = version;
    // An MCP session is what a 2025 Streamable HTTP client was given (Mcp-Session-Id); 2026-07-28 has none.
    if (conversation?.key && conversation.transport === 'streamable-http' && exchange.era !== 'modern') attributes[MCP_ATTR.sessionId] = conversation.key;
    Object.assign(attributes, this.networkAttributes());
    return attributes;
  }

  private networkAttributes(): Attributes {
    const url = this.options.upstreamUrl;
    if (!url) return { [ATTR_NETWORK_TRANSPORT]: 'pipe' };
    try {
      const parsed = new URL(url);
      const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' || parsed.protocol === 'wss:' ? 443 : 80;
      return { [ATTR_NETWORK_TRANSPORT]: 'tcp', [ATTR_NETWORK_PROTOCOL_NAME]: parsed.protocol.startsWith('ws') ? 'websocket' : 'http', [ATTR_SERVER_ADDRESS]: parsed.hostname, [ATTR_SERVER_PORT]: port };
    } catch {
      return { [ATTR_NETWORK_TRANSPORT]: 'tcp' };
    }
  }

  private end(exchange: Exchange, span: Span, time: number): void {
    this.open.delete(exchange.key);
    span.setAttribute(TAP_ATTR.outcome, exchange.outcome);
    if (exchange.marks.length > 0) span.setAttribute(TAP_ATTR.marks, exchange.marks);
    if (exchange.stream) span.setAttribute(TAP_ATTR.delivered, exchange.stream.delivered);
    const answer = answerReceived(exchange)?.message;
    if (exchange.error) {
      span.setAttribute(MCP_ATTR.statusCode, String(exchange.error.code));
      span.setAttribute(ATTR_ERROR_TYPE, String(exchange.error.code));
      span.setStatus({ code: SpanStatusCode.ERROR, message: exchange.error.message });
    } else if (exchange.outcome === 'tool-error') {
      span.setAttribute(ATTR_ERROR_TYPE, 'tool_error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the tool reported an error (isError)' });
    } else if (exchange.outcome === 'unanswered') {
      span.setAttribute(ATTR_ERROR_TYPE, 'unanswered');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'no answer was recorded' });
    }
    if (exchange.method === 'tools/call' && isObject(answer) && answer.result !== undefined) span.setAttribute(MCP_ATTR.toolResult, JSON.stringify(answer.result));
    span.end(this.options.epochMs(Math.max(time, exchange.request.time)));
    this.ended.set(exchange.key, span.spanContext());
    const capacity = this.options.capacity;
    if (capacity !== undefined && this.ended.size > capacity) this.ended.delete(this.ended.keys().next().value!);
  }
}

/** `{mcp.method.name} {target}`, the target being the tool or prompt (never a resource URI: too many distinct names). */
export function spanName(exchange: Pick<Exchange, 'method' | 'name'>): string {
  return (exchange.method === 'tools/call' || exchange.method === 'prompts/get') && exchange.name !== undefined ? `${exchange.method} ${exchange.name}` : exchange.method;
}

function text(message: unknown): string {
  return message === undefined ? '' : JSON.stringify(message);
}

/** Span attributes may hold whole messages: long ones are cut here, as the SDK's limits do. */
export const SPAN_LIMITS = { attributeValueLengthLimit: 16 * 1024, eventCountLimit: 1024 };

/** The resource every span of mcp-tap's comes from: the service is mcp-tap, the tape (or proxy) named. */
export function tapResource(version: string, attributes: Record<string, string>): Resource {
  return resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'mcp-tap', [ATTR_SERVICE_VERSION]: version, ...attributes });
}

/** A tracer provider on `processor` with mcp-tap's limits. */
export function tapTracerProvider(resource: Resource, processor: SpanProcessor): TracerProvider {
  return new TracerProvider({ resource, spanProcessors: [processor], spanLimits: SPAN_LIMITS });
}

/** A whole tape as an OTLP/JSON `ExportTraceServiceRequest` (what an OTLP/HTTP JSON exporter posts), as text. */
export async function tapeToOtlpJson(tape: TapeInfo, sessions: TapeSession[], frames: TapeFrame[], version: string): Promise<string> {
  const exporter = new InMemorySpanExporter();
  const provider = tapTracerProvider(tapResource(version, { 'mcp_tap.tape': tape.name, 'mcp_tap.upstream': tape.upstream?.url ?? tape.upstream?.command?.join(' ') ?? '' }), new SimpleSpanProcessor({ exporter }));
  const byId = new Map(sessions.map((session) => [String(session.id), session]));
  const start = Date.parse(tape.createdAt);
  const spans = new ExchangeSpans(provider.getTracer('mcp-tap', version), {
    epochMs: (tMs) => start + tMs,
    upstreamUrl: tape.upstream?.url,
    conversation: (conversation) => byId.get(conversation),
    withSeq: true,
  });
  for (const frame of frames) spans.add(exchangeFrameOf(frame));
  spans.finish();
  await provider.forceFlush();
  const body = JsonTraceSerializer.serializeRequest(exporter.getFinishedSpans());
  await provider.shutdown();
  return `${JSON.stringify(JSON.parse(new TextDecoder().decode(body)), null, 2)}\n`;
}
