/** The last line(s): the prompt being typed (with a filter error under it), else the status, else key hints. */
import { Box, Text } from 'ink';
import type { PromptPurpose, TuiState } from '../state.js';
import { clip, fit } from '../text.js';

const LIVE_HINTS = '? keys  f filter  / search  b break  B breakpoints  F freeze  Tab focus  Enter expand  a resume  x drop  e edit  m mock  r re-send  c compose  : command  q quit';
const TAPE_HINTS = '? keys  f filter  / search  n next  Enter expand  Tab detail  v raw  d diff  w export  : command  q quit   (a stored tape: read-only)';

const LABEL: Record<PromptPurpose, string> = { filter: 'filter', search: 'search', break: 'break on', command: ':' };

/** Lines the bar needs: the filter error's expression, caret and message take three. */
export function bottomBarHeight(state: TuiState): number {
  return state.mode.kind === 'prompt' && state.mode.error ? 4 : 1;
}

export function BottomBar({ state, width }: { state: TuiState; width: number }) {
  const mode = state.mode;
  if (mode.kind === 'prompt') {
    const label = LABEL[mode.purpose];
    const prefix = mode.purpose === 'command' ? ':' : `${label}> `;
    const error = mode.error;
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate-start">
          <Text color="cyan" bold>
            {prefix}
          </Text>
          <Text>{clip(mode.text, Math.max(10, width - prefix.length - 24))}</Text>
          <Text inverse> </Text>
          <Text color="gray">{'  Enter apply  Esc cancel'}</Text>
        </Text>
        {error
          ? error.split('\n').map((line, i) => (
              // The expression line is shifted by the prompt's label, so the caret lines up under it.
              <Text key={i} color="red" wrap="truncate-end">
                {i < 2 ? ' '.repeat(prefix.length) + clip(line, width - prefix.length) : clip(line, width)}
              </Text>
            ))
          : null}
      </Box>
    );
  }
  if (state.status) {
    return (
      <Text color={state.status.tone === 'error' ? 'red' : 'green'} wrap="truncate-end">
        {fit(state.status.text, width)}
      </Text>
    );
  }
  return (
    <Text color="gray" wrap="truncate-end">
      {fit(state.source === 'tape' ? TAPE_HINTS : LIVE_HINTS, width)}
    </Text>
  );
}
