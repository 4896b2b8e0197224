/**
 * Verify: re-drive a real server with a tape's client messages, in order, and compare each answer
 * with the recorded one. The server's own requests (roots/list, sampling, ...) are answered from
 * the tape. Ids are never compared, timestamps only as timestamps, and `ignore` paths not at all.
 */
import { idKey, isObject, summarize, type JsonObject, type JsonRpcId } from '../core/jsonrpc.js';
import type { Transport } from '../transports/transport.js';
import { parsePaths } from './canonical.js';
import { answerOf, jsonDiff, type Difference } from './json-diff.js';
import { describeRequest } from './matcher.js';
import type { TapeFrame } from './types.js';

export interface VerifiedRequest {
  seq: number;
  method: string;
  request: string;
  status: 'same' | 'changed' | 'no-answer';
  differences: Difference[];
  recordedLatencyMs?: number;
  liveLatencyMs?: number;
  error?: string;
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
}

const parse = (text: string): JsonObject | undefined => {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

/** One recorded session's client side, replayed against `upstream`. */
export async function verifySession(frames: TapeFrame[], upstream: Transport, options: VerifyOptions = {}): Promise<VerifiedRequest[]> {
  const ignore = parsePaths(options.ignore ?? []);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const results: VerifiedRequest[] = [];
  const recordedAnswers = new Map<string, TapeFrame>();
  const serverRequests = new Map<string, TapeFrame>();
  // The client's recorded answers to the server's requests, by the server request's method, in order.
  const clientAnswers = new Map<string, JsonObject[]>();
  for (const frame of frames) {
    if (frame.direction === 's2c' && (frame.kind === 'response' || frame.kind === 'error') && frame.id !== undefined && !frame.flags.includes('synthesized')) {
      if (!recordedAnswers.has(frame.id)) recordedAnswers.set(frame.id, frame);
    }
    if (frame.direction === 's2c' && frame.kind === 'request' && frame.id !== undefined) serverRequests.set(frame.id, frame);
    if (frame.direction === 'c2s' && (frame.kind === 'response' || frame.kind === 'error') && frame.id !== undefined) {
      const asked = serverRequests.get(frame.id);
      const message = parse(frame.message);
      if (asked?.method && message) clientAnswers.set(asked.method, [...(clientAnswers.get(asked.method) ?? []), message]);
    }
  }

  const waiting = new Map<string, (message: JsonObject) => void>();
  let closed: string | undefined;
  upstream.onmessage = (text) => {
    const message = parse(text);
    if (!message) return;
    const summary = summarize(message);
    if (summary.kind === 'response' || summary.kind === 'error') {
      const key = idKey(summary.id);
      waiting.get(key)?.(message);
      waiting.delete(key);
    } else if (summary.kind === 'request') {
      // The server asks the client something: answer as the client did on the tape.
      const answers = clientAnswers.get(summary.method!) ?? [];
      const recorded = answers.length > 1 ? answers.shift()! : answers[0];
      const reply = recorded ? { ...recorded, id: summary.id ?? null } : { jsonrpc: '2.0', id: summary.id ?? null, error: { code: -32601, message: `the tape has no client answer to ${summary.method}` } };
      upstream.send(JSON.stringify(reply), { summary: summarize(reply) });
    }
  };
  upstream.ondeliveryfailed = (text, reason) => {
    const id = parse(text)?.id as JsonRpcId | undefined;
    if (id !== undefined) waiting.get(idKey(id))?.({ jsonrpc: '2.0', id, error: { code: -32002, message: reason } });
  };
  upstream.onclose = (info) => {
    closed = info.reason;
    for (const resolve of waiting.values()) resolve({ jsonrpc: '2.0', id: null, error: { code: -32002, message: info.reason } });
    waiting.clear();
  };
  await upstream.start();

  for (const frame of frames) {
    if (frame.direction !== 'c2s' || (frame.kind !== 'request' && frame.kind !== 'notification')) continue;
    // What the proxy answered itself never reached the server then, so it does not now.
    if (frame.action.includes('block') || frame.action.includes('mock')) continue;
    const message = parse(frame.message);
    if (!message) continue;
    if (frame.kind === 'notification') {
      upstream.send(frame.message, { summary: summarize(message) });
      continue;
    }
    const method = String(message.method);
    const recorded = frame.id === undefined ? undefined : recordedAnswers.get(frame.id);
    const started = performance.now();
    const live = closed
      ? undefined
      : await new Promise<JsonObject | undefined>((resolve) => {
          const timer = setTimeout(() => {
            waiting.delete(idKey(message.id as JsonRpcId));
            resolve(undefined);
          }, timeoutMs);
          waiting.set(idKey(message.id as JsonRpcId), (answer) => {
            clearTimeout(timer);
            resolve(answer);
          });
          upstream.send(frame.message, { summary: summarize(message) });
        });
    const result: VerifiedRequest = {
      seq: frame.seq,
      method,
      request: describeRequest(method, message.params),
      status: 'same',
      differences: [],
      recordedLatencyMs: recorded?.latencyMs,
    };
    if (!live) {
      result.status = 'no-answer';
      result.error = closed ? `the server closed: ${closed}` : `no answer within ${timeoutMs} ms`;
    } else {
      result.liveLatencyMs = performance.now() - started;
      // initialize answers name the server's version; a new version is drift like any other.
      result.differences = recorded ? jsonDiff(answerOf(parse(recorded.message)), answerOf(live), ignore) : [{ path: '(answer)', kind: 'added', live: answerOf(live) }];
      if (result.differences.length > 0) result.status = 'changed';
    }
    results.push(result);
    options.onResult?.(result);
  }
  await upstream.close();
  return results;
}
