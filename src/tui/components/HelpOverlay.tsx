/** `?`: every key, in one screen. Any key closes it. */
import { Box, Text } from 'ink';
import { ATOMS } from '../../filter/index.js';

export const KEYS: [string, string][] = [
  ['↑ ↓  j k', 'move in the focused pane (PgUp/PgDn, g/G: ends)'],
  ['Tab', 'switch between the message list and the paused queue'],
  ['/', 'filter the list (same language as --break; empty clears)'],
  ['b', 'add a breakpoint (a filter expression)'],
  ['B', 'clear all breakpoints'],
  ['a', 'resume the selected paused message'],
  ['A', 'resume all paused messages'],
  ['x', 'drop the selected paused message'],
  ['e', 'edit the selected paused message in $EDITOR, then send it'],
  ['m', 'answer the selected paused request with a mock (in $EDITOR)'],
  ['s', 'save the last edited/mocked answer as a mock rule in the rules file'],
  ['Esc', 'clear the status line / cancel a prompt'],
  ['?', 'this help'],
  ['q', 'quit the UI (the proxy keeps running)'],
];

export function HelpOverlay({ width, height }: { width: number; height: number }) {
  const atoms = Object.entries(ATOMS).map(([atom, spec]) => [`${atom}${spec.argument ? ` ${spec.argument}` : ''}`, spec.help] as const);
  const half = Math.floor((width - 4) / 2);
  const atomWidth = Math.max(...atoms.map(([atom]) => atom.length)) + 2;
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      <Text bold color="cyan">
        keys (any key closes)
      </Text>
      <Box flexDirection="row">
        <Box flexDirection="column" width={half}>
          {KEYS.map(([key, what]) => (
            <Text key={key} wrap="truncate-end">
              <Text bold>{key.padEnd(10)}</Text>
              {what}
            </Text>
          ))}
        </Box>
        <Box flexDirection="column" width={half}>
          <Text bold>{'filters: atoms combined with ! & | ( )'}</Text>
          {atoms.map(([atom, what]) => (
            <Text key={atom} wrap="truncate-end">
              <Text bold>{atom.padEnd(atomWidth)}</Text>
              {what}
            </Text>
          ))}
        </Box>
      </Box>
    </Box>
  );
}
