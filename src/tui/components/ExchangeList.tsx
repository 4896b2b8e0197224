/** The list of exchanges (and events), one row each, the parts of an expanded one under it; only the rows that fit are drawn. */
import { useRef } from 'react';
import { Box, Text } from 'ink';
import { rowsOf, selectedIndex, type TuiState } from '../state.js';
import { columnsFor, rowCells, TONE_COLOR } from '../format.js';
import { timeFormatter } from '../controller.js';
import { fit } from '../text.js';

/** The first row to show so the selected row stays in view, moving the window as little as possible. */
export function windowTop(previousTop: number, selected: number, count: number, height: number): number {
  if (count <= height || height <= 0) return 0;
  let top = Math.min(previousTop, count - height);
  if (selected < top) top = selected;
  else if (selected >= top + height) top = selected - height + 1;
  return Math.max(0, top);
}

export function ExchangeList({ state, width, height, focused }: { state: TuiState; width: number; height: number; focused: boolean }) {
  const top = useRef(0);
  // Borders and the title line.
  const inner = Math.max(1, height - 3);
  const rows = rowsOf(state);
  const selected = selectedIndex(state, rows);
  top.current = windowTop(top.current, selected, rows.length, inner);
  const shown = rows.slice(top.current, top.current + inner);
  const columns = columnsFor(width - 2);
  const timeOf = timeFormatter(state);
  const empty = state.log.size === 0 && !state.log.isFrozen ? (state.source === 'tape' ? 'the tape is empty' : 'waiting for messages') : 'nothing matches the filter';
  const following = state.selected === undefined && !state.log.isFrozen ? '  following new messages' : '';
  const position = rows.length === 0 ? '' : `${selected + 1}/${rows.length}${following}`;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'}>
      <Text bold color={focused ? 'cyan' : 'gray'} wrap="truncate-end">
        {fit(`exchanges ${position}`, width - 2)}
      </Text>
      {shown.length === 0 ? (
        <Text color="gray">{fit(empty, width - 2)}</Text>
      ) : (
        shown.map((row, i) => {
          const cells = rowCells(row.item, row.part, columns, timeOf);
          const isSelected = top.current + i === selected;
          return (
            <Text key={`${row.item.seq}:${i}`} wrap="truncate-end" inverse={isSelected && focused} underline={isSelected && !focused}>
              <Text color="gray">{cells.time} </Text>
              <Text color={row.item.type === 'exchange' && row.item.exchange.direction === 's2c' ? 'green' : 'cyan'}>{cells.arrow} </Text>
              <Text color={TONE_COLOR[cells.tone]} bold={cells.tone === 'held'}>
                {cells.what} {cells.rest}
              </Text>
            </Text>
          );
        })
      )}
    </Box>
  );
}
