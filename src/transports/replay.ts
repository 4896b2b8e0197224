/**
 * The server's side played from a tape: a Transport the pipeline uses as its upstream, so a
 * replay has the same interceptors, recording and client transports as a live proxy. Requests
 * are matched to recorded ones and answered with the recorded result under the caller's id;
 * the server's notifications and requests come back where they happened; progress tokens are
 * rewritten to the caller's. A multi round-trip call is played as one: the client's retry with the
 * `requestState` replay handed out gets the recorded next round. A `subscriptions/listen` stream
 * is acknowledged and its recorded notifications come back where they happened, tagged with the
 * caller's subscription id. Recorded text goes out as recorded: ids and tokens are spliced in, the
 * rest is never parsed and serialised again (`42.0` stays `42.0`). A miss gets an error naming the
 * nearest recorded request, or goes to a real server (passthrough).
 */
import { ErrorCode, errorResponse, idKey, isObject, parseObject, summarize, type JsonObject, type JsonRpcId, type JsonValue } from '../core/jsonrpc.js';
import { errorCodeForEra, META, requestEra, resultForEra } from '../core/era.js';
import { replaceJsonValue } from '../core/json-text.js';
import { canonicalJson } from '../tape/canonical.js';
import { describeRequest, RequestMatcher } from '../tape/matcher.js';
import { asksForInput, type RecordedExchange, type ReplayScript } from '../tape/replay-script.js';
import type { TapeFrame } from '../tape/types.js';
import type { Redactor } from '../tape/redact.js';
import { SAME_READ, type ReceiveMeta, type SendMeta, type Transport } from '../core/transport.js';
import { reinitialize } from './handshake.js';

export interface ReplayOptions {
  ignore?: string[];
  reuse?: boolean;
  /**
   * 1 keeps the recorded pace, 2 is twice as fast. Undefined or 0: answers start at once, and the
   * frames of an exchange keep their recorded spacing.
   */
  speed?: number;
  /**
   * Housekeeping the tape lacks (logging/setLevel, resources/subscribe and unsubscribe, client
   * notifications) is a miss too, instead of getting the answer the recorded server implies.
   */
  strict?: boolean;
  /** Hides secrets in what is said about a live request (miss messages, the summary). */
  redactor?: Redactor;
  /** A real server for requests the tape does not have (created on the first miss). */
  passthrough?: () => Transport;
  /** Told of each message exchanged with the passthrough server, to add it to the tape. */
  onPassthroughFrame?: (direction: 'c2s' | 's2c', text: string, latencyMs?: number, requestMethod?: string) => void;
}

export interface ReplayStats {
  matched: number;
  /** Of those, the requests that matched a recorded one with redacted fields: the paths. */
  redactedMatches: string[];
  missed: string[];
  /** Housekeeping requests the tape lacks, answered as the recorded server's capabilities imply. */
  housekeeping: string[];
  passedThrough: number;
  /** Client answers to the server's requests that differ from the recorded ones. */
  answerDifferences: string[];
}

/** Requests any server answers with an empty result when its capabilities say it has the feature. */
const HOUSEKEEPING: Record<string, (capabilities: JsonObject) => boolean> = {
  'logging/setLevel': (c) => c.logging !== undefined,
  'resources/subscribe': (c) => isObject(c.resources) && c.resources.subscribe === true,
  'resources/unsubscribe': (c) => isObject(c.resources) && c.resources.subscribe === true,
};


function resultOf(frame: TapeFrame | undefined): JsonObject | undefined {
  const message = frame ? parseObject(frame.message) : undefined;
  return message && isObject(message.result) ? message.result : undefined;
}

/** `text` with `value` set at `path`, creating objects on the way; undefined when it is not a JSON object. */
function setPath(text: string, path: string[], value: JsonValue): string | undefined {
  const message = parseObject(text);
  if (!message) return undefined;
  let node: JsonObject = message;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[path[path.length - 1]!] = value;
  return JSON.stringify(message);
}

export class ReplayTransport implements Transport {
  readonly kind = 'replay' as const;
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  readonly stats: ReplayStats = { matched: 0, redactedMatches: [], missed: [], housekeeping: [], passedThrough: 0, answerDifferences: [] };
  /** Frame numbers of the recorded requests this replay answered with (for `tapes prune --unused`). */
  readonly used = new Set<number>();
  private readonly matcher: RequestMatcher<RecordedExchange>;
  private readonly notificationsUsed = new Map<string, number>();
  /** Server requests we sent the client: our id -> the recorded request frame. */
  private readonly askedClient = new Map<string, TapeFrame>();
  private nextServerId = 1;
  /** Listen streams the client opened here: the recorded listen -> the caller's subscription id. */
  private readonly liveListens = new Map<RecordedExchange, JsonRpcId>();
  /**
   * Rounds of multi round-trip calls served here that asked for input, newest last, with the
   * `requestState` they handed out: the client's retry names the round it continues.
   */
  private awaitingRetry: RecordedExchange[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private initializeParams?: JsonObject;
  private passthrough?: { transport: Transport; ready: Promise<void>; pending: Map<string, { id: JsonRpcId; sentAt: number; method: string }>; serverAsked: Set<string> };

  constructor(
    private readonly script: ReplayScript,
    private readonly options: ReplayOptions = {},
  ) {
    this.matcher = new RequestMatcher(
      script.exchanges.map((e) => ({ method: e.method, params: e.params, item: e, wildcards: e.redacted })),
      { ignore: options.ignore, reuse: options.reuse },
    );
  }

  async start(): Promise<void> {}

  /**
   * Recorded requests that no caller asked for, described. A `server/discover` probe is not among
   * them: a client may probe on a process of its own (the SDK does on stdio), so this one may
   * never see it.
   */
  unused(): string[] {
    return this.matcher
      .unused()
      .filter((c) => c.method !== 'server/discover')
      .map((c) => describeRequest(c.method, c.params));
  }

  send(text: string, meta?: SendMeta): void {
    if (this.closed) return;
    const message = parseObject(text);
    if (!message) return;
    const summary = meta?.summary ?? summarize(message);
    if (summary.kind === 'request') return this.request(message, summary.method!, summary.id ?? null, text);
    if (summary.kind === 'notification') return this.notification(summary.method!, message);
    if (summary.kind === 'response' || summary.kind === 'error') return this.clientAnswer(message, summary.id ?? null, text);
  }

  private request(message: JsonObject, method: string, id: JsonRpcId, text: string): void {
    if (method === 'initialize') {
      this.initializeParams = isObject(message.params) ? message.params : {};
      const recorded = this.script.initialize;
      if (recorded?.response) {
        this.stats.matched++;
        return this.play(recorded, id, message.params);
      }
    }
    const exchange = method === 'initialize' ? undefined : (this.nextRound(method, message.params) ?? this.matcher.take(method, message.params));
    // A listen stream has no answer until it ends: what it plays is its acknowledgement and notifications.
    if (exchange?.response || exchange?.listen) {
      this.stats.matched++;
      if (exchange.redacted.length > 0) this.stats.redactedMatches.push(...exchange.redacted.map((path) => ['params', ...path].join('.')));
      return this.play(exchange, id, message.params);
    }
    if (method === 'server/discover' && this.discover(id, message)) return;
    if (method === 'ping') return this.emit({ jsonrpc: '2.0', id, result: resultForEra({}, requestEra(message)) });
    // A real server behind the tape answers for itself.
    if (this.options.passthrough) return void this.passThrough(text, id, method, message);
    if (!this.options.strict && HOUSEKEEPING[method]) return this.housekeeping(method, id, message);
    const described = this.describe(method, message.params);
    this.stats.missed.push(described);
    const nearest = this.matcher.nearest(method, message.params);
    const hint = nearest ? `; nearest recorded request: ${describeRequest(nearest.method, nearest.params)}` : '; the tape has no requests';
    this.emit(errorResponse(id, errorCodeForEra(ErrorCode.ReplayMiss, requestEra(message)), `mcp-tap replay: no recorded answer for ${described}${hint}`));
  }

  /**
   * The recorded next round of a multi round-trip call, for a client's retry: the round served
   * here that handed out the `requestState` the retry carries, else (a server that keeps no state)
   * the newest round of the same request whose input requests the retry answers. The client's
   * `inputResponses` are held up against the recorded ones; a difference is reported, like a
   * different answer to a 2025 server request.
   */
  private nextRound(method: string, params: unknown): RecordedExchange | undefined {
    if (!isObject(params) || (params.requestState === undefined && params.inputResponses === undefined)) return undefined;
    const state = params.requestState;
    const answered = isObject(params.inputResponses) ? Object.keys(params.inputResponses) : [];
    let found: RecordedExchange | undefined;
    for (let i = this.awaitingRetry.length - 1; i >= 0 && !found; i--) {
      const round = this.awaitingRetry[i]!;
      if (round.method !== method || round.exchange.name !== round.next?.exchange.name) continue;
      const result = resultOf(round.response);
      if (typeof state === 'string' && typeof result?.requestState === 'string') {
        if (result.requestState === state) found = round;
        continue;
      }
      const asked = isObject(result?.inputRequests) ? Object.keys(result.inputRequests) : [];
      if (answered.every((key) => asked.includes(key))) found = round;
    }
    const next = found?.next;
    if (!found || !next) return undefined;
    this.awaitingRetry = this.awaitingRetry.filter((round) => round !== found);
    this.matcher.claim(next);
    const recorded = isObject(next.params) ? next.params.inputResponses : undefined;
    if (canonicalJson(recorded ?? null) !== canonicalJson(params.inputResponses ?? null)) {
      this.stats.answerDifferences.push(`${describeRequest(method, params)} (round ${next.exchange.call?.round ?? 2}): recorded inputResponses ${canonicalJson(recorded ?? null)}, got ${canonicalJson(params.inputResponses ?? null)}`);
    }
    return next;
  }

  /**
   * `server/discover` the tape cannot answer: served again when it was recorded (it is a pure
   * read, and each client probes); on a 2025 tape answered as a 2025 server answers an unknown
   * method, so a dual-era client falls back to initialize, which the tape has. A 2026 tape without
   * it is missing it: a miss like any other. Undefined when this is that miss.
   */
  private discover(id: JsonRpcId, message: JsonObject): true | undefined {
    const recorded = this.script.exchanges.filter((e) => e.method === 'server/discover' && e.response).at(-1);
    if (recorded) {
      this.stats.matched++;
      this.play(recorded, id, message.params);
      return true;
    }
    if (!this.script.initialize) return undefined;
    this.emit(errorResponse(id, ErrorCode.MethodNotFound, 'Method not found: the recorded server does not answer server/discover'));
    return true;
  }

  /** A live request as it may be shown: with what the tape's redaction hides, hidden. */
  private describe(method: string, params: unknown): string {
    // Redaction paths start at the message root (params.arguments.apiKey).
    return describeRequest(method, this.options.redactor ? this.options.redactor.redact({ params }).value.params : params);
  }

  /**
   * The empty answer a server gives to housekeeping it supports (the recorded server's
   * capabilities say which), or the error it gives when it does not.
   */
  private housekeeping(method: string, id: JsonRpcId, message: JsonObject): void {
    this.stats.housekeeping.push(method);
    const era = requestEra(message);
    const recorded = this.script.initialize?.response ? parseObject(this.script.initialize.response.message) : undefined;
    const capabilities = recorded && isObject(recorded.result) && isObject(recorded.result.capabilities) ? recorded.result.capabilities : undefined;
    // A tape without an initialize (a modern-era session) says nothing against it.
    if (!capabilities || HOUSEKEEPING[method]!(capabilities)) return this.emit({ jsonrpc: '2.0', id, result: resultForEra({}, era) });
    this.emit(errorResponse(id, ErrorCode.MethodNotFound, `Method not found: ${method} (the recorded server did not offer it)`));
  }

  /** Sends a recorded exchange's server side: followers and progress in recorded order, then the answer. */
  private play(exchange: RecordedExchange, id: JsonRpcId, liveParams: unknown): void {
    this.used.add(exchange.request.seq);
    const liveToken = isObject(liveParams) && isObject(liveParams._meta) ? liveParams._meta.progressToken : undefined;
    // A listen stream's answer only ends it (the server shutting down): the client hears it when
    // it closes the stream, never in the middle of a replay.
    const answer = exchange.listen ? undefined : exchange.response;
    if (exchange.listen) this.liveListens.set(exchange, id);
    if (answer && asksForInput(exchange) && exchange.next) this.awaitingRetry.push(exchange);
    const frames = [...exchange.followers, ...exchange.progress, ...(answer ? [answer] : [])].sort((a, b) => a.seq - b.seq);
    const send = (frame: TapeFrame, meta?: ReceiveMeta) => {
      if (frame === answer) return this.emitRecorded(frame, [{ path: ['id'], value: id }], meta);
      if (frame.method === 'notifications/progress' && liveToken !== undefined && exchange.progress.includes(frame)) {
        return this.emitRecorded(frame, [{ path: ['params', 'progressToken'], value: liveToken }], meta);
      }
      this.serverMessage(frame, meta);
    };
    this.playInOrder(frames, exchange.request.tMs, send);
  }

  private notification(method: string, message: JsonObject): void {
    const params = message.params;
    if (method === 'notifications/cancelled' && isObject(params)) {
      // The client closed a listen stream: what it would have delivered stays on the tape.
      const cancelled = params.requestId;
      for (const [listen, liveId] of this.liveListens) if (liveId === cancelled) this.liveListens.delete(listen);
    }
    const anchors = this.script.notifications.get(method);
    const used = this.notificationsUsed.get(method) ?? 0;
    const anchor = anchors?.[used];
    if (!anchor) {
      // Accepted, as a server would; under --strict one the tape lacks is reported.
      if (this.options.strict) this.stats.missed.push(`${this.describe(method, params)} (notification)`);
      return;
    }
    this.notificationsUsed.set(method, used + 1);
    this.playInOrder(anchor.followers, anchor.frame.tMs, (frame, meta) => this.serverMessage(frame, meta));
  }

  /**
   * Sends frames in order, the first timed from `startTMs` (what they follow on the tape), each
   * next one from the one before it was sent: a busy moment delays what follows instead of
   * bunching it up. A frame the recorded peer wrote together with the one before it (flagged
   * `same-read`) is sent with it, so the client reads them together as it did then.
   */
  private playInOrder(frames: TapeFrame[], startTMs: number, send: (frame: TapeFrame, meta?: ReceiveMeta) => void): void {
    const step = (index: number, previous: TapeFrame | undefined) => {
      if (!frames[index]) return;
      const recordedGapMs = frames[index].tMs - (previous?.tMs ?? startTMs);
      this.after(this.replayGap(recordedGapMs, index), () => {
        let last = index;
        send(frames[index]!);
        while (frames[last + 1]?.flags.includes('same-read')) send(frames[++last]!, SAME_READ);
        step(last + 1, frames[last]);
      });
    };
    step(0, undefined);
  }

  /**
   * A notification or a request from the recorded server; requests get a fresh id. A listen
   * stream's notification goes out only while the client has that stream open here, tagged with
   * the client's own subscription id.
   */
  private serverMessage(frame: TapeFrame, meta?: ReceiveMeta): void {
    const listen = this.script.streamOf.get(frame.seq);
    if (listen) {
      const liveId = this.liveListens.get(listen);
      if (liveId === undefined) return;
      return this.emitRecorded(frame, [{ path: ['params', '_meta', META.subscriptionId], value: liveId }], meta);
    }
    if (frame.kind !== 'request') return this.emitRecorded(frame, [], meta);
    const id = `replay-${this.nextServerId++}`;
    this.askedClient.set(idKey(id), frame);
    this.emitRecorded(frame, [{ path: ['id'], value: id }], meta);
  }

  private clientAnswer(message: JsonObject, id: JsonRpcId, text: string): void {
    const key = idKey(id);
    if (this.passthrough?.serverAsked.has(key)) {
      this.passthrough.serverAsked.delete(key);
      this.passthrough.transport.send(text);
      this.options.onPassthroughFrame?.('c2s', text);
      return;
    }
    const asked = this.askedClient.get(key);
    if (!asked) return;
    this.askedClient.delete(key);
    const recorded = this.script.clientAnswers.get(asked.seq);
    const recordedMessage = recorded ? parseObject(recorded.message) : undefined;
    const redact = (value: unknown) => (this.options.redactor ? this.options.redactor.redact(value).value : value);
    const strip = (m: JsonObject | undefined) => (m ? canonicalJson(redact({ result: m.result, error: m.error })) : '(none)');
    if (strip(recordedMessage) !== strip(message)) {
      this.stats.answerDifferences.push(`${asked.method ?? 'request'}: recorded ${strip(recordedMessage)}, got ${strip(message)}`);
    }
  }

  /** Sends a request the tape lacks to a real server (started and initialized on first use). */
  private async passThrough(text: string, id: JsonRpcId, method: string, message: JsonObject): Promise<void> {
    this.stats.passedThrough++;
    const pt = this.ensurePassthrough(requestEra(message) === 'modern');
    try {
      await pt.ready;
    } catch (error) {
      this.emit(errorResponse(id, errorCodeForEra(ErrorCode.UpstreamClosed, requestEra(message)), `mcp-tap replay: the passthrough server could not be started: ${(error as Error).message}`));
      return;
    }
    pt.pending.set(idKey(id), { id, sentAt: performance.now(), method });
    this.options.onPassthroughFrame?.('c2s', text);
    pt.transport.send(text);
  }

  /** `modern`: the first request to pass is a 2026 one, which needs no handshake (unless the client made one). */
  private ensurePassthrough(modern: boolean): NonNullable<ReplayTransport['passthrough']> {
    if (this.passthrough) return this.passthrough;
    const transport = this.options.passthrough!();
    const pending = new Map<string, { id: JsonRpcId; sentAt: number; method: string }>();
    const serverAsked = new Set<string>();
    const ready = (async () => {
      await transport.start();
      const params = this.initializeParams ?? {};
      if (!modern || this.initializeParams) await reinitialize(transport, {
        id: 'passthrough',
        transport: 'stdio',
        metadata: {},
        counters: { c2s: 0, s2c: 0 },
        createdAt: 0,
        lastActiveAt: 0,
        protocolVersion: typeof params.protocolVersion === 'string' ? params.protocolVersion : undefined,
        clientCapabilities: params.capabilities,
        clientInfo: isObject(params.clientInfo) ? params.clientInfo : undefined,
      });
      transport.onmessage = (answer) => {
        const message = parseObject(answer);
        const summary = summarize(message);
        if (summary.kind === 'response' || summary.kind === 'error') {
          const asked = pending.get(idKey(summary.id));
          if (!asked) return;
          pending.delete(idKey(summary.id));
          this.options.onPassthroughFrame?.('s2c', answer, performance.now() - asked.sentAt, asked.method);
        } else {
          if (summary.kind === 'request') serverAsked.add(idKey(summary.id));
          this.options.onPassthroughFrame?.('s2c', answer);
        }
        this.onmessage?.(answer);
      };
      transport.onclose = (info) => {
        for (const asked of pending.values()) this.emit(errorResponse(asked.id, ErrorCode.UpstreamClosed, `the passthrough server stopped: ${info.reason}`));
        pending.clear();
      };
    })();
    this.passthrough = { transport, ready, pending, serverAsked };
    return this.passthrough;
  }

  /**
   * How long to wait before a frame, given its recorded gap to the frame before it (or to the
   * request), scaled by --speed. Without --speed the first frame goes at once and the others keep
   * their recorded spacing: squeezing it would make a client read together what the server sent
   * apart (and the MCP SDK drops a progress notification read together with its answer).
   */
  private replayGap(recordedGapMs: number, index: number): number {
    const speed = this.options.speed ?? 0;
    const gap = Math.max(0, recordedGapMs);
    if (speed > 0) return gap / speed;
    return index === 0 ? 0 : gap;
  }

  /** Even "at once" goes through the timer queue: order is kept and the pipeline is not re-entered. */
  private after(delayMs: number, work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) work();
    }, delayMs);
    this.timers.add(timer);
  }

  private emit(message: JsonObject, meta?: ReceiveMeta): void {
    if (meta) this.onmessage?.(JSON.stringify(message), meta);
    else this.onmessage?.(JSON.stringify(message));
  }

  /**
   * Sends a recorded message as recorded, with `edits` spliced into its text. A value an edit
   * names that the text lacks (a stream notification recorded without its subscription id) is
   * added the only way left: parsed, set, serialised.
   */
  private emitRecorded(frame: TapeFrame, edits: { path: string[]; value: JsonValue }[], meta?: ReceiveMeta): void {
    let text: string | undefined = frame.message;
    for (const edit of edits) {
      const spliced: string | undefined = text === undefined ? undefined : replaceJsonValue(text, edit.path, edit.value);
      text = spliced ?? setPath(text ?? frame.message, edit.path, edit.value);
      if (text === undefined) return;
    }
    if (meta) this.onmessage?.(text, meta);
    else this.onmessage?.(text);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.passthrough?.transport.close();
    this.onclose?.({ reason: 'replay finished', exitCode: 0 });
  }
}
