/** Messages held at breakpoints, with how long they have waited and how long they have left; shown only while something is held. */
import { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import type { TuiState } from '../state.js';
import { pausedRow } from '../format.js';
import { fit } from '../text.js';

/** Height the pane wants: nothing when nothing is held; else a title, up to six rows, a border. */
export function heldPaneHeight(state: TuiState): number {
  return state.paused.length === 0 ? 0 : Math.min(state.paused.length, 6) + 3;
}

/** The current time, once a second while something is held (the countdowns move). */
export function useClock(active: boolean, now: () => number): number {
  const [time, setTime] = useState(now);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setTime(now()), 1000);
    return () => clearInterval(timer);
  }, [active, now]);
  return time;
}

export function HeldPane({ state, width, height, focused, now }: { state: TuiState; width: number; height: number; focused: boolean; now: number }) {
  if (height <= 0) return null;
  const inner = Math.max(1, height - 3);
  const selected = Math.min(state.heldIndex, state.paused.length - 1);
  const top = Math.max(0, Math.min(selected - inner + 1, state.paused.length - inner));
  const rows = state.paused.slice(top, top + inner);
  const rowWidth = width - 2;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'yellow' : 'gray'}>
      <Text bold color="yellow" wrap="truncate-end">
        {fit(`held: ${state.paused.length}   a resume  A all  x drop  e edit  m mock`, rowWidth)}
      </Text>
      {rows.map((p, i) => (
        <Text key={p.pauseId} color="yellow" inverse={focused && top + i === selected} wrap="truncate-end">
          {pausedRow(p, now, rowWidth)}
        </Text>
      ))}
    </Box>
  );
}
