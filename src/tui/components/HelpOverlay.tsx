/**
 * `?`: every key, the `:` commands and the filter language. Descriptions wrap (nothing is cut at
 * any width); two columns when the terminal is wide enough, one otherwise; j/k scroll when it
 * does not fit, any other key closes it.
 */
import { Box, Text } from 'ink';
import { ATOMS } from '../../filter/index.js';
import { COMMANDS } from '../controller.js';
import { fit, wrapLines } from '../text.js';

export const KEYS: [string, string][] = [
  ['↑ ↓  j k', 'move in the focused pane; PgUp PgDn a page, g G the ends'],
  ['Tab', 'focus the next pane: exchanges, held messages, detail'],
  ['Enter Space', 'expand the selected exchange into its messages (again: fold it)'],
  ['f', 'filter the list (the language of --break; empty clears)'],
  ['/  n  N', 'search the messages: in the detail pane its lines, else the next exchange'],
  ['v', 'raw view: messages as sent, not pretty-printed'],
  ['d', 'for an edited message: what changed (original against edited)'],
  ['F', 'freeze the list (it holds still; the selection never moves); again: follow'],
  ['z', 'clear the list (what is still open or held stays)'],
  ['b', 'add a breakpoint (a filter)'],
  ['B', 'the breakpoints: Space disables or enables, x removes, a adds, X removes all'],
  ['a  A', 'resume the held message (the selected one, the one in the held list, or the only one), or all'],
  ['x', 'drop the held message (a held request gets an error answer)'],
  ['e', 'edit the held message in $EDITOR; its timeout stops while you edit'],
  ['m', 'answer the held request with a mock, from a template for its method'],
  ['s', 'save the last edited or mocked answer as a mock rule in the rules file'],
  ['r  R', 're-send the selected request through the proxy (R: edit it first); its answer comes here'],
  ['c', 'compose a tools/call from a tool\'s inputSchema and send it'],
  ['w  W', 'export the selected exchange, or the listed ones, as JSON'],
  [':', 'a command (below)'],
  ['Esc', 'clear the status line, close a prompt, back to the list'],
  ['?', 'this help'],
  ['q  Ctrl-C', 'quit the UI (the proxy keeps running); asks first when messages are held or breakpoints armed'],
];

interface HelpLine {
  key: string;
  text: string;
  /** Columns the key takes before the text. */
  keyWidth: number;
  heading?: boolean;
}

function entries(rows: readonly (readonly [string, string])[], keyWidth: number, width: number): HelpLine[] {
  const lines: HelpLine[] = [];
  const room = Math.min(keyWidth, Math.floor(width / 2));
  for (const [key, what] of rows) {
    // A key longer than its column gets a line of its own.
    if (key.length >= room) lines.push({ key, text: '', keyWidth: width });
    wrapLines(what, Math.max(10, width - room)).forEach((text, i) => lines.push({ key: i === 0 && key.length < room ? key : '', text, keyWidth: room }));
  }
  return lines;
}

const heading = (text: string): HelpLine => ({ key: '', text, keyWidth: 0, heading: true });
const blank: HelpLine = { key: '', text: '', keyWidth: 0 };

/** The help as lines of one column of `width`, in two groups (keys; commands and filters). */
export function helpColumns(width: number): [HelpLine[], HelpLine[]] {
  const keyWidth = 14;
  const keys: HelpLine[] = [heading('keys'), ...entries(KEYS, keyWidth, width)];
  const atoms = Object.entries(ATOMS).map(([atom, spec]) => [`${atom}${spec.argument ? ` ${spec.argument}` : ''}`, spec.help] as const);
  const more: HelpLine[] = [heading('commands (after :)'), ...entries(COMMANDS, 31, width), blank, heading('filters: atoms combined with ! & | ( )'), ...entries(atoms, keyWidth, width)];
  return [keys, more];
}

export function HelpOverlay({ width, height, top }: { width: number; height: number; top: number }) {
  const inner = Math.max(1, height - 3);
  const twoColumns = width >= 150;
  const columnWidth = twoColumns ? Math.floor((width - 5) / 2) : width - 4;
  const [keys, more] = helpColumns(columnWidth);
  const columns: HelpLine[][] = twoColumns ? [keys, more] : [[...keys, blank, ...more]];
  const length = Math.max(...columns.map((c) => c.length));
  const start = Math.max(0, Math.min(top, length - inner + 1));
  const scroll = length > inner - 1 ? `   j k scroll (${start + 1}-${Math.min(length, start + inner - 1)} of ${length})` : '';
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="double" borderColor="cyan" paddingX={1} overflow="hidden">
      <Text bold color="cyan">
        {fit(`help (any other key closes)${scroll}`, width - 4)}
      </Text>
      <Box flexDirection="row">
        {columns.map((lines, c) => (
          <Box key={c} flexDirection="column" width={columnWidth} marginRight={c === 0 && twoColumns ? 1 : 0}>
            {lines.slice(start, start + inner - 1).map((line, i) => (
              <Text key={i} wrap="truncate-end" bold={line.heading} color={line.heading ? 'cyan' : undefined}>
                <Text bold>{line.heading ? '' : fit(line.key, Math.min(line.keyWidth, columnWidth))}</Text>
                {line.heading ? fit(line.text, columnWidth) : line.keyWidth >= columnWidth ? '' : fit(line.text, columnWidth - line.keyWidth)}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
