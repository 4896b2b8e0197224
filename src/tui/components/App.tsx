/** The whole screen: header, exchange list and held messages on the left, detail on the right, the bar at the bottom. */
import { useCallback, useEffect } from 'react';
import { Box, Text, useInput, useStdin } from 'ink';
import type { Controller } from '../controller.js';
import type { TuiState, TuiStore } from '../state.js';
import { useTerminalSize, useTuiState } from '../hooks.js';
import { Header } from './Header.js';
import { ExchangeList } from './ExchangeList.js';
import { DetailPane } from './DetailPane.js';
import { HeldPane, heldPaneHeight, useClock } from './HeldPane.js';
import { BottomBar, bottomBarHeight } from './BottomBar.js';
import { HelpOverlay } from './HelpOverlay.js';
import { BreakpointsOverlay, ConfirmQuit, PickOverlay } from './Overlays.js';
import { clip } from '../text.js';

const HEADER_ROWS = 2;
/** From this width the detail pane sits beside the list; below it, under it. */
const SIDE_BY_SIDE_COLUMNS = 120;

export function App({ store, controller }: { store: TuiStore; controller: Controller }) {
  const state = useTuiState(store);
  const { columns, rows } = useTerminalSize();
  const { stdin } = useStdin();
  const away = state.mode.kind === 'editor';
  const now = useClock(state.paused.length > 0, useCallback(() => controller.now(), [controller]));
  // While the editor runs, Ink lets go of the terminal: no raw mode, no reading keys.
  useInput(controller.handleKey, { isActive: !away });
  useEffect(() => {
    if (away) controller.runPendingEditor(stdin);
  }, [away, controller, stdin]);

  if (state.mode.kind === 'editor') {
    return <Text color="yellow">{clip(`editing ${state.mode.what} in your editor; the UI comes back when it exits`, Math.max(20, columns - 1))}</Text>;
  }
  // One row short of the terminal: Ink redraws a full-height frame by clearing the screen (flicker).
  const height = Math.max(12, rows - 1);
  const width = Math.max(40, columns);
  const bodyHeight = height - HEADER_ROWS - bottomBarHeight(state);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header state={state} width={width} />
      {body(state, controller, width, bodyHeight, now)}
      <BottomBar state={state} width={width} />
    </Box>
  );
}

function body(state: TuiState, controller: Controller, width: number, height: number, now: number) {
  const mode = state.mode;
  switch (mode.kind) {
    case 'help':
      return <HelpOverlay width={width} height={height} top={mode.top} />;
    case 'breakpoints':
      return <BreakpointsOverlay state={state} width={width} height={height} index={mode.index} />;
    case 'pick':
      return <PickOverlay title={mode.title} options={mode.options} index={mode.index} width={width} height={height} />;
    case 'confirm-quit':
      return <ConfirmQuit state={state} held={mode.held} armed={mode.armed} width={width} height={height} />;
    default:
      return width >= SIDE_BY_SIDE_COLUMNS ? sideBySide(state, controller, width, height, now) : stacked(state, controller, width, height, now);
  }
}

/** Wide terminals: list and held messages on the left, the detail on the right. */
function sideBySide(state: TuiState, controller: Controller, width: number, height: number, now: number) {
  const listWidth = Math.floor(width * 0.62);
  const heldHeight = Math.min(heldPaneHeight(state), Math.floor(height / 2));
  controller.pageSize = Math.max(1, height - heldHeight - 3);
  return (
    <Box flexDirection="row" height={height}>
      <Box flexDirection="column" width={listWidth}>
        <ExchangeList state={state} width={listWidth} height={height - heldHeight} focused={state.focus === 'list'} />
        <HeldPane state={state} width={listWidth} height={heldHeight} focused={state.focus === 'held'} now={now} />
      </Box>
      <DetailPane state={state} controller={controller} width={width - listWidth} height={height} focused={state.focus === 'detail'} now={now} />
    </Box>
  );
}

/** Narrow terminals: list, held messages and detail one above the other. */
function stacked(state: TuiState, controller: Controller, width: number, height: number, now: number) {
  const heldHeight = Math.min(heldPaneHeight(state), Math.floor(height / 4));
  const detailHeight = Math.floor((height - heldHeight) * 0.45);
  const listHeight = height - heldHeight - detailHeight;
  controller.pageSize = Math.max(1, listHeight - 3);
  return (
    <Box flexDirection="column" height={height}>
      <ExchangeList state={state} width={width} height={listHeight} focused={state.focus === 'list'} />
      <HeldPane state={state} width={width} height={heldHeight} focused={state.focus === 'held'} now={now} />
      <DetailPane state={state} controller={controller} width={width} height={detailHeight} focused={state.focus === 'detail'} now={now} />
    </Box>
  );
}
