/** The live list of frames: only the rows that fit are drawn, however many frames are kept. */
import { useRef } from 'react';
import { Box, Text } from 'ink';
import type { FrameView } from '../../control/protocol.js';
import { selectedIndex, type TuiState } from '../state.js';
import { arrow, clockTime, fit, frameRow, frameTone, TONE_COLOR } from '../format.js';

/** The first row to show so the selected row stays in view, moving the window as little as possible. */
export function windowTop(previousTop: number, selected: number, count: number, height: number): number {
  if (count <= height || height <= 0) return 0;
  let top = Math.min(previousTop, count - height);
  if (selected < top) top = selected;
  else if (selected >= top + height) top = selected - height + 1;
  return Math.max(0, top);
}

function Row({ frame, width, selected }: { frame: FrameView; width: number; selected: boolean }) {
  const text = frameRow(frame, width);
  const color = TONE_COLOR[frameTone(frame)];
  // time + space, then the arrow, then the rest: coloured separately so direction stands out.
  const time = clockTime(frame.time);
  const rest = text.slice(time.length + 3);
  return (
    <Text wrap="truncate-end" inverse={selected}>
      <Text color="gray">{time} </Text>
      <Text color={frame.direction === 'c2s' ? 'cyan' : 'green'}>{arrow(frame.direction)} </Text>
      <Text color={color}>{rest}</Text>
    </Text>
  );
}

export function MessageList({ state, width, height, focused }: { state: TuiState; width: number; height: number; focused: boolean }) {
  const top = useRef(0);
  // Borders and the title line.
  const inner = Math.max(1, height - 3);
  const count = state.log.visibleCount;
  const selected = selectedIndex(state);
  top.current = windowTop(top.current, selected, count, inner);
  const rows = state.log.visibleSlice(top.current, top.current + inner);
  const empty = state.log.total === 0 ? 'waiting for messages' : 'no frame matches the filter';
  const position = count === 0 ? '' : `${selected + 1}/${count}${state.selectedSeq === undefined ? '  following new messages' : ''}`;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'} overflow="hidden">
      <Text bold color={focused ? 'cyan' : 'gray'} wrap="truncate-end">
        {fit(`messages ${position}`, width - 2)}
      </Text>
      {rows.length === 0 ? (
        <Text color="gray">{fit(empty, width - 2)}</Text>
      ) : (
        rows.map((frame, i) => <Row key={frame.seq} frame={frame} width={width - 2} selected={focused && top.current + i === selected} />)
      )}
    </Box>
  );
}
