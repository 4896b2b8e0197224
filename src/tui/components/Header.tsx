/** The top two lines: which proxy, its tape, sessions, the paused count (loud when non-zero), breakpoints and filter. */
import { Box, Text } from 'ink';
import type { TuiState } from '../state.js';
import { fit } from '../format.js';

export function Header({ state, width }: { state: TuiState; width: number }) {
  const proxy = state.proxy;
  const paused = state.paused.length;
  const title = proxy ? `${proxy.title} [${proxy.id}]` : 'connecting…';
  const breakpoints = state.breakpoints.length === 0 ? 'none' : state.breakpoints.map((b) => b.expression).join('  |  ');
  const filter = state.filter.expression === '' ? '' : `   filter: ${state.filter.expression}`;
  const shown = state.filter.expression === '' ? `${state.log.total}` : `${state.log.visibleCount}/${state.log.total}`;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          mcp-tap
        </Text>
        <Text> {title}</Text>
        {proxy?.tape ? <Text color="gray"> tape </Text> : null}
        {proxy?.tape ? <Text>{proxy.tape}</Text> : null}
        <Text color="gray"> sessions </Text>
        <Text>{state.sessions.length}</Text>
        <Text color="gray"> frames </Text>
        <Text>{shown}</Text>
        <Text> </Text>
        {paused > 0 ? (
          <Text backgroundColor="yellow" color="black" bold>
            {` ${paused} paused `}
          </Text>
        ) : (
          <Text color="gray">0 paused</Text>
        )}
        {!state.connected && state.closedReason !== undefined ? <Text color="red">{`  disconnected: ${state.closedReason}`}</Text> : null}
      </Text>
      <Text wrap="truncate-end" color="gray">
        {fit(`breakpoints: ${breakpoints}${filter}`, width)}
      </Text>
    </Box>
  );
}
