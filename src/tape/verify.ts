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
  /** Paths of the answer left out of the comparison because the tape has them redacted. */
  redacted?: string[];
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
      const message = parse(frame.message);
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
  const secrets = options.secrets ?? {};
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
      const message = parse(withSecrets(frame, secrets));
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
  let startFailed: string | undefined;
  upstream.onclose = (info) => {
    closed = info.reason;
    if (info.startFailed) startFailed = info.reason;
    for (const resolve of waiting.values()) resolve({ jsonrpc: '2.0', id: null, error: { code: -32002, message: info.reason } });
    waiting.clear();
  };
  await upstream.start();

  for (const frame of frames) {
    if (!sentByClient(frame) || (frame.kind !== 'request' && frame.kind !== 'notification')) continue;
    const message = parse(frame.message);
    if (!message) continue;
    const text = withSecrets(frame, secrets);
    if (frame.kind === 'notification') {
      upstream.send(text, { summary: summarize(message) });
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
          upstream.send(text, { summary: summarize(message) });
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
      // A value redacted on the tape cannot be compared: whatever the server says there is not drift.
      if (recorded && recorded.redacted.length > 0) result.redacted = recorded.redacted;
      const leftOut = recorded && recorded.redacted.length > 0 ? [...ignore, ...parsePaths(recorded.redacted)] : ignore;
      result.differences = recorded ? jsonDiff(answerOf(parse(recorded.message)), answerOf(live), leftOut) : [{ path: '(answer)', kind: 'added', live: answerOf(live) }];
      if (result.differences.length > 0) result.status = 'changed';
    }
    results.push(result);
    options.onResult?.(result);
  }
  await upstream.close();
  // A server that never ran has not drifted: that is an error of its own.
  if (startFailed) throw new Error(startFailed);
  return results;
}
