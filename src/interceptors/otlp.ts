/**
 * `record --otlp URL`: every exchange as an OpenTelemetry span, sent live to a collector over
 * OTLP/HTTP (JSON), as it completes. It observes; it never decides. The message path pays only
 * for an array push: frames are redacted (with the tape's rules, so a span never shows what the
 * tape hides), grouped into exchanges (a bounded log) and turned into spans on a short timer, and
 * the SDK's batch span processor exports them in the background. A collector that is down costs
 * one warning; the proxy carries on.
 */
import type { FrameEvent } from '../core/context.js';
import type { Interceptor } from '../core/chain.js';
import type { ExchangeFrame } from '../core/exchange.js';
import { isObject } from '../core/jsonrpc.js';
import type { Logger } from '../core/log.js';
import { inert } from '../core/log.js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, type ReadableSpan, type SpanExporter, type TracerProvider } from '@opentelemetry/sdk-trace';
import { ExchangeSpans, tapResource, tapTracerProvider, type ConversationInfo } from '../tape/otlp.js';
import type { Redactor } from '../tape/redact.js';

export interface OtlpOptions {
  /** The collector's traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. */
  url: string;
  headers?: Record<string, string>;
  redactor: Redactor;
  version: string;
  logger: Logger;
  /** Resource attributes naming what is proxied (the tape, the upstream). */
  resource?: Record<string, string>;
  upstreamUrl?: string;
  /** Exchanges the log keeps (older ones fall off; their spans have been sent). Default 10,000. */
  capacity?: number;
  /** How long frames wait before they are turned into spans. Default 50 ms. */
  drainIntervalMs?: number;
  /** The batch processor's delay between exports. Default 1,000 ms. */
  exportIntervalMs?: number;
  /** How long closing waits for the last export. Default 2,000 ms. */
  closeTimeoutMs?: number;
}

/** Reports the first failed export (and the recovery after it) instead of staying silent. */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS && !this.failing) {
        this.failing = true;
        this.logger.warn(`could not send spans to ${this.url}: ${inert(result.error?.message ?? 'export failed')} (the proxy carries on; spans are dropped until the collector answers)`);
      } else if (result.code === ExportResultCode.SUCCESS && this.failing) {
        this.failing = false;
        this.logger.info(`sending spans to ${this.url} again`);
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

export class OtlpInterceptor implements Interceptor {
  readonly name = 'otlp';
  private queue: FrameEvent[] = [];
  private timer?: NodeJS.Timeout;
  private seq = 0;
  private readonly provider: TracerProvider;
  private readonly spans: ExchangeSpans;
  private readonly conversations = new Map<string, ConversationInfo>();
  private readonly capacity: number;
  private closed = false;

  constructor(private readonly options: OtlpOptions) {
    this.capacity = options.capacity ?? 10_000;
    const exporter = new ReportingExporter(new OTLPTraceExporter({ url: options.url, headers: options.headers }), options.url, options.logger);
    this.provider = tapTracerProvider(tapResource(options.version, options.resource ?? {}), new BatchSpanProcessor({ exporter, scheduledDelayMillis: options.exportIntervalMs ?? 1000 }));
    this.spans = new ExchangeSpans(this.provider.getTracer('mcp-tap', options.version), {
      epochMs: (time) => time,
      upstreamUrl: options.upstreamUrl,
      conversation: (conversation) => this.conversations.get(conversation),
      capacity: this.capacity,
    });
  }

  observe(event: FrameEvent): void {
    if (this.closed) return;
    this.queue.push(event);
    this.timer ??= setTimeout(() => this.drain(), this.options.drainIntervalMs ?? 50);
  }

  /** Turns what is queued into exchanges and spans (off the message path). */
  drain(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.queue;
    this.queue = [];
    for (const event of events) {
      try {
        this.spans.add(this.frameOf(event));
      } catch (error) {
        this.options.logger.debug(`otlp: a frame could not become a span: ${(error as Error).message}`);
      }
    }
  }

  private frameOf(event: FrameEvent): ExchangeFrame {
    const { summary } = event;
    this.noteConversation(event);
    let message: unknown;
    try {
      message = this.options.redactor.redact(event.message, event.text).value;
    } catch {
      // Nothing is shown that could not be redacted.
      message = undefined;
    }
    const frame: ExchangeFrame = {
      seq: ++this.seq,
      conversation: event.sessionId,
      direction: event.direction,
      kind: summary.kind,
      time: performance.timeOrigin + event.at,
      action: event.action,
      flags: event.flags,
      message,
      bytes: Buffer.byteLength(event.text),
    };
    const method = summary.method ?? event.requestMethod;
    if (method !== undefined) frame.method = method;
    if (summary.hasId) frame.id = summary.id ?? null;
    if (event.latencyMs !== undefined) frame.latencyMs = event.latencyMs;
    if (event.note !== undefined) frame.note = event.note;
    return frame;
  }

  /** What a span says about its conversation: the session, its transport, the version initialize agreed. */
  private noteConversation(event: FrameEvent): void {
    let info = this.conversations.get(event.sessionId);
    if (!info) {
      info = { key: event.sessionId, transport: event.transport };
      this.conversations.set(event.sessionId, info);
      if (this.conversations.size > this.capacity) this.conversations.delete(this.conversations.keys().next().value!);
    }
    if (event.requestMethod === 'initialize' && event.direction === 's2c' && isObject(event.message) && isObject(event.message.result) && typeof event.message.result.protocolVersion === 'string') {
      info.protocolVersion = event.message.result.protocolVersion;
    }
  }

  /** Ends what is still open and sends everything before the proxy exits. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.drain();
    this.closed = true;
    this.spans.finish();
    // A collector that does not answer must not hold the proxy's exit for long.
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.closeTimeoutMs ?? 2000)));
    try {
      await Promise.race([this.provider.forceFlush().then(() => this.provider.shutdown()), giveUp]);
    } catch (error) {
      this.options.logger.warn(`could not send the last spans to ${this.options.url}: ${inert((error as Error).message)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
