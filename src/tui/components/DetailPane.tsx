/** The selected frame (or paused message) as pretty JSON; both versions when an interceptor or a person changed it. */
import { useMemo } from 'react';
import { Box, Text } from 'ink';
import { selectedIndex, selectedPaused, type TuiState } from '../state.js';
import { arrow, fit, idText, latencyText, prettyJson, whatText } from '../format.js';

interface Shown {
  title: string;
  /** Blocks of text, each with a heading when there is more than one. */
  blocks: { heading?: string; text: string; color?: string }[];
}

function shownOf(state: TuiState): Shown | undefined {
  if (state.focus === 'paused') {
    const paused = selectedPaused(state);
    if (!paused) return undefined;
    return {
      title: `paused #${paused.pauseId} ${arrow(paused.direction)} ${paused.kind} ${whatText(paused)} ${idText(paused.id)}`,
      blocks: [{ text: paused.text, color: 'yellow' }],
    };
  }
  const frame = state.log.visibleAt(selectedIndex(state));
  if (!frame) return undefined;
  const title = `#${frame.seq} ${arrow(frame.direction)} ${frame.kind} ${whatText(frame)} ${idText(frame.id)} ${latencyText(frame.latencyMs)} ${frame.action}${frame.note ? ` (${frame.note})` : ''}`;
  if (frame.original === undefined) return { title, blocks: [{ text: frame.text }] };
  return {
    title,
    blocks: [
      { heading: 'sent on (edited):', text: frame.text, color: 'magenta' },
      { heading: 'as it arrived:', text: frame.original, color: 'gray' },
    ],
  };
}

/** The lines to draw: each block gets a fair share of the height, cut with "…" when longer. */
function linesOf(shown: Shown, width: number, height: number): { text: string; color?: string; bold?: boolean }[] {
  const lines: { text: string; color?: string; bold?: boolean }[] = [];
  const share = Math.max(2, Math.floor(height / shown.blocks.length));
  for (const block of shown.blocks) {
    const room = share - (block.heading ? 1 : 0);
    if (block.heading) lines.push({ text: fit(block.heading, width), bold: true, color: block.color });
    const body = prettyJson(block.text).split('\n');
    const visible = body.length > room ? [...body.slice(0, room - 1), `… ${body.length - room + 1} more lines`] : body;
    for (const line of visible) lines.push({ text: fit(line, width), color: block.color });
  }
  return lines.slice(0, height);
}

export function DetailPane({ state, width, height }: { state: TuiState; width: number; height: number }) {
  const shown = shownOf(state);
  const inner = Math.max(1, height - 3);
  // Pretty-printing is the costly part; redo it only when the selection or the size changes.
  const key = shown ? `${shown.title}\u0000${shown.blocks.map((b) => b.text).join('\u0000')}` : '';
  const lines = useMemo(() => (shown ? linesOf(shown, width - 2, inner) : []), [key, width, inner]);
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor="gray" overflow="hidden">
      <Text bold wrap="truncate-end">
        {fit(shown?.title ?? 'nothing selected', width - 2)}
      </Text>
      {lines.map((line, i) => (
        <Text key={i} color={line.color} bold={line.bold} wrap="truncate-end">
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
