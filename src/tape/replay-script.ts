/**
 * What a tape says the server did, arranged for replay: each recorded request with its answer and
 * the progress it reported, and the server's other messages (notifications, its own requests)
 * anchored to the client message they followed, so they come back at the same point.
 */
import { isObject, type JsonObject, type JsonRpcId } from '../core/jsonrpc.js';
import type { TapeFrame } from './types.js';

export interface RecordedExchange {
  request: TapeFrame;
  message: JsonObject;
  method: string;
  params: unknown;
  progressToken?: JsonRpcId;
  /** Paths into params whose value was redacted on the tape (any value matches them on replay). */
  redacted: string[][];
  response?: TapeFrame;
  /** Progress notifications carrying this request's token, in order. */
  progress: TapeFrame[];
  /** Other server messages that followed this request before the client's next message. */
  followers: TapeFrame[];
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
}

function parse(frame: TapeFrame): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(frame.message);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function tokenOf(params: unknown): JsonRpcId | undefined {
  if (!isObject(params) || !isObject(params._meta)) return undefined;
  const token = params._meta.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

/** Redacted paths of a request (from the message root) as paths into its params. */
function paramsPaths(redacted: string[]): string[][] {
  return redacted.filter((path) => path.startsWith('params.')).map((path) => path.split('.').slice(1));
}

export function buildReplayScript(frames: TapeFrame[]): ReplayScript {
  const script: ReplayScript = { exchanges: [], notifications: new Map(), clientAnswers: new Map() };
  // Per recorded session: ids and tokens only mean something within one session.
  const sessions = new Map<number, TapeFrame[]>();
  for (const frame of frames) {
    if (frame.flags.includes('synthesized') || frame.action === 'block' || frame.kind === 'invalid') continue;
    const list = sessions.get(frame.session) ?? [];
    list.push(frame);
    sessions.set(frame.session, list);
  }
  for (const sessionFrames of sessions.values()) {
    const openRequests = new Map<string, RecordedExchange>();
    const byToken = new Map<string, RecordedExchange>();
    const serverRequests = new Map<string, TapeFrame>();
    let anchor: { followers: TapeFrame[] } | undefined;
    for (const frame of sessionFrames) {
      const message = parse(frame);
      if (!message) continue;
      if (frame.direction === 'c2s') {
        if (frame.kind === 'request' && typeof message.method === 'string') {
          const exchange: RecordedExchange = {
            request: frame,
            message,
            method: message.method,
            params: message.params,
            progressToken: tokenOf(message.params),
            redacted: paramsPaths(frame.redacted),
            progress: [],
            followers: [],
          };
          openRequests.set(frame.id ?? '', exchange);
          if (exchange.progressToken !== undefined) byToken.set(JSON.stringify(exchange.progressToken), exchange);
          if (exchange.method === 'initialize' && !script.initialize) script.initialize = exchange;
          else script.exchanges.push(exchange);
          anchor = exchange;
        } else if (frame.kind === 'notification' && typeof message.method === 'string') {
          const notification: NotificationAnchor = { frame, method: message.method, followers: [] };
          const list = script.notifications.get(message.method) ?? [];
          list.push(notification);
          script.notifications.set(message.method, list);
          anchor = notification;
        } else if ((frame.kind === 'response' || frame.kind === 'error') && frame.id !== undefined) {
          const asked = serverRequests.get(frame.id);
          if (asked) script.clientAnswers.set(asked.seq, frame);
        }
        continue;
      }
      // Server to client.
      if ((frame.kind === 'response' || frame.kind === 'error') && frame.id !== undefined) {
        const exchange = openRequests.get(frame.id);
        if (exchange && !exchange.response) {
          exchange.response = frame;
          openRequests.delete(frame.id);
          continue;
        }
      }
      if (frame.method === 'notifications/progress' && isObject(message.params)) {
        const owner = byToken.get(JSON.stringify(message.params.progressToken));
        if (owner) {
          owner.progress.push(frame);
          continue;
        }
      }
      if (frame.kind === 'request' && frame.id !== undefined) serverRequests.set(frame.id, frame);
      if (frame.kind === 'request' || frame.kind === 'notification') anchor?.followers.push(frame);
    }
  }
  return script;
}
