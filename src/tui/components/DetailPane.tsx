/**
 * The selected exchange (or event), read in full: its summary and every message, wrapped to the
 * pane, scrolled with the keys when the pane has the focus, matches of the last search shown.
 */
import { useMemo } from 'react';
import { Box, Text } from 'ink';
import { selectedRow, type TuiState } from '../state.js';
import type { Controller } from '../controller.js';
import { detailOf, lineOfPart, type DetailLine } from '../detail.js';
import { partsOf } from '../../control/list-view.js';
import { clip, fit } from '../text.js';

/** A line with each occurrence of `needle` (case-insensitive) inverted. */
function Highlighted({ line, needle, width }: { line: DetailLine; needle?: string; width: number }) {
  const text = fit(line.text, width);
  if (!needle) {
    return (
      <Text color={line.color} bold={line.bold} wrap="truncate-end">
        {text}
      </Text>
    );
  }
  const lower = text.toLowerCase();
  // Lower-casing changed the length (a rare letter): no highlight rather than a wrong one.
  if (lower.length !== text.length) {
    return (
      <Text color={line.color} bold={line.bold} wrap="truncate-end">
        {text}
      </Text>
    );
  }
  const parts: { text: string; match: boolean }[] = [];
  let at = 0;
  for (let found = lower.indexOf(needle, at); found !== -1; found = lower.indexOf(needle, at)) {
    if (found > at) parts.push({ text: text.slice(at, found), match: false });
    parts.push({ text: text.slice(found, found + needle.length), match: true });
    at = found + needle.length;
  }
  parts.push({ text: text.slice(at), match: false });
  return (
    <Text color={line.color} bold={line.bold} wrap="truncate-end">
      {parts.map((part, i) => (
        <Text key={i} inverse={part.match}>
          {part.text}
        </Text>
      ))}
    </Text>
  );
}

export function DetailPane({ state, controller, width, height, focused, now }: { state: TuiState; controller: Controller; width: number; height: number; focused: boolean; now: number }) {
  const row = selectedRow(state);
  const inner = Math.max(1, height - 3);
  const textWidth = Math.max(10, width - 2);
  controller.detailWidth = textWidth;
  controller.detailHeight = inner;
  const options = controller.detailOptions();
  // Building the lines (pretty-printing, wrapping) is the costly part: only when what is shown changes.
  const item = row?.item;
  const e = item?.type === 'exchange' ? item.exchange : undefined;
  const held = state.paused.map((p) => `${p.pauseId}:${p.timer}:${p.cancelled ? 1 : 0}:${Math.round((p.deadline - now) / 1000)}`).join(',');
  const signature = item ? `${item.seq}|${e ? `${e.request.seq}:${e.request.action}:${e.answer?.seq}:${e.answer?.action}:${e.delivered?.seq}:${e.notifications.length}:${e.outcome}` : item.type === 'event' ? item.frame.action : ''}` : '';
  const content = useMemo(() => (item ? detailOf(item, options) : undefined), [signature, textWidth, state.detail.raw, state.detail.diff, held]);
  const lines = content?.lines ?? [];
  const maxTop = Math.max(0, lines.length - inner);
  // Selecting a part of an expanded exchange starts the pane at that part.
  const part = e && state.selectedPart !== undefined ? partsOf(e)[state.selectedPart] : undefined;
  const top = Math.min(maxTop, state.detail.top === 0 && part && content ? lineOfPart(content, part) : state.detail.top);
  const shown = lines.slice(top, top + inner);
  const needle = state.search?.toLowerCase();
  const modes = [state.detail.raw ? 'raw' : 'pretty', state.detail.diff ? 'diff' : ''].filter(Boolean).join(' ');
  const position = lines.length > inner ? ` ${top + 1}-${Math.min(lines.length, top + inner)}/${lines.length}` : '';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={focused ? 'cyan' : 'gray'}>
      <Text bold wrap="truncate-end" color={focused ? 'cyan' : undefined}>
        {fit(`${clip(content?.title ?? 'nothing selected', Math.max(10, textWidth - 24))}  [${modes}${position}]`, textWidth)}
      </Text>
      {shown.map((line, i) => (
        <Highlighted key={top + i} line={line} needle={needle} width={textWidth} />
      ))}
    </Box>
  );
}
