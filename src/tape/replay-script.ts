/**
 * What a tape says the server did, arranged for replay, read through the exchange model
 * (src/core/exchange.ts): each recorded request with its answer and what belongs to it (progress,
 * log messages), the rounds of a multi round-trip call linked to each other, `subscriptions/listen`
 * streams with their acknowledgement and notifications, and the server's other messages
 * (notifications, its own requests) anchored to the client message they followed, so they come
 * back at the same point.
 */
import { answerReceived, type Exchange } from '../core/exchange.js';
import { parseObject, type JsonObject, type JsonRpcId } from '../core/jsonrpc.js';
import { resultTypeOf } from '../core/era.js';
import { tapeExchanges } from './exchanges.js';
import type { TapeFrame } from './types.js';
import { progressTokenOf } from '../core/lazy-message.js';

export interface RecordedExchange {
  /** The exchange as the model groups it. */
  exchange: Exchange;
  request: TapeFrame;
  message: JsonObject;
  method: string;
  params: unknown;
  progressToken?: JsonRpcId;
  /** Paths into params whose value was redacted on the tape (any value matches them on replay). */
  redacted: string[][];
  response?: TapeFrame;
  /** Server notifications that belong to this request (progress, its log messages), in order. */
  progress: TapeFrame[];
  /** Other server messages that followed this request before the client's next message. */
  followers: TapeFrame[];
  /** A multi round-trip call: the round this one retries, and the retry that followed it. */
  previous?: RecordedExchange;
  next?: RecordedExchange;
  /** For `subscriptions/listen`: the stream it opened (its notifications are followers of wherever they happened). */
  listen?: { subscriptionId: JsonRpcId };
}

export interface NotificationAnchor {
  frame: TapeFrame;
  method: string;
  followers: TapeFrame[];
}

export interface ReplayScript {
  initialize?: RecordedExchange;
  exchanges: RecordedExchange[];
  /** Client notifications (by method) and the server messages that followed each. */
  notifications: Map<string, NotificationAnchor[]>;
  /** The client's recorded answers to the server's requests, by the server request's frame seq. */
  clientAnswers: Map<number, TapeFrame>;
  /** Server messages delivered on a listen stream, by frame seq: the listen they belong to. */
  streamOf: Map<number, RecordedExchange>;
}


/** Redacted paths of a request (from the message root) as paths into its params. */
function paramsPaths(redacted: string[]): string[][] {
  return redacted.filter((path) => path.startsWith('params.')).map((path) => path.split('.').slice(1));
}

/** A server message a rule or a person stopped: the client never saw it, so replay does not send it. */
function stopped(frame: TapeFrame): boolean {
  return frame.action.split('>').at(-1) === 'block' && !frame.flags.includes('synthesized');
}

/** Whether a recorded round ended asking the client for input (a multi round-trip call goes on). */
export function asksForInput(exchange: RecordedExchange): boolean {
  const message = exchange.response ? parseObject(exchange.response.message) : undefined;
  return resultTypeOf(message) === 'input_required';
}

/**
 * Builds the script. What the proxy answered itself when the tape was made (a block, a mock, an
 * error it synthesized) is part of it: replay answers as recorded.
 */
export function buildReplayScript(frames: TapeFrame[]): ReplayScript {
  const script: ReplayScript = { exchanges: [], notifications: new Map(), clientAnswers: new Map(), streamOf: new Map() };
  const usable = frames.filter((frame) => frame.kind !== 'invalid');
  const bySeq = new Map(usable.map((frame) => [frame.seq, frame]));
  const log = tapeExchanges(usable);

  const recorded = new Map<string, RecordedExchange>();
  const bySeqOfRequest = new Map<number, RecordedExchange>();
  /** Frames played with the request they belong to, not where they happened. */
  const owned = new Set<number>();
  for (const exchange of log.exchanges()) {
    const request = bySeq.get(exchange.request.seq)!;
    if (exchange.direction === 's2c') {
      // The server's own request (2025 era): the client's answer is what replay expects back.
      if (exchange.answer) script.clientAnswers.set(request.seq, bySeq.get(exchange.answer.seq)!);
      continue;
    }
    const message = parseObject(request.message);
    if (!message) continue;
    const entry: RecordedExchange = {
      exchange,
      request,
      message,
      method: exchange.method,
      params: message.params,
      progressToken: progressTokenOf(message.params),
      redacted: paramsPaths(request.redacted),
      progress: [],
      followers: [],
    };
    // What the client got is what replay answers: a rule's block or mock of the real answer included.
    const received = answerReceived(exchange);
    if (received) {
      entry.response = bySeq.get(received.seq)!;
      owned.add(entry.response.seq);
      if (received !== exchange.answer && exchange.answer) owned.add(exchange.answer.seq);
    }
    if (exchange.stream) entry.listen = { subscriptionId: exchange.stream.subscriptionId };
    for (const note of exchange.notifications) {
      if (note.direction !== 's2c') continue;
      const frame = bySeq.get(note.seq)!;
      if (stopped(frame)) continue;
      if (exchange.stream) {
        script.streamOf.set(frame.seq, entry);
      } else {
        entry.progress.push(frame);
        owned.add(frame.seq);
      }
    }
    recorded.set(exchange.key, entry);
    bySeqOfRequest.set(request.seq, entry);
    if (entry.method === 'initialize' && !script.initialize) script.initialize = entry;
    else script.exchanges.push(entry);
  }
  for (const entry of recorded.values()) {
    const next = entry.exchange.call?.next;
    const retry = next === undefined ? undefined : recorded.get(next);
    if (retry) {
      entry.next = retry;
      retry.previous = entry;
    }
  }

  // Everything else the server sent comes back after the client message it followed, per
  // conversation (ids and tokens only mean something within one).
  const anchors = new Map<number, { followers: TapeFrame[] }>();
  for (const frame of usable) {
    if (frame.direction === 'c2s') {
      if (frame.kind === 'request') {
        const entry = bySeqOfRequest.get(frame.seq);
        if (entry) anchors.set(frame.session, entry);
      } else if (frame.kind === 'notification' && frame.method !== undefined) {
        const notification: NotificationAnchor = { frame, method: frame.method, followers: [] };
        const list = script.notifications.get(frame.method) ?? [];
        list.push(notification);
        script.notifications.set(frame.method, list);
        anchors.set(frame.session, notification);
      }
      continue;
    }
    if (owned.has(frame.seq) || stopped(frame)) continue;
    if (frame.kind === 'request' || frame.kind === 'notification') anchors.get(frame.session)?.followers.push(frame);
  }
  return script;
}
