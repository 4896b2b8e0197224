/** The overlays that take the body's place: the breakpoint list, a list to pick from, and the question before quitting. */
import { Box, Text } from 'ink';
import type { TuiState } from '../state.js';
import { fit, wrapLines } from '../text.js';

function Frame({ title, width, height, color, children }: { title: string; width: number; height: number; color: string; children: React.ReactNode }) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor={color} paddingX={1} overflow="hidden">
      <Text bold color={color}>
        {fit(title, width - 4)}
      </Text>
      {children}
    </Box>
  );
}

export function BreakpointsOverlay({ state, width, height, index }: { state: TuiState; width: number; height: number; index: number }) {
  const inner = width - 4;
  const list = state.breakpoints;
  const selected = Math.min(index, list.length - 1);
  const rules = state.proxy?.rulesFile ? `rules file: ${state.proxy.rulesFile} (read again when it changes)` : 'rules file: none (start the proxy with --rules FILE)';
  const rows = Math.max(1, height - 7);
  const top = Math.max(0, Math.min(selected - rows + 1, list.length - rows));
  return (
    <Frame title="breakpoints   Space disable/enable  x remove  a add  X remove all  Esc close" width={width} height={height} color="magenta">
      <Text color="gray">{fit(rules, inner)}</Text>
      <Text color="gray">{fit(`held now: ${state.paused.length}`, inner)}</Text>
      <Text> </Text>
      {list.length === 0 ? (
        <Text color="gray">{fit('none (a adds one; so does b in the list, or --break FILTER at start)', inner)}</Text>
      ) : (
        list.slice(top, top + rows).map((b, i) => (
          <Text key={b.id} inverse={top + i === selected} color={b.enabled ? undefined : 'gray'} wrap="truncate-end">
            {fit(`#${b.id}  ${b.enabled ? 'on ' : 'off'}  held ${String(b.hits).padStart(3)}   ${b.expression}`, inner)}
          </Text>
        ))
      )}
    </Frame>
  );
}

export function PickOverlay({ title, options, index, width, height }: { title: string; options: { label: string; detail?: string }[]; index: number; width: number; height: number }) {
  const inner = width - 4;
  const rows = Math.max(1, height - 4);
  const top = Math.max(0, Math.min(index - rows + 1, options.length - rows));
  const labelWidth = Math.min(32, Math.max(8, ...options.map((o) => o.label.length + 2)));
  return (
    <Frame title={`${title}   ↑ ↓ choose  Enter write it in $EDITOR  Esc cancel`} width={width} height={height} color="cyan">
      {options.slice(top, top + rows).map((option, i) => (
        <Text key={top + i} inverse={top + i === index} wrap="truncate-end">
          <Text bold>{fit(option.label, labelWidth)}</Text>
          <Text color="gray">{fit(option.detail ?? '', Math.max(1, inner - labelWidth))}</Text>
        </Text>
      ))}
    </Frame>
  );
}

export function ConfirmQuit({ state, held, armed, width, height }: { state: TuiState; held: number; armed: number; width: number; height: number }) {
  const inner = width - 4;
  const what = [held > 0 ? `${held} message${held === 1 ? ' is' : 's are'} held` : '', armed > 0 ? `${armed} breakpoint${armed === 1 ? ' is' : 's are'} armed` : ''].filter(Boolean).join(' and ');
  const lines = [
    `${what} on ${state.proxy?.title ?? 'the proxy'}. Nobody will be watching them once this UI quits.`,
    '',
    'r   release them and quit: resume every held message, remove every breakpoint (Ctrl-C does this too)',
    `k   keep them and quit: held messages go on by themselves when their timeout ends; mcp-tap attach ${state.proxy?.id ?? ''} takes them up again`,
    'Esc stay',
  ];
  return (
    <Frame title="quit?" width={width} height={height} color="yellow">
      {lines.flatMap((line, i) => wrapLines(line, inner).map((part, j) => <Text key={`${i}:${j}`}>{fit(part, inner)}</Text>))}
    </Frame>
  );
}
