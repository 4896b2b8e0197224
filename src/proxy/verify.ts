/**
 * Verify: re-drive a real server with a tape's client messages, in order, and compare each answer
 * with the recorded one, exchange by exchange (src/core/exchange.ts). The server's own requests
 * (roots/list, sampling, ...) are answered from the tape. A multi round-trip call is re-driven as
 * a round trip: round 1 as recorded, then the recorded `inputResponses` with the live server's
 * fresh `requestState` (never the recorded one, which the server may have rotated); the rounds'
 * outcomes are compared, the opaque state never. A `subscriptions/listen` stream is opened, its
 * acknowledgement checked, and closed where the client closed it (or at the end) — never waited
 * out. Ids are never compared, timestamps only as timestamps, and `ignore` paths not at all.
 */
import type { Exchange } from '../core/exchange.js';
import { errorCodeForEra, META, requestEra, resultTypeOf } from '../core/era.js';
import { replaceJsonValue } from '../core/json-text.js';
import { ErrorCode, idKey, isObject, parseObject, summarize, type JsonObject, type JsonRpcId } from '../core/jsonrpc.js';
import type { Transport } from '../core/transport.js';
import { parsePaths } from '../tape/canonical.js';
import { tapeExchanges } from '../tape/exchanges.js';
import { answerOf, jsonDiff, type Difference } from '../tape/json-diff.js';
import { describeRequest } from '../tape/matcher.js';
import type { TapeFrame } from '../tape/types.js';

export interface VerifiedRequest {
  seq: number;
  method: string;
  request: string;
  status: 'same' | 'changed' | 'no-answer';
  differences: Difference[];
  recordedLatencyMs?: number;
  liveLatencyMs?: number;
  error?: string;
  /** A round of a multi round-trip call: 1 for the first request, 2 for the first retry, ... */
  round?: number;
  /** For `subscriptions/listen`: notifications the stream delivered, on the tape and live (not compared: they depend on timing). */
  stream?: { recorded: number; live: number };
  /** Paths of the answer left out of the comparison because the tape has them redacted. */
  redacted?: string[];
  /** Why the answer was not compared, when it was not. */
  note?: string;
}

export interface VerifyReport {
  tape: string;
  requests: VerifiedRequest[];
  drifted: number;
}

export interface VerifyOptions {
  /** Dot paths into responses left out of the comparison, e.g. result.content.*.text. */
  ignore?: string[];
  /** How long to wait for each answer. */
  timeoutMs?: number;
  /** Told of each request as it is checked (progress for long tapes). */
  onResult?: (result: VerifiedRequest) => void;
  /**
   * Values for what the tape has redacted in the client's messages, by path
   * (`params.arguments.password`) or by the field's name (`password`). See `secretsNeeded`.
   */
  secrets?: Record<string, string>;
}

/** A redacted value the server must get again: where, and in which message. */
export interface NeededSecret {
  path: string;
  /** The name `--secret` may give it by. */
  key: string;
  request: string;
}

/** The client messages verify sends (requests, notifications, answers to the server's requests). */
function sentByClient(frame: TapeFrame): boolean {
  if (frame.direction !== 'c2s') return false;
  // What the proxy answered itself never reached the server then, so it does not now.
  if (frame.action.includes('block') || frame.action.includes('mock')) return false;
  return frame.kind === 'request' || frame.kind === 'notification' || frame.kind === 'response' || frame.kind === 'error';
}

const secretFor = (path: string, secrets: Record<string, string>): string | undefined => secrets[path] ?? secrets[path.split('.').at(-1)!];

/** The redacted values of the client's messages that no secret is given for: verify would send "[REDACTED]". */
export function secretsNeeded(frames: TapeFrame[], secrets: Record<string, string> = {}): NeededSecret[] {
  const needed: NeededSecret[] = [];
  for (const frame of frames) {
    if (!sentByClient(frame) || frame.redacted.length === 0) continue;
    for (const path of frame.redacted) {
      if (secretFor(path, secrets) !== undefined) continue;
      const message = parseObject(frame.message);
      needed.push({ path, key: path.split('.').at(-1)!, request: message && typeof message.method === 'string' ? describeRequest(message.method, message.params) : `the answer to ${frame.method ?? 'a server request'}` });
    }
  }
  return needed;
}

/** The recorded message with its redacted values given back from `secrets` (as text to send). */
function withSecrets(frame: TapeFrame, secrets: Record<string, string>): string {
  if (frame.redacted.length === 0) return frame.message;
  const message: unknown = JSON.parse(frame.message);
  for (const path of frame.redacted) {
    const value = secretFor(path, secrets);
    if (value !== undefined) setPath(message, path.split('.'), value);
  }
  return JSON.stringify(message);
}

function setPath(node: unknown, path: string[], value: string): void {
  let at: unknown = node;
  for (const segment of path.slice(0, -1)) at = isObject(at) || Array.isArray(at) ? (at as Record<string, unknown>)[segment] : undefined;
  if (isObject(at) || Array.isArray(at)) (at as Record<string, unknown>)[path.at(-1)!] = value;
}

/** The server's opaque state for a multi round-trip call: the server's to mint, never compared. */
const OPAQUE = [['result', 'requestState']];


/** What the server said back: an answer, or for a listen stream its acknowledgement. */
type Heard = { kind: 'answer' | 'ack'; message: JsonObject };

/** One recorded session's client side (or several sessionless modern ones), replayed against `upstream`. */
export async function verifySession(frames: TapeFrame[], upstream: Transport, options: VerifyOptions = {}): Promise<VerifiedRequest[]> {
  const ignore = [...parsePaths(options.ignore ?? []), ...OPAQUE];
  const secrets = options.secrets ?? {};
  const frameAt = new Map(frames.map((frame) => [frame.seq, frame]));
  const timeoutMs = options.timeoutMs ?? 30_000;
  const results: VerifiedRequest[] = [];
  const log = tapeExchanges(frames);
  const bySeq = new Map<number, Exchange>();
  // The client's recorded answers to the server's requests, by the server request's method, in order.
  const clientAnswers = new Map<string, JsonObject[]>();
  for (const exchange of log.exchanges()) {
    bySeq.set(exchange.request.seq, exchange);
    const answer = exchange.direction === 's2c' && exchange.answer ? parseObject(withSecrets(frameAt.get(exchange.answer.seq)!, secrets)) : undefined;
    if (answer) clientAnswers.set(exchange.method, [...(clientAnswers.get(exchange.method) ?? []), answer]);
  }

  const waiting = new Map<string, (heard: Heard) => void>();
  /** Listen streams open on the live server, by the listen's id: what they delivered so far goes into their result. */
  const streams = new Map<string, { id: JsonRpcId; counted: { recorded: number; live: number } }>();
  /** Listen requests sent and not acknowledged yet, oldest first. */
  const opening: JsonRpcId[] = [];
  let closed: string | undefined;
  upstream.onmessage = (text) => {
    const message = parseObject(text);
    if (!message) return;
    const summary = summarize(message);
    if (summary.kind === 'response' || summary.kind === 'error') {
      const key = idKey(summary.id);
      waiting.get(key)?.({ kind: 'answer', message });
      waiting.delete(key);
    } else if (summary.kind === 'request') {
      // The server asks the client something: answer as the client did on the tape.
      const answers = clientAnswers.get(summary.method!) ?? [];
      const recorded = answers.length > 1 ? answers.shift()! : answers[0];
      const reply = recorded ? { ...recorded, id: summary.id ?? null } : { jsonrpc: '2.0', id: summary.id ?? null, error: { code: -32601, message: `the tape has no client answer to ${summary.method}` } };
      upstream.send(JSON.stringify(reply), { summary: summarize(reply) });
    } else if (summary.kind === 'notification') {
      const meta = isObject(message.params) && isObject(message.params._meta) ? message.params._meta : undefined;
      let subscription = meta?.[META.subscriptionId];
      // An acknowledgement that names no subscription is for the newest listen still waiting.
      if (subscription === undefined && summary.method === 'notifications/subscriptions/acknowledged') subscription = opening.at(-1);
      if (typeof subscription !== 'string' && typeof subscription !== 'number') return;
      const key = idKey(subscription);
      if (summary.method === 'notifications/subscriptions/acknowledged') {
        waiting.get(key)?.({ kind: 'ack', message });
        waiting.delete(key);
      } else {
        const stream = streams.get(key);
        if (stream) stream.counted.live++;
      }
    }
  };
  upstream.ondeliveryfailed = (text, reason) => {
    // The error a proxy gives a client for a request it could not deliver, in the request's era:
    // what the tape holds when the recorded server refused it the same way.
    const request = parseObject(text);
    const id = request?.id as JsonRpcId | undefined;
    const code = errorCodeForEra(ErrorCode.UpstreamClosed, requestEra(request));
    if (id !== undefined) waiting.get(idKey(id))?.({ kind: 'answer', message: { jsonrpc: '2.0', id, error: { code, message: `${reason} (${String(request?.method)} not delivered)` } } });
  };
  let startFailed: string | undefined;
  upstream.onclose = (info) => {
    closed = info.reason;
    if (info.startFailed) startFailed = info.reason;
    for (const resolve of waiting.values()) resolve({ kind: 'answer', message: { jsonrpc: '2.0', id: null, error: { code: -32002, message: info.reason } } });
    waiting.clear();
  };
  await upstream.start();

  /** Sends `text` (a request with `id`) and waits for what the server says back, or gives up. */
  const ask = (text: string, id: JsonRpcId): Promise<Heard | undefined> => {
    if (closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(idKey(id));
        resolve(undefined);
      }, timeoutMs);
      waiting.set(idKey(id), (heard) => {
        clearTimeout(timer);
        resolve(heard);
      });
      const message = parseObject(text);
      upstream.send(text, { summary: summarize(message) });
    });
  };
  const closeStream = (id: JsonRpcId) => {
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id } };
    upstream.send(JSON.stringify(cancel), { summary: summarize(cancel) });
  };

  /** The live answer to each round of a multi round-trip call, by the round's exchange key. */
  const liveRounds = new Map<string, JsonObject | undefined>();
  for (const frame of frames) {
    if (!sentByClient(frame) || (frame.kind !== 'request' && frame.kind !== 'notification')) continue;
    const message = parseObject(frame.message);
    if (!message) continue;
    if (frame.kind === 'notification') {
      upstream.send(withSecrets(frame, secrets), { summary: summarize(message) });
      if (message.method === 'notifications/cancelled' && isObject(message.params)) {
        const requestId = message.params.requestId;
        if (typeof requestId === 'string' || typeof requestId === 'number') streams.delete(idKey(requestId));
      }
      continue;
    }
    const exchange = bySeq.get(frame.seq);
    const id = message.id as JsonRpcId;
    const method = String(message.method);
    const result: VerifiedRequest = {
      seq: frame.seq,
      method,
      request: describeRequest(method, message.params),
      status: 'same',
      differences: [],
      recordedLatencyMs: exchange?.latencyMs ?? frame.latencyMs,
    };
    if (exchange?.call) result.round = exchange.call.round;

    let text = withSecrets(frame, secrets);
    const previous = exchange?.call?.previous;
    if (previous !== undefined && liveRounds.has(previous)) {
      // A retry: it continues the live server's round, with the state that round handed out.
      const live = liveRounds.get(previous);
      if (resultTypeOf(live) !== 'input_required') {
        result.status = 'changed';
        result.error = `round ${result.round ?? 2} was not sent: the live server's round ${(result.round ?? 2) - 1} ${live ? `ended ${isObject(live.error) ? 'with an error' : resultTypeOf(live)}` : 'gave no answer'}, not input_required`;
        report(result);
        continue;
      }
      const state = isObject(live!.result) ? live!.result.requestState : undefined;
      if (typeof state === 'string') text = replaceJsonValue(text, ['params', 'requestState'], state) ?? text;
    }

    const started = performance.now();
    if (exchange?.stream) opening.push(id);
    const heard = await ask(text, id);
    if (exchange?.stream) opening.splice(opening.indexOf(id), 1);
    if (exchange?.call) liveRounds.set(exchange.key, heard?.kind === 'answer' ? heard.message : undefined);
    if (!heard) {
      result.status = 'no-answer';
      result.error = closed ? `the server closed: ${closed}` : exchange?.stream ? `no acknowledgement within ${timeoutMs} ms` : `no answer within ${timeoutMs} ms`;
    } else {
      result.liveLatencyMs = performance.now() - started;
      if (exchange?.stream && heard.kind === 'ack') {
        // The stream is open: compare what it was acknowledged with, count what it delivers, and
        // leave it open until the client closed it on the tape.
        const recordedAck = exchange.stream.acknowledged?.message;
        result.differences = jsonDiff(ackOf(recordedAck), ackOf(heard.message), ignore);
        result.stream = { recorded: exchange.stream.delivered, live: 0 };
        streams.set(idKey(id), { id, counted: result.stream });
      } else {
        // initialize answers name the server's version; a new version is drift like any other.
        // A value redacted on the tape cannot be compared: whatever the server says there is not drift.
        const recorded = exchange?.answer?.message;
        const redacted = exchange?.answer ? (frameAt.get(exchange.answer.seq)?.redacted ?? []) : [];
        if (redacted.length > 0) result.redacted = redacted;
        const leftOut = redacted.length > 0 ? [...ignore, ...parsePaths(redacted)] : ignore;
        if (recorded !== undefined) {
          result.differences = jsonDiff(answerOf(recorded), answerOf(heard.message), leftOut);
        } else if (exchange?.outcome === 'cancelled' || exchange?.outcome === 'unanswered') {
          // The recorded client gave up on it (a probe that timed out, a cancelled call): there is
          // no answer to hold the live one up against, and the server answering now is no drift.
          result.note = `not compared: the tape has no answer (${exchange.outcome === 'cancelled' ? 'the client cancelled it' : 'the client stopped waiting'})`;
        } else {
          result.differences = [{ path: '(answer)', kind: 'added', live: answerOf(heard.message) }];
        }
      }
      if (result.differences.length > 0) result.status = 'changed';
    }
    report(result);
  }
  // Streams the client never closed on the tape are closed now, so the server lets them go.
  for (const stream of streams.values()) closeStream(stream.id);
  await upstream.close();
  // A server that never ran has not drifted: that is an error of its own.
  if (startFailed) throw new Error(startFailed);
  return results;

  function report(result: VerifiedRequest): void {
    results.push(result);
    options.onResult?.(result);
  }
}

/** The part of an acknowledgement that is compared: what it honoured, not the subscription id it was stamped with. */
function ackOf(message: unknown): Record<string, unknown> {
  const params = isObject(message) && isObject(message.params) ? { ...message.params } : {};
  delete params._meta;
  return { params };
}

/**
 * The tape's frames in the groups that are re-driven on one connection each: a 2025 session (it
 * begins with initialize) on a connection of its own, as it was recorded; the sessionless 2026
 * traffic together, in tape order, as one client would send it (a multi round-trip call's rounds
 * may have gone in separate HTTP requests).
 */
export function sessionGroups(frames: TapeFrame[]): TapeFrame[][] {
  const handshaken = new Set(frames.filter((f) => f.direction === 'c2s' && f.kind === 'request' && f.method === 'initialize').map((f) => f.session));
  const groups = new Map<string, TapeFrame[]>();
  for (const frame of frames) {
    const key = handshaken.has(frame.session) ? `session ${frame.session}` : 'sessionless';
    const group = groups.get(key) ?? [];
    group.push(frame);
    groups.set(key, group);
  }
  return [...groups.values()];
}
