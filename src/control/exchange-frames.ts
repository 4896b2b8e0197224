/**
 * The control channel's views as the exchange model reads them (src/core/exchange.ts): a frame,
 * a held message (placed where it arrived), and a hello's history with the holds still open put
 * back in wire order. Pure and browser-safe: the terminal UI and the browser console pair frames
 * into exchanges with this and the same model, so both show the same thing.
 */
import type { ExchangeFrame } from '../core/exchange.js';
import { parseOrUndefined as parse } from '../core/jsonrpc.js';
import type { FrameView, PausedView, ServerMessage } from './protocol.js';

type Hello = Extract<ServerMessage, { type: 'hello' }>;

/** Bytes of `text` as UTF-8, without encoding it (a console does this for every frame). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      // A surrogate pair is four bytes, two UTF-16 units.
      bytes += 2;
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * One frame the proxy reported, as an exchange frame: its session is its conversation, and its
 * seq its place in wire order (for a message that was held, where it arrived).
 */
export function exchangeFrameOfView(view: FrameView): ExchangeFrame {
  const frame: ExchangeFrame = {
    seq: view.heldSeq ?? view.seq,
    conversation: view.sessionId,
    direction: view.direction,
    kind: view.kind,
    time: view.time,
    action: view.action,
    flags: view.flags,
    message: parse(view.text),
    bytes: utf8Length(view.text),
    text: view.text,
  };
  // An answer carries its request's method, as a tape's frames do.
  const method = view.method ?? view.requestMethod;
  if (method !== undefined) frame.method = method;
  if (view.id !== undefined) frame.id = view.id;
  if (view.latencyMs !== undefined) frame.latencyMs = view.latencyMs;
  if (view.note !== undefined) frame.note = view.note;
  if (view.original !== undefined) frame.original = view.original;
  if (view.method === undefined && view.toolName !== undefined) frame.name = view.toolName;
  if (view.pauseId !== undefined) frame.pauseId = view.pauseId;
  return frame;
}

/** A held message, placed where it arrived (its `seq`), until the frame that ends the hold takes its place. */
export function heldFrameOf(paused: PausedView): ExchangeFrame {
  const frame: ExchangeFrame = {
    seq: paused.seq,
    conversation: paused.sessionId,
    direction: paused.direction,
    kind: paused.kind,
    time: paused.pausedAt,
    action: 'pause',
    flags: [],
    message: parse(paused.text),
    bytes: utf8Length(paused.text),
    text: paused.text,
    held: true,
    pauseId: paused.pauseId,
  };
  const method = paused.method ?? paused.requestMethod;
  if (method !== undefined) frame.method = method;
  if (paused.id !== undefined) frame.id = paused.id;
  if (paused.reason !== undefined) frame.note = paused.reason;
  if (paused.method === undefined && paused.toolName !== undefined) frame.name = paused.toolName;
  return frame;
}

/**
 * A hello's frames and open holds in wire order: a frame that was held goes where it arrived
 * (`heldSeq`), a hold still open where its `seq` says, so a console attached late lists them
 * as one attached early would.
 */
export function helloFrames(hello: Pick<Hello, 'frames' | 'paused'>): ExchangeFrame[] {
  const placed = [
    ...hello.frames.map((view) => ({ at: view.heldSeq ?? view.seq, frame: exchangeFrameOfView(view) })),
    ...hello.paused.map((paused) => ({ at: paused.seq, frame: heldFrameOf(paused) })),
  ];
  placed.sort((a, b) => a.at - b.at);
  return placed.map((p) => p.frame);
}
