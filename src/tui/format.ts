/** Turning frames and paused messages into the short strings and colours the UI shows. */
import type { FrameView, PausedView } from '../control/protocol.js';
import type { Direction, JsonRpcId } from '../core/jsonrpc.js';

export type Tone = 'error' | 'paused' | 'changed' | 'blocked' | 'quiet' | 'normal';

/** Ink colour names for each tone. */
export const TONE_COLOR: Record<Tone, string | undefined> = {
  error: 'red',
  blocked: 'red',
  paused: 'yellow',
  changed: 'magenta',
  quiet: 'gray',
  normal: undefined,
};

export function arrow(direction: Direction): string {
  return direction === 'c2s' ? '→' : '←';
}

export function clockTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function idText(id: JsonRpcId | undefined): string {
  return id === undefined ? '' : JSON.stringify(id);
}

/** "tools/call echo", "initialize", "↳ tools/call echo" for an answer. */
export function whatText(item: { kind: string; method?: string; requestMethod?: string; toolName?: string }): string {
  const method = item.method ?? item.requestMethod ?? (item.kind === 'invalid' ? '(not JSON-RPC)' : '?');
  const tool = item.toolName ? ` ${item.toolName}` : '';
  const answer = item.method === undefined && (item.kind === 'response' || item.kind === 'error') ? '↳ ' : '';
  return `${answer}${method}${tool}`;
}

export function frameTone(frame: FrameView): Tone {
  if (frame.kind === 'error' || frame.kind === 'invalid') return 'error';
  if (frame.action.includes('block') || frame.action.includes('drop')) return 'blocked';
  if (/modify|mock|synthesized|edit/.test(frame.action) || frame.original !== undefined) return 'changed';
  if (frame.action.includes('pause')) return 'paused';
  if (frame.kind === 'notification') return 'quiet';
  return 'normal';
}

export function latencyText(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 10 ? `${ms.toFixed(1)}ms` : ms < 10_000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** Pads or cuts to exactly `width` characters (by code point, good enough for a terminal grid). */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = Array.from(text);
  if (chars.length > width) return width === 1 ? '…' : `${chars.slice(0, width - 1).join('')}…`;
  return text + ' '.repeat(width - chars.length);
}

/** One list row, as columns; the widths leave the method the room that is left. */
export function frameRow(frame: FrameView, width: number): string {
  const time = clockTime(frame.time);
  const id = fit(idText(frame.id), 5);
  const latency = fit(latencyText(frame.latencyMs), 6);
  const status = fit(frame.kind === 'error' ? `error ${frame.action === 'continue' ? '' : frame.action}`.trim() : frame.action, 14);
  const fixed = time.length + 3 + 1 + 5 + 1 + 6 + 1 + 14;
  const what = fit(whatText(frame), Math.max(8, width - fixed));
  return `${time} ${arrow(frame.direction)} ${what} ${id} ${latency} ${status}`;
}

export function secondsText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

export function pausedRow(paused: PausedView, now: number, width: number): string {
  const head = `#${paused.pauseId} ${arrow(paused.direction)} `;
  const tail = ` id ${fit(idText(paused.id), 5)} held ${fit(secondsText(now - paused.pausedAt), 4)} left ${fit(secondsText(paused.deadline - now), 4)}`;
  const what = fit(whatText(paused) + (paused.reason ? `  (${paused.reason})` : ''), Math.max(8, width - head.length - tail.length));
  return `${head}${what}${tail}`;
}

/** The message pretty-printed, or as it came when it is not JSON. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
