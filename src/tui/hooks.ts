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
/** The frame budget: under a burst the list is redrawn at most this often (keys redraw at once). */
const FRAME_MS = 100;

/**
 * Feeds the link's messages into the store in batches: a busy proxy sends thousands of frames a
 * second, and one React update per frame would be the bottleneck. A quiet proxy's message shows
 * within BATCH_MS; under a burst, redraws come no closer than FRAME_MS. Returns a detach function.
 */
export function feedStore(link: ControlLink, store: TuiStore): () => void {
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
  link.onmessage = (message) => {
    pending.push(message);
    timer ??= setTimeout(flush, Math.max(BATCH_MS, last + FRAME_MS - Date.now()));
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
