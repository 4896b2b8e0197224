/**
 * The top two lines: which proxy (or tape), where its clients reach it over HTTP, conversations,
 * exchanges shown, the held count (loud when non-zero), frozen; then breakpoints, the rules file
 * and the filter.
 */
import { Box, Text } from 'ink';
import type { TuiState } from '../state.js';
import { rowsOf } from '../state.js';
import { clip, fit } from '../text.js';

function breakpointsText(state: TuiState): string {
  if (state.source === 'tape') return '';
  if (state.breakpoints.length === 0) return 'breakpoints: none';
  const list = state.breakpoints.map((b) => `#${b.id}${b.enabled ? '' : ' (off)'} ${b.expression}`).join('  ');
  return `breakpoints: ${list}`;
}

export function Header({ state, width }: { state: TuiState; width: number }) {
  const proxy = state.proxy;
  const held = state.paused.length;
  const title = state.tape ? `tape ${state.tape.name} (read-only)` : proxy ? `${proxy.title} [${proxy.id}]` : 'connecting…';
  const items = state.log.items().length;
  const listed = rowsOf(state).filter((row) => !row.part).length;
  const counts = state.view.filtered ? `${listed}/${items}` : `${items}`;
  const frozen = state.log.isFrozen ? `FROZEN +${state.log.waiting} ` : '';
  const about: string[] = [];
  if (state.tape) about.push(`recorded ${state.tape.createdAt.replace('T', ' ').slice(0, 19)}`, state.tape.upstream ?? '');
  else if (proxy?.tape) about.push(`tape ${proxy.tape}`);
  if (!state.tape && proxy?.listen) about.push(`clients at ${proxy.listen}`);
  const second = [breakpointsText(state), state.source === 'live' ? `rules: ${proxy?.rulesFile ?? 'none'}` : '', state.filter.expression ? `filter: ${state.filter.expression}` : ''].filter(Boolean).join('   ');
  const left = `mcp-tap ${title} ${about.filter(Boolean).join(' ')}`;
  const right = `conversations ${state.source === 'tape' ? (state.tape?.sessions ?? 0) : state.sessions.length}  exchanges ${counts} `;
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate-end">
        <Text bold color="cyan">
          {clip(left, Math.max(10, width - right.length - 12))}
        </Text>
        <Text> </Text>
        <Text color="gray">{right}</Text>
        {state.source === 'live' ? (
          held > 0 ? (
            <Text backgroundColor="yellow" color="black" bold>
              {` ${held} held `}
            </Text>
          ) : (
            <Text color="gray">0 held</Text>
          )
        ) : null}
        {frozen ? (
          <Text backgroundColor="blue" color="white" bold>
            {` ${frozen}`}
          </Text>
        ) : null}
        {!state.connected && state.closedReason !== undefined ? <Text color="red">{clip(`  disconnected: ${state.closedReason}`, 40)}</Text> : null}
      </Text>
      <Text wrap="truncate-end" color="gray">
        {fit(second, width)}
      </Text>
    </Box>
  );
}
