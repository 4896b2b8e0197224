/** The whole screen: header, list and paused queue on the left, detail on the right, the bar at the bottom. */
import { useEffect } from 'react';
import { Box, Text, useInput, useStdin } from 'ink';
import type { Controller } from '../controller.js';
import type { TuiState, TuiStore } from '../state.js';
import { useTerminalSize, useTuiState } from '../hooks.js';
import { Header } from './Header.js';
import { MessageList } from './MessageList.js';
import { DetailPane } from './DetailPane.js';
import { PausedQueue, pausedPaneHeight } from './PausedQueue.js';
import { BottomBar, bottomBarHeight } from './BottomBar.js';
import { HelpOverlay } from './HelpOverlay.js';

const HEADER_ROWS = 2;
/** From this width the detail pane sits beside the list; below it, under it. */
const SIDE_BY_SIDE_COLUMNS = 120;

export function App({ store, controller }: { store: TuiStore; controller: Controller }) {
  const state = useTuiState(store);
  const { columns, rows } = useTerminalSize();
  const { stdin } = useStdin();
  const away = state.mode.kind === 'editor';
  // While the editor runs, Ink lets go of the terminal: no raw mode, no reading keys.
  useInput(controller.handleKey, { isActive: !away });
  useEffect(() => {
    if (away) controller.runPendingEditor(stdin);
  }, [away, controller, stdin]);

  if (state.mode.kind === 'editor') {
    return <Text color="yellow">{`editing ${state.mode.what} in your editor; the UI comes back when it exits`}</Text>;
  }
  // One row short of the terminal: Ink redraws a full-height frame by clearing the screen (flicker).
  const height = Math.max(12, rows - 1);
  const width = Math.max(40, columns);
  const bodyHeight = height - HEADER_ROWS - bottomBarHeight(state);
  const body =
    state.mode.kind === 'help' ? (
      <HelpOverlay width={width} height={bodyHeight} />
    ) : width >= SIDE_BY_SIDE_COLUMNS ? (
      sideBySide(state, controller, width, bodyHeight)
    ) : (
      stacked(state, controller, width, bodyHeight)
    );
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Header state={state} width={width} />
      {body}
      <BottomBar state={state} width={width} />
    </Box>
  );
}

/** Wide terminals: list and paused queue on the left, the detail on the right. */
function sideBySide(state: TuiState, controller: Controller, width: number, height: number) {
  const listWidth = Math.floor(width * 0.6);
  const queueHeight = Math.min(pausedPaneHeight(state), Math.floor(height / 2));
  controller.pageSize = Math.max(1, height - queueHeight - 3);
  return (
    <Box flexDirection="row" height={height}>
      <Box flexDirection="column" width={listWidth}>
        <MessageList state={state} width={listWidth} height={height - queueHeight} focused={state.focus === 'list'} />
        <PausedQueue state={state} width={listWidth} height={queueHeight} focused={state.focus === 'paused'} />
      </Box>
      <DetailPane state={state} width={width - listWidth} height={height} />
    </Box>
  );
}

/** Narrow terminals: list, paused queue and detail one above the other. */
function stacked(state: TuiState, controller: Controller, width: number, height: number) {
  const queueHeight = Math.min(pausedPaneHeight(state), Math.floor(height / 4));
  const detailHeight = Math.floor((height - queueHeight) * 0.45);
  const listHeight = height - queueHeight - detailHeight;
  controller.pageSize = Math.max(1, listHeight - 3);
  return (
    <Box flexDirection="column" height={height}>
      <MessageList state={state} width={width} height={listHeight} focused={state.focus === 'list'} />
      <PausedQueue state={state} width={width} height={queueHeight} focused={state.focus === 'paused'} />
      <DetailPane state={state} width={width} height={detailHeight} />
    </Box>
  );
}
