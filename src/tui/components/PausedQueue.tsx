/** Messages held at breakpoints, with how long they have waited and how long they have left. */
import { useEffect, useState } from 'react';
import { Box, Text } from 'ink';
import type { TuiState } from '../state.js';
import { fit, pausedRow } from '../format.js';

/** Height the queue pane wants: a title, up to six rows, a border. */
export function pausedPaneHeight(state: TuiState): number {
  return Math.min(Math.max(state.paused.length, 1), 6) + 3;
}

/** The current time, once a second while something is paused (the countdowns move). */
function useClock(active: boolean): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

export function PausedQueue({ state, width, height, focused }: { state: TuiState; width: number; height: number; focused: boolean }) {
  const now = useClock(state.paused.length > 0);
  const inner = Math.max(1, height - 3);
  const selected = Math.min(state.pausedIndex, state.paused.length - 1);
  const top = Math.max(0, Math.min(selected - inner + 1, state.paused.length - inner));
  const rows = state.paused.slice(top, top + inner);
  const rowWidth = width - 2;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'yellow' : 'gray'} overflow="hidden">
      <Text bold color={state.paused.length > 0 ? 'yellow' : 'gray'} wrap="truncate-end">
        {`paused: ${state.paused.length} waiting` + (state.paused.length > 0 ? '   a resume  A all  x drop  e edit  m mock' : '')}
      </Text>
      {rows.length === 0 ? (
        <Text color="gray">{fit('nothing held (b sets a breakpoint)', rowWidth)}</Text>
      ) : (
        rows.map((p, i) => (
          <Text key={p.pauseId} color="yellow" inverse={focused && top + i === selected} wrap="truncate-end">
            {pausedRow(p, now, rowWidth)}
          </Text>
        ))
      )}
    </Box>
  );
}
