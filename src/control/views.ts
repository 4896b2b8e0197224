/**
 * The control channel's plain views of the proxy's live objects, and the bounded history of
 * frames a client sees when it attaches.
 */
import type { FrameEvent } from '../core/context.js';
import { isObject, toolNameOf } from '../core/jsonrpc.js';
import type { PausedMessage } from '../core/pause.js';
import type { Session } from '../session/session.js';
import type { FrameView, PausedView, SessionView } from './protocol.js';

/**
 * A FrameEvent as the UI shows it. Only references and numbers are copied (the text is the string
 * the pipeline already has; nothing is serialised here), so it is cheap enough to build for every
 * frame, and it lets go of the parsed message, which the history must not keep alive.
 */
export function frameView(event: FrameEvent, seq: number): FrameView {
  const { summary } = event;
  const view: FrameView = {
    seq,
    time: Math.round(performance.timeOrigin + event.at),
    sessionId: event.sessionId,
    direction: event.direction,
    kind: summary.kind,
    action: event.action,
    flags: event.flags,
    text: event.text,
  };
  if (summary.method !== undefined) view.method = summary.method;
  if (event.requestMethod !== undefined) view.requestMethod = event.requestMethod;
  // Only a tools/call names a tool: anything else is not read (a message nobody reads is never parsed).
  const toolName = event.toolName ?? (summary.method === 'tools/call' ? toolNameOf(summary.method, isObject(event.message) ? event.message.params : undefined) : undefined);
  if (toolName !== undefined) view.toolName = toolName;
  if (summary.id !== undefined) view.id = summary.id;
  if (event.latencyMs !== undefined) view.latencyMs = Math.round(event.latencyMs * 1000) / 1000;
  if (event.note !== undefined) view.note = event.note;
  if (event.original !== undefined) view.original = event.original;
  if (event.pauseId !== undefined) view.pauseId = event.pauseId;
  return view;
}

/** A held message as the UI shows it; `seq` is the place in wire order the hub gave it on arrival. */
export function pausedView(paused: PausedMessage, seq: number): PausedView {
  const { summary, message } = paused;
  const view: PausedView = {
    pauseId: paused.pauseId,
    seq,
    sessionId: paused.sessionId,
    direction: paused.direction,
    kind: summary.kind,
    text: currentText(paused),
    pausedAt: paused.pausedAt,
    deadline: paused.deadline,
    timer: paused.timer,
  };
  if (paused.cancelled) view.cancelled = { ...paused.cancelled };
  if (summary.method !== undefined) view.method = summary.method;
  if (paused.request !== undefined) view.requestMethod = paused.request.method;
  const toolName = summary.method !== undefined ? toolNameOf(summary.method, isObject(message) ? message.params : undefined) : toolNameOf(paused.request?.method, paused.request?.params);
  if (toolName !== undefined) view.toolName = toolName;
  if (summary.id !== undefined) view.id = summary.id;
  if (paused.reason !== undefined) view.reason = paused.reason;
  return view;
}

/** The text as it arrived when no earlier interceptor changed it (keeps the sender's formatting). */
function currentText(paused: PausedMessage): string {
  if (paused.message === undefined) return paused.raw;
  const now = JSON.stringify(paused.message);
  try {
    return JSON.stringify(JSON.parse(paused.raw)) === now ? paused.raw : now;
  } catch {
    return now;
  }
}

export function sessionView(session: Session): SessionView {
  const view: SessionView = { id: session.id, transport: session.transport, createdAt: session.createdAt, lastActiveAt: session.lastActiveAt };
  if (typeof session.clientInfo?.name === 'string') view.clientName = session.clientInfo.name;
  if (typeof session.serverInfo?.name === 'string') view.serverName = session.serverInfo.name;
  if (session.protocolVersion !== undefined) view.protocolVersion = session.protocolVersion;
  return view;
}

/** The last `capacity` frames, and no more than `maxChars` of message text in all, oldest first. */
export class FrameHistory {
  private readonly slots: (FrameView | undefined)[];
  private start = 0;
  private count = 0;
  private chars = 0;

  constructor(
    readonly capacity = 1000,
    readonly maxChars = 16 * 1024 * 1024,
  ) {
    this.slots = new Array<FrameView | undefined>(Math.max(1, capacity));
  }

  push(view: FrameView): void {
    if (this.count === this.slots.length) this.dropOldest();
    this.slots[(this.start + this.count) % this.slots.length] = view;
    this.count++;
    this.chars += sizeOf(view);
    while (this.chars > this.maxChars && this.count > 1) this.dropOldest();
  }

  toArray(): FrameView[] {
    const out: FrameView[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.slots[(this.start + i) % this.slots.length]!);
    return out;
  }

  get size(): number {
    return this.count;
  }

  private dropOldest(): void {
    const oldest = this.slots[this.start]!;
    this.slots[this.start] = undefined;
    this.start = (this.start + 1) % this.slots.length;
    this.count--;
    this.chars -= sizeOf(oldest);
  }
}

const sizeOf = (view: FrameView) => view.text.length + (view.original?.length ?? 0);
