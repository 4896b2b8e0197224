/**
 * The one path every message takes, both directions: session lookup, interceptor chain,
 * forwarding (or the chain's answer), session update, and a FrameEvent for observers.
 * It knows nothing of how bytes move: a Link pairs a client-side and a server-side Transport.
 */
import { actionLabel, type Verdict } from './actions.js';
import type { InterceptorChain } from './chain.js';
import type { InterceptContext, PendingRequest, TransportKind } from './context.js';
import {
  describeId,
  describeParseError,
  ErrorCode,
  errorResponse,
  idKey,
  isObject,
  responseFor,
  summarize,
  summarizeEnds,
  toolNameOf,
  type Direction,
  type JsonObject,
  type JsonRpcId,
  type JsonValue,
  type MessageSummary,
} from './jsonrpc.js';
import type { Logger } from './log.js';
import { frameEventFor } from './frame-event.js';
import { scanEnvelope, type Envelope } from './envelope.js';
import { ForwardedRequest, MessageContext, progressTokenOf, ReportedFrame, type MessageSource } from './lazy-message.js';
import { silentLogger } from './log.js';
import { errorCodeForEra, requestEra, resultForEra, type Era } from './era.js';
import type { SessionManager } from '../session/manager.js';
import type { Session } from '../session/session.js';
import type { CloseInfo, ReceiveMeta, Transport } from './transport.js';

/** One client connected through the proxy to one server. */
export interface Link {
  readonly session: Session;
  readonly downstream: Transport;
  readonly upstream: Transport;
  /** Requests forwarded in each direction and not yet answered, by id. */
  readonly pending: Record<Direction, Map<string, PendingRequest>>;
  /** Client progress tokens -> the id of the request that carries them. */
  readonly progress: Map<string, JsonRpcId>;
  closed: boolean;
  /** Why the server side is gone, once it is: later requests are answered with that. */
  upstreamGone?: string;
  /** Ids (idKey) of requests the proxy sent for a console (`send`): their answers go to no client. */
  readonly resent: Set<string>;
}

export interface PipelineOptions {
  sessions: SessionManager;
  chain: InterceptorChain;
  logger?: Logger;
}

export interface LinkEvents {
  /** The server side closed; every request still owed an answer has been answered with an error. */
  upstreamClosed?: (info: CloseInfo) => void;
  downstreamClosed?: (info: CloseInfo) => void;
}

const opposite = (direction: Direction): Direction => (direction === 'c2s' ? 's2c' : 'c2s');

export class Pipeline {
  readonly sessions: SessionManager;
  readonly chain: InterceptorChain;
  private readonly logger: Logger;
  /** Messages whose verdict is still being decided (paused or delayed), so shutdown can wait. */
  private inFlight = 0;
  /** Live links by session id, so a console can send a request on one. */
  private readonly links = new Map<string, Link>();
  private sent = 0;

  constructor(options: PipelineOptions) {
    this.sessions = options.sessions;
    this.chain = options.chain;
    this.logger = options.logger ?? silentLogger;
  }

  /** Wires two transports together through this pipeline. */
  connect(session: Session, downstream: Transport, upstream: Transport, events: LinkEvents = {}): Link {
    const link: Link = { session, downstream, upstream, pending: { c2s: new Map(), s2c: new Map() }, progress: new Map(), closed: false, resent: new Set() };
    this.links.set(session.id, link);
    const unlist = () => {
      if (this.links.get(session.id) === link) this.links.delete(session.id);
    };
    downstream.onmessage = (text, meta) => this.handle(link, 'c2s', text, meta);
    upstream.onmessage = (text, meta) => this.handle(link, 's2c', text, meta);
    upstream.ondeliveryfailed = (text, reason) => this.undelivered(link, 'c2s', text, reason);
    upstream.onunanswered = (text, reason) => this.undelivered(link, 'c2s', text, reason, true);
    downstream.ondeliveryfailed = (text, reason) => this.undelivered(link, 's2c', text, reason);
    downstream.onoversized = (bytes, limit, ends) => this.oversized(link, 'c2s', bytes, limit, ends);
    upstream.onoversized = (bytes, limit, ends) => this.oversized(link, 's2c', bytes, limit, ends);
    downstream.onerror = (error) => this.logger.debug(`client transport: ${error.message}`);
    upstream.onerror = (error) => this.logger.debug(`server transport: ${error.message}`);
    upstream.onclose = (info) => {
      unlist();
      link.upstreamGone = info.reason;
      this.failPending(link, info);
      events.upstreamClosed?.(info);
    };
    downstream.onclose = (info) => {
      unlist();
      link.closed = true;
      events.downstreamClosed?.(info);
    };
    return link;
  }

  get busy(): number {
    return this.inFlight;
  }

  /**
   * Sends a request to the server of a session as if its client had: a console re-sending a
   * recorded request, or one a person wrote. It gets a fresh id, runs through the chain like any
   * client message (rules, breakpoints, the tape, flagged `resent`), and its answer is reported
   * but not delivered to the client, which never asked for it. A progress token is taken out, so
   * no progress reaches the client either. Returns the id it went under.
   */
  send(sessionId: string, message: unknown): JsonRpcId {
    const link = this.links.get(sessionId);
    if (!link || link.closed) throw new Error(`there is no open conversation ${JSON.stringify(sessionId)} (it ended, or never was)`);
    if (link.upstreamGone !== undefined) throw new Error(`the server of ${sessionId} is gone (${link.upstreamGone})`);
    if (summarize(message).kind !== 'request' || !isObject(message)) throw new Error('only a request can be sent: a JSON-RPC message with "method" and "id"');
    const id = `mcp-tap-${++this.sent}`;
    const request: JsonObject = { ...message, id };
    if (isObject(message.params) && isObject(message.params._meta) && 'progressToken' in message.params._meta) {
      const { progressToken: _dropped, ...meta } = message.params._meta;
      request.params = { ...message.params, _meta: meta };
    }
    link.resent.add(idKey(id));
    this.handle(link, 'c2s', JSON.stringify(request));
    return id;
  }

  /** Runs one message through the chain and acts on the verdict. */
  handle(link: Link, direction: Direction, raw: string, meta?: ReceiveMeta): void {
    const receivedAt = performance.now();
    let message: unknown = meta?.parsed;
    let parseError: string | undefined;
    let envelope: Envelope | undefined;
    if (message === undefined) {
      // The envelope tells what the message is; it is parsed now only when something that decides
      // will look at it (rules, armed breakpoints), and otherwise only if something reads it.
      envelope = scanEnvelope(raw);
      if (envelope !== undefined && this.chain.needsMessage(direction, envelope.summary)) envelope = undefined;
      if (envelope === undefined) {
        try {
          message = JSON.parse(raw);
        } catch (error) {
          parseError = describeParseError(error);
        }
      } else {
        message = MessageContext.UNREAD;
      }
    }
    const summary: MessageSummary = envelope !== undefined ? envelope.summary : parseError === undefined ? summarize(message) : { kind: 'invalid', hasId: false };
    let request: PendingRequest | undefined;
    const flags: string[] = [];
    if (summary.kind === 'response' || summary.kind === 'error') {
      request = this.settle(link, opposite(direction), summary.id);
      if (request && direction === 's2c' && link.resent.size > 0 && link.resent.has(idKey(summary.id))) flags.push('resent');
    } else if (summary.kind === 'batch' && Array.isArray(message)) {
      // A batch of answers settles its requests item by item (JSON-RPC batches, MCP before 2025-06-18).
      for (const item of message) {
        const s = summarize(item);
        if (s.kind === 'response' || s.kind === 'error') this.settle(link, opposite(direction), s.id);
      }
    } else if (summary.kind === 'request' && direction === 'c2s' && link.resent.size > 0 && link.resent.has(idKey(summary.id))) {
      flags.push('resent');
    }
    // Recorded per frame, so a replay can send together what the peer sent together.
    if (meta?.sameRead) flags.push('same-read');
    const ctx = new MessageContext(
      link.session.id,
      link.session.transport,
      direction,
      raw,
      message,
      summary,
      parseError,
      receivedAt,
      request,
      meta?.http,
      meta?.relatedRequestId,
      flags,
      envelope?.toolName,
      meta?.wire,
    );
    if (summary.method === 'notifications/cancelled' && this.cancelHeld(link, ctx)) return;
    const verdict = this.chain.intercept(ctx);
    if (verdict instanceof Promise) {
      this.inFlight++;
      verdict
        .then((v) => this.act(link, ctx, v, false))
        .catch((error: unknown) => this.logger.error(`could not deliver a message: ${String(error)}`))
        .finally(() => this.inFlight--);
    } else {
      this.act(link, ctx, verdict);
    }
  }

  /** The pending request an answer settles (in the direction it was sent), forgotten now. */
  private settle(link: Link, direction: Direction, id: JsonRpcId | undefined): PendingRequest | undefined {
    const pending = link.pending[direction];
    const key = idKey(id);
    const request = pending.get(key);
    if (!request) return undefined;
    pending.delete(key);
    const token = tokenOf(request);
    if (token !== undefined) link.progress.delete(idKey(token));
    return request;
  }

  /**
   * A cancellation of a request that is held at a breakpoint: the hold hears of it and (unless the
   * proxy keeps cancelled holds) drops the request, owing its sender nothing. The cancellation then
   * goes no further, since the other side never saw the request. It is reported once the dropped
   * request's own frame is out (a few promise turns away), so the tape reads in order.
   */
  private cancelHeld(link: Link, ctx: MessageContext): boolean {
    const params = isObject(ctx.message) && isObject(ctx.message.params) ? ctx.message.params : undefined;
    const requestId = params?.requestId;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return false;
    const reason = typeof params?.reason === 'string' ? params.reason : undefined;
    if (this.chain.pauses.cancel(link.session.id, ctx.direction, requestId, reason) !== 'dropped') return false;
    const verdict: Verdict = {
      type: 'block',
      message: ctx.message,
      modified: false,
      reason: 'not sent on: the request it cancels was held here and is dropped, so the other side never saw it',
      trail: ['block'],
      notes: [],
    };
    setImmediate(() => this.act(link, ctx, verdict, false));
    return true;
  }

  /** `inTurn`: decided at once, so the message may still leave with the one it arrived with. */
  private act(link: Link, ctx: MessageContext, verdict: Verdict, inTurn = true): void {
    switch (verdict.type) {
      case 'continue':
        return this.forward(link, ctx, verdict, inTurn);
      case 'block':
        return this.block(link, ctx, verdict);
      case 'mock':
        return this.mock(link, ctx, verdict);
    }
  }

  private forward(link: Link, ctx: MessageContext, verdict: Verdict, inTurn: boolean): void {
    const modified = verdict.modified;
    const text = modified ? JSON.stringify(verdict.message) : ctx.raw;
    const summary = ctx.summary;
    const now = performance.now();
    if (summary.kind === 'request') {
      const toolName = summary.method !== 'tools/call' ? undefined : modified ? toolNameOf(summary.method, paramsOf(verdict.message)) : ctx.toolName;
      const request = new ForwardedRequest(summary.id ?? null, summary.method!, now, verdict, toolName);
      // A message read only by its envelope names no progress token unless its text does.
      if (modified || ctx.isRead || text.includes('"progressToken"')) request.progressToken = progressTokenOf(request.params);
      link.pending[ctx.direction].set(idKey(summary.id), request);
      if (request.progressToken !== undefined) link.progress.set(idKey(request.progressToken), summary.id ?? null);
    } else if (summary.kind === 'batch' && Array.isArray(verdict.message)) {
      this.trackBatch(link, ctx.direction, verdict.message, now);
    } else if (summary.method === 'notifications/cancelled') {
      // A cancelled request is owed no answer (a closed subscriptions/listen stream never gets one).
      this.forgetCancelled(link, ctx.direction, verdict.message);
    }
    this.updateSession(link, ctx, verdict);
    this.emit(link, ctx, verdict, { text, source: verdict, summary, original: modified ? ctx.raw : undefined });
    if (ctx.direction === 'c2s' && link.upstreamGone !== undefined) {
      this.undelivered(link, 'c2s', text, link.upstreamGone);
      return;
    }
    if (ctx.direction === 's2c' && this.answersResent(link, summary)) return;
    const target = ctx.direction === 'c2s' ? link.upstream : link.downstream;
    const sameRead = inTurn && ctx.flags.includes('same-read');
    target.send(text, { summary, relatedRequestId: this.relatedRequest(link, ctx, verdict), http: ctx.http, sameRead, wire: modified ? undefined : ctx.wire });
    ctx.wire = undefined;
  }

  /** An answer to a request the proxy sent for a console: it ends there (and the id is forgotten). */
  private answersResent(link: Link, summary: MessageSummary): boolean {
    if (link.resent.size === 0 || (summary.kind !== 'response' && summary.kind !== 'error')) return false;
    return link.resent.delete(idKey(summary.id));
  }

  /** Forgets the request (sent in `direction`) that a cancellation in the same direction names. */
  private forgetCancelled(link: Link, direction: Direction, message: unknown): void {
    const requestId = isObject(message) && isObject(message.params) ? message.params.requestId : undefined;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
    const pending = link.pending[direction];
    const request = pending.get(idKey(requestId));
    if (!request) return;
    pending.delete(idKey(requestId));
    const token = tokenOf(request);
    if (token !== undefined) link.progress.delete(idKey(token));
  }

  /** Requests inside a batch are tracked like single ones, so their answers are matched too. */
  private trackBatch(link: Link, direction: Direction, batch: unknown[], now: number): void {
    for (const item of batch) {
      const s = summarize(item);
      if (s.kind === 'request') link.pending[direction].set(idKey(s.id), { id: s.id ?? null, method: s.method!, sentAt: now });
    }
  }

  /**
   * The pending request a server message belongs with: what the wire said, or for progress, the
   * request whose token it carries. Lets an HTTP client get it on that request's stream.
   */
  private relatedRequest(link: Link, ctx: InterceptContext, verdict: Verdict): JsonRpcId | undefined {
    if (ctx.relatedRequestId !== undefined) return ctx.relatedRequestId;
    if (ctx.direction !== 's2c' || ctx.summary.method !== 'notifications/progress') return undefined;
    const message = verdict.message;
    if (!isObject(message) || !isObject(message.params)) return undefined;
    const token = message.params.progressToken;
    return token === undefined || token === null || typeof token === 'object' || typeof token === 'boolean' ? undefined : link.progress.get(idKey(token));
  }

  /**
   * A message the transport could not deliver (or, `sent`, a request it delivered whose answer
   * will never come): a request among them is answered with an error.
   */
  private undelivered(link: Link, direction: Direction, text: string, reason: string, sent = false): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    const summary = summarize(message);
    const key = summary.kind === 'request' ? idKey(summary.id) : undefined;
    const request = key === undefined ? undefined : link.pending[direction].get(key);
    if (sent && !request) return; // answered after all, or already answered with an error
    const peer = direction === 'c2s' ? 'server' : 'client';
    this.logger.warn(sent ? `no answer will come from the ${peer} to ${summary.method} ${describeId(summary.id)}: ${reason}` : `could not deliver ${summary.method ?? summary.kind} to the ${peer}: ${reason}`);
    if (!request) return;
    link.pending[direction].delete(key!);
    const why = sent ? `${reason} before answering ${request.method}` : `${reason} (${request.method} not delivered)`;
    this.synthesize(link, opposite(direction), errorResponse(request.id, errorCodeForEra(ErrorCode.UpstreamClosed, eraOf(request)), why), 'synthesized', { request, flags: [sent ? 'unanswered' : 'undelivered'] });
  }

  private block(link: Link, ctx: MessageContext, verdict: Verdict): void {
    const reason = verdict.reason ?? 'blocked';
    // The answer is in the era of the request it answers: a modern request gets mcp-tap's modern codes.
    const era = ctx.request ? eraOf(ctx.request) : requestEra(ctx.message);
    const code = errorCodeForEra(verdict.code ?? ErrorCode.Blocked, era);
    this.emit(link, ctx, verdict, { text: ctx.raw, source: ctx, summary: ctx.summary });
    const kind = ctx.summary.kind;
    if (verdict.answer === false) return;
    if (kind === 'request' || (kind === 'invalid' && ctx.direction === 'c2s')) {
      // The sender is owed an answer: a request, or (from a client) a line we could not accept.
      const id = kind === 'request' ? (ctx.summary.id ?? null) : idOf(ctx.message);
      this.reply(link, ctx, errorResponse(id, code, reason), 'block');
    } else if (kind === 'batch' && ctx.direction === 'c2s' && Array.isArray(ctx.message)) {
      // A refused batch is answered as JSON-RPC says: a batch with an error for each request in
      // it (and each item that was no message at all); its notifications get nothing.
      const answers = ctx.message
        .map((item) => ({ item, s: summarize(item) }))
        .filter(({ s }) => s.kind === 'request' || s.kind === 'invalid' || s.kind === 'batch')
        .map(({ item, s }) => errorResponse(s.kind === 'request' ? (s.id ?? null) : idOf(item), code, reason));
      if (answers.length > 0) this.synthesize(link, 's2c', answers, 'block');
    } else if ((kind === 'response' || kind === 'error') && ctx.request) {
      // A blocked answer still ends the request: the requester gets an error in its place.
      this.synthesize(link, ctx.direction, errorResponse(ctx.summary.id ?? null, code, reason), 'block', { request: ctx.request, receivedAt: ctx.receivedAt });
    }
  }

  private mock(link: Link, ctx: MessageContext, verdict: Verdict): void {
    this.emit(link, ctx, verdict, { text: ctx.raw, source: ctx, summary: ctx.summary });
    if (ctx.summary.kind === 'request') {
      this.reply(link, ctx, mockFor(ctx.summary.id ?? null, verdict.response, requestEra(ctx.message)), 'mock');
    } else if ((ctx.summary.kind === 'response' || ctx.summary.kind === 'error') && ctx.request) {
      this.synthesize(link, ctx.direction, mockFor(ctx.summary.id ?? null, verdict.response, eraOf(ctx.request)), 'mock', { request: ctx.request, receivedAt: ctx.receivedAt });
    } else {
      this.logger.warn(`a mock for a ${ctx.summary.kind} has nothing to answer; the message was dropped`);
    }
  }

  /** Sends a message the proxy made back to whoever sent the message `ctx` holds (the request it answers). */
  private reply(link: Link, ctx: InterceptContext, message: JsonObject, action: string): void {
    const method = ctx.summary.method;
    this.synthesize(link, opposite(ctx.direction), message, action, { method, toolName: toolNameOf(method, isObject(ctx.message) ? ctx.message.params : undefined) });
  }

  /**
   * Reports a message that crossed the proxy outside any Link (a relayed stateless HTTP
   * exchange), so observers such as the recorder see it like any other.
   */
  report(frame: { sessionId: string; transport: TransportKind; direction: Direction; text: string; latencyMs?: number; requestMethod?: string }): void {
    const { latencyMs, requestMethod, ...where } = frame;
    this.chain.notify(frameEventFor(where, { flags: ['stateless'], latencyMs, requestMethod }));
  }

  /**
   * Sends a proxy-made message travelling in `direction` and reports it as a frame. An answer in
   * place of a real one (`receivedAt`: when that reached the proxy) takes its latency from it, so
   * a hold of the answer is not counted, as it is not for an answer that was let through.
   */
  private synthesize(
    link: Link,
    direction: Direction,
    message: JsonObject | JsonObject[],
    action: string,
    answers: { request?: PendingRequest; method?: string; toolName?: string; flags?: string[]; receivedAt?: number } = {},
  ): void {
    const { request } = answers;
    const flags = ['synthesized', ...(answers.flags ?? [])];
    const text = JSON.stringify(message);
    const summary = summarize(message);
    if (direction === 's2c' && this.answersResent(link, summary)) flags.push('resent');
    else (direction === 'c2s' ? link.upstream : link.downstream).send(text, { summary });
    const at = performance.now();
    this.chain.notify({
      sessionId: link.session.id,
      transport: link.session.transport,
      direction,
      at,
      text,
      message,
      summary,
      action,
      flags,
      latencyMs: request ? (answers.receivedAt ?? at) - request.sentAt : undefined,
      requestMethod: request?.method ?? answers.method,
      toolName: answers.toolName ?? toolNameOf(request?.method, request?.params),
    });
  }

  private oversized(link: Link, direction: Direction, bytes: number | undefined, limit: number, ends?: { head: string; tail: string }): void {
    const reason = bytes === undefined ? `message over the ${limit}-byte limit was discarded` : `message of ${bytes} bytes exceeds the ${limit}-byte limit and was discarded`;
    this.logger.warn(`${direction === 'c2s' ? 'client' : 'server'} sent a ${reason}`);
    const note = { jsonrpc: '2.0', method: 'mcp-tap/oversized', params: { bytes, limit } } as JsonObject;
    this.chain.notify({
      sessionId: link.session.id,
      transport: link.session.transport,
      direction,
      at: performance.now(),
      text: JSON.stringify(note),
      message: note,
      summary: { kind: 'invalid', hasId: false },
      action: 'block',
      flags: ['oversized'],
      note: reason,
    });
    // Whoever is owed an answer hears of it, under the message's id when its ends show it. Big
    // lines are mostly answers from the server, mostly requests from the client.
    const seen = ends ? summarizeEnds(ends.head, ends.tail) : {};
    const kind = seen.kind ?? (direction === 's2c' ? 'response' : 'request');
    if (kind === 'response') {
      const pending = link.pending[opposite(direction)];
      const request = seen.id === undefined ? undefined : pending.get(idKey(seen.id));
      if (!request) return;
      pending.delete(idKey(seen.id));
      const token = progressTokenOf(request.params);
      if (token !== undefined) link.progress.delete(idKey(token));
      const size = bytes === undefined ? '' : ` (${bytes} bytes)`;
      const message = errorResponse(request.id, errorCodeForEra(ErrorCode.MessageTooLarge, eraOf(request)), `the answer to ${request.method}${size} exceeds the ${limit}-byte limit and was discarded`);
      this.synthesize(link, direction, message, 'block', { request, flags: ['oversized'] });
    } else if (direction === 'c2s' || seen.id !== undefined) {
      this.synthesize(link, opposite(direction), errorResponse(seen.id ?? null, ErrorCode.MessageTooLarge, reason), 'block');
    }
  }

  /** The server is gone: every request it still owed gets an error that says so. */
  private failPending(link: Link, info: CloseInfo): void {
    const owed = [...link.pending.c2s.values()];
    link.pending.c2s.clear();
    for (const request of owed) {
      const message = errorResponse(request.id, errorCodeForEra(ErrorCode.UpstreamClosed, eraOf(request)), `${info.reason} before answering ${request.method}`);
      this.synthesize(link, 's2c', message, 'synthesized', { request, flags: ['upstream-closed'] });
    }
  }

  private updateSession(link: Link, ctx: InterceptContext, verdict: Verdict): void {
    const { summary, direction } = ctx;
    this.sessions.update(link.session.id, (session) => {
      session.counters[direction]++;
      if (summary.kind === 'request' && summary.method === 'initialize') {
        const message = verdict.message;
        if (!isObject(message) || !isObject(message.params)) return;
        const params = message.params;
        if (isObject(params.clientInfo)) session.clientInfo = params.clientInfo;
        if (params.capabilities !== undefined) session.clientCapabilities = params.capabilities;
        if (typeof params.protocolVersion === 'string') session.protocolVersion = params.protocolVersion;
      } else if (summary.kind === 'response' && ctx.request?.method === 'initialize') {
        const message = verdict.message;
        if (!isObject(message) || !isObject(message.result)) return;
        const result = message.result;
        if (isObject(result.serverInfo)) session.serverInfo = result.serverInfo;
        if (result.capabilities !== undefined) session.serverCapabilities = result.capabilities as JsonValue;
        if (typeof result.protocolVersion === 'string') session.protocolVersion = result.protocolVersion;
        if (link.upstream.sessionId) session.upstreamSessionId = link.upstream.sessionId;
      }
    });
  }

  private emit(
    link: Link,
    ctx: MessageContext,
    verdict: Verdict,
    sent: { text: string; source: MessageSource; summary: MessageSummary; original?: string },
  ): void {
    // The block reason belongs on the tape even when earlier steps (a delay, a pause) left notes.
    const notes = verdict.reason === undefined ? verdict.notes : [...verdict.notes, verdict.reason];
    const event = new ReportedFrame(link.session.id, link.session.transport, ctx.direction, performance.now(), sent.text, sent.source, sent.summary, actionLabel(verdict), ctx.flags);
    if (sent.original !== undefined) event.original = sent.original;
    if (notes.length > 0) event.note = notes.join('; ');
    if (ctx.pauseId !== undefined) event.pauseId = ctx.pauseId;
    if (ctx.request) {
      event.latencyMs = ctx.receivedAt - ctx.request.sentAt;
      event.requestMethod = ctx.request.method;
      event.toolName = ctx.request.toolName ?? (ctx.request.method === 'tools/call' ? toolNameOf(ctx.request.method, ctx.request.params) : undefined);
    } else if (sent.summary.method === 'tools/call') {
      event.toolName = sent.source === ctx || !verdict.modified ? ctx.toolName : toolNameOf(sent.summary.method, paramsOf(sent.source.message));
    }
    this.chain.notify(event);
  }
}

/** A request's progress token, as the pipeline noted it or from its params. */
function tokenOf(request: PendingRequest): JsonRpcId | undefined {
  return request instanceof ForwardedRequest ? request.progressToken : progressTokenOf(request.params);
}

function paramsOf(message: unknown): unknown {
  return isObject(message) ? message.params : undefined;
}

/** The era of a forwarded request, from what it carried. */
function eraOf(request: PendingRequest): Era | undefined {
  return requestEra({ method: request.method, params: request.params });
}

/** A mock's answer in the shape the request's era expects (`resultType` on a modern result). */
function mockFor(id: JsonRpcId, mock: unknown, era: Era | undefined): JsonObject {
  const response = responseFor(id, mock);
  return 'result' in response ? { ...response, result: resultForEra(response.result!, era) } : response;
}

function idOf(message: unknown): JsonRpcId {
  if (isObject(message) && (typeof message.id === 'string' || typeof message.id === 'number')) return message.id;
  return null;
}
