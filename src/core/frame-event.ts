/** A FrameEvent for a message the pipeline did not carry itself (relayed, replayed, passed through). */
import type { FrameEvent, TransportKind } from './context.js';
import type { Direction } from './jsonrpc.js';
import { summarize } from './jsonrpc.js';

export function frameEventFor(
  frame: { sessionId: string; transport: TransportKind; direction: Direction; text: string },
  extra: Partial<Pick<FrameEvent, 'action' | 'flags' | 'latencyMs' | 'requestMethod' | 'note'>> = {},
): FrameEvent {
  let message: unknown;
  try {
    message = JSON.parse(frame.text);
  } catch {
    message = undefined;
  }
  return {
    ...frame,
    at: performance.now(),
    message,
    summary: message === undefined ? { kind: 'invalid', hasId: false } : summarize(message),
    action: extra.action ?? 'continue',
    flags: extra.flags ?? [],
    latencyMs: extra.latencyMs,
    requestMethod: extra.requestMethod,
    note: extra.note,
  };
}
