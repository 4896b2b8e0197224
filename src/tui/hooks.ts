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

/**
 * Feeds the link's messages into the store in small batches: a busy proxy sends thousands of
 * frames a second, and one React update per frame would be the bottleneck. Returns a detach function.
 */
export function feedStore(link: ControlLink, store: TuiStore): () => void {
  let pending: ServerMessage[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const messages = pending;
    pending = [];
    if (messages.length > 0) store.dispatch({ type: 'server', messages });
  };
  link.onmessage = (message) => {
    pending.push(message);
    timer ??= setTimeout(flush, BATCH_MS);
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
