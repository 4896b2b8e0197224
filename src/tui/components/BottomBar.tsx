/** The last line(s): the prompt being typed (with a filter error under it), else the status, else key hints. */
import { Box, Text } from 'ink';
import type { TuiState } from '../state.js';
import { fit } from '../format.js';

const HINTS = '? keys  / filter  b break  B clear breaks  Tab list/paused  a resume  A all  x drop  e edit  m mock  s save rule  q quit';

/** Lines the bar needs: the filter error's expression, caret and message take three. */
export function bottomBarHeight(state: TuiState): number {
  return state.mode.kind === 'prompt' && state.mode.error ? 4 : 1;
}

export function BottomBar({ state, width }: { state: TuiState; width: number }) {
  const mode = state.mode;
  if (mode.kind === 'prompt') {
    const label = mode.purpose === 'filter' ? 'filter' : 'break on';
    const error = mode.error;
    return (
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate-start">
          <Text color="cyan" bold>{`${label}> `}</Text>
          <Text>{mode.text}</Text>
          <Text inverse> </Text>
          <Text color="gray">{'  Enter apply  Esc cancel'}</Text>
        </Text>
        {error
          ? error.split('\n').map((line, i) => (
              // The expression line is shifted by the prompt's label, so the caret lines up under it.
              <Text key={i} color="red" wrap="truncate-end">
                {i < 2 ? ' '.repeat(label.length + 2) + line : line}
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
      {fit(HINTS, width)}
    </Text>
  );
}
