/** React glue: the store as state, the terminal's size as state, the link feeding the store. */
import { useEffect, useState, useSyncExternalStore } from 'react';
import { useStdout } from 'ink';
import type { ControlLink, ServerMessage } from '../control/protocol.js';
import type { TuiState, TuiStore } from './state.js';

export function useTuiState(store: TuiStore): TuiState {
  return useSyncExternalStore(store.subscribe, store.getState);
}

export interface TerminalSize {
  columns: number;
  rows: number;
}

function sizeOf(stdout: NodeJS.WriteStream): TerminalSize {
  return { columns: stdout.columns || 100, rows: stdout.rows || 30 };
}

/** The terminal's size, redrawn on 'resize'; a sane default when the stream does not say (pipes, tests). */
export function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

/** How long incoming messages are gathered before the store (and so React) hears of them. */
const BATCH_MS = 16;
/** Under a burst, redraws come no closer than this, however cheap they are. */
const MIN_GAP_MS = 100;
/** ...and no further apart than this, however costly. */
const MAX_GAP_MS = 1000;
/**
 * A redraw costs this many times what Ink reports for its output step (React's work and the
 * layout come on top), and drawing may take a twelfth of the time: under a burst the UI spends
 * about a quarter of one core on drawing, whatever the terminal's size.
 */
const SHARE = 12;

/** The frame budget: how long to wait between redraws under a burst, from what redraws cost. */
export class FrameBudget {
  private costMs = 0;

  /** One redraw's output time, as Ink reports it (its `onRender` metrics). */
  record(renderMs: number): void {
    this.costMs = this.costMs === 0 ? renderMs : this.costMs * 0.7 + renderMs * 0.3;
  }

  get gapMs(): number {
    return Math.min(MAX_GAP_MS, Math.max(MIN_GAP_MS, this.costMs * SHARE));
  }
}

/**
 * Feeds the link's messages into the store in batches: a busy proxy sends thousands of frames a
 * second, and one React update per frame would be the bottleneck. A quiet proxy's message shows
 * within BATCH_MS, and so does anything but a frame; under a burst, redraws come no closer than
 * the budget's gap (keys redraw at once). Returns a detach function.
 */
export function feedStore(link: ControlLink, store: TuiStore, budget: FrameBudget = new FrameBudget()): () => void {
  let pending: ServerMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const flush = () => {
    timer = undefined;
    last = Date.now();
    const messages = pending;
    pending = [];
    if (messages.length > 0) store.dispatch({ type: 'server', messages });
  };
  let due = 0;
  link.onmessage = (message) => {
    pending.push(message);
    // Holds, decisions and breakpoint changes are rare and matter: they do not wait for the budget.
    const at = message.type === 'frame' ? Math.max(Date.now() + BATCH_MS, last + budget.gapMs) : Date.now() + BATCH_MS;
    if (timer && at >= due) return;
    if (timer) clearTimeout(timer);
    due = at;
    timer = setTimeout(flush, at - Date.now());
  };
  link.onclose = (reason) => {
    if (timer) clearTimeout(timer);
    flush();
    store.dispatch({ type: 'closed', reason });
  };
  return () => {
    if (timer) clearTimeout(timer);
    link.onmessage = undefined;
    link.onclose = undefined;
  };
}
