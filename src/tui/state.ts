/**
 * The UI's state and the reducer over it: what the source said (a proxy's ServerMessages, or a
 * stored tape's frames) and what the person did (moves, filter, search, modes). Kept apart from
 * the components so it can be tested without a terminal. The exchange log inside is mutated in
 * place (see core/exchange.ts); `logVersion` says it changed.
 */
import { buildExchanges, ExchangeLog, type ExchangeFrame, type LogItem } from '../core/exchange.js';
import { compileFilter, formatFilterError, FilterSyntaxError } from '../filter/index.js';
import type { BreakpointView, PausedView, ProxyStateFile, ServerMessage, SessionView } from '../control/protocol.js';
import { exchangeFrameOfView, heldFrameOf, helloFrames } from '../control/exchange-frames.js';
import { ListView, type Row } from '../control/list-view.js';
import type { WrittenAnswer } from '../rules/save.js';

export type { WrittenAnswer };

export type ProxyInfo = Omit<ProxyStateFile, 'token'>;

/** What a stored tape says of itself, for the header when the UI browses one. */
export interface TapeSource {
  name: string;
  createdAt: string;
  upstream?: string;
  frames: number;
  sessions: number;
}

/** The newest exchanges a live UI keeps; older ones fall off (the selected one never does). */
export const DEFAULT_CAPACITY = 5000;

export type Focus = 'list' | 'held' | 'detail';

export type PromptPurpose = 'filter' | 'search' | 'break' | 'command';

/** What the keyboard is doing: moving around, typing into a prompt, an overlay, or away in $EDITOR. */
export type Mode =
  | { kind: 'normal' }
  /** `error`: why the last Enter was refused (the filter's column error), until the text changes. */
  | { kind: 'prompt'; purpose: PromptPurpose; text: string; error?: string }
  | { kind: 'help'; top: number }
  | { kind: 'breakpoints'; index: number }
  | { kind: 'pick'; title: string; options: { label: string; detail?: string }[]; index: number; purpose: 'compose' }
  | { kind: 'confirm-quit'; held: number; armed: number }
  | { kind: 'editor'; what: string };

export interface Status {
  text: string;
  tone: 'info' | 'error';
}

export interface DetailState {
  /** The first line shown. */
  top: number;
  /** The messages as sent, not pretty-printed. */
  raw: boolean;
  /** For an edited message: what changed, instead of both texts. */
  diff: boolean;
}

export interface TuiState {
  /** A running proxy, or a stored tape (read-only: nothing can be decided or sent). */
  source: 'live' | 'tape';
  proxy?: ProxyInfo;
  tape?: TapeSource;
  connected: boolean;
  closedReason?: string;
  log: ExchangeLog;
  /** Bumped whenever the log changes, so views know to redraw. */
  logVersion: number;
  view: ListView;
  paused: PausedView[];
  breakpoints: BreakpointView[];
  sessions: SessionView[];
  filter: { expression: string };
  focus: Focus;
  /** The selected item; undefined means "follow the newest". */
  selected?: LogItem;
  /** With `selected`: one of its parts, when its exchange is expanded. */
  selectedPart?: number;
  /** Keys of the exchanges shown with their parts. */
  expanded: ReadonlySet<string>;
  heldIndex: number;
  detail: DetailState;
  /** The last `/` search, for `n` and `N`. */
  search?: string;
  mode: Mode;
  status?: Status;
  lastAnswer?: WrittenAnswer;
  /** A request this UI sent (re-sent or composed): selected when it shows up. */
  awaiting?: { conversation: string; id: string };
}

export type TuiAction =
  | { type: 'server'; messages: ServerMessage[] }
  | { type: 'tape'; tape: TapeSource; frames: ExchangeFrame[] }
  | { type: 'closed'; reason: string }
  | { type: 'move'; delta: number }
  | { type: 'jump'; to: 'start' | 'end' }
  | { type: 'select'; item: LogItem | undefined }
  | { type: 'focus'; focus: Focus }
  | { type: 'cycle-focus' }
  | { type: 'toggle-expand' }
  | { type: 'mode'; mode: Mode }
  | { type: 'prompt-text'; text: string }
  | { type: 'prompt-error'; error: string }
  | { type: 'filter'; expression: string }
  | { type: 'search'; text: string; from: 'list' | 'detail'; backwards?: boolean; line?: number }
  | { type: 'detail'; detail: Partial<DetailState> }
  | { type: 'freeze' }
  | { type: 'clear' }
  | { type: 'status'; status?: Status }
  | { type: 'answer-written'; answer: WrittenAnswer }
  | { type: 'awaiting'; awaiting: { conversation: string; id: string } };

export function initialState(capacity = DEFAULT_CAPACITY): TuiState {
  return {
    source: 'live',
    connected: false,
    log: new ExchangeLog({ capacity }),
    logVersion: 0,
    view: new ListView(),
    paused: [],
    breakpoints: [],
    sessions: [],
    filter: { expression: '' },
    focus: 'list',
    expanded: new Set(),
    heldIndex: 0,
    detail: { top: 0, raw: false, diff: false },
    mode: { kind: 'normal' },
  };
}

/** The rows of the list as they stand. */
export function rowsOf(state: TuiState): Row[] {
  return state.view.rows(state.log, state.logVersion, state.expanded);
}

/** Index of the selected row among the rows (-1 when there are none). */
export function selectedIndex(state: TuiState, rows: Row[] = rowsOf(state)): number {
  if (rows.length === 0) return -1;
  const selected = state.selected;
  if (selected === undefined) return rows.length - 1;
  let nearest = -1;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.item === selected) {
      if ((row.part ? partIndex(rows, i) : undefined) === state.selectedPart) return i;
      if (nearest === -1) nearest = i;
    } else if (nearest === -1 && row.item.seq > selected.seq) {
      // Filtered out: the row after where it would be is the nearest.
      return i;
    }
  }
  return nearest === -1 ? rows.length - 1 : nearest;
}

/** The position of a part row under its exchange (0 for the first part). */
function partIndex(rows: Row[], at: number): number {
  let n = 0;
  for (let i = at - 1; i >= 0 && rows[i]!.item === rows[at]!.item && rows[i]!.part; i--) n++;
  return n;
}

export function selectedRow(state: TuiState): Row | undefined {
  const rows = rowsOf(state);
  return rows[selectedIndex(state, rows)];
}

export function selectedPaused(state: TuiState): PausedView | undefined {
  return state.paused[Math.min(state.heldIndex, state.paused.length - 1)];
}

/**
 * The held message the decision keys act on: the one picked in the held list, else the selected
 * exchange's, else (when the selection holds nothing) the only one held.
 */
export function heldForDecision(state: TuiState): PausedView | undefined {
  if (state.focus === 'held') return selectedPaused(state);
  const item = selectedRow(state)?.item;
  const pauseId = item?.type === 'exchange' ? item.exchange.held?.pauseId : item?.type === 'event' && item.frame.held ? item.frame.pauseId : undefined;
  if (pauseId === undefined) return state.paused.length === 1 ? state.paused[0] : undefined;
  return state.paused.find((p) => p.pauseId === pauseId);
}

function withSelection(state: TuiState, item: LogItem | undefined, part?: number): TuiState {
  state.log.pin(item);
  const detail = item === state.selected && part === state.selectedPart ? state.detail : { ...state.detail, top: 0 };
  return { ...state, selected: item, selectedPart: part, detail };
}

function selectRow(state: TuiState, rows: Row[], index: number): TuiState {
  const row = rows[index];
  if (!row) return state;
  // Reaching the bottom goes back to following new exchanges, as a log viewer does (not while frozen).
  if (index === rows.length - 1 && !row.part && !state.log.isFrozen) return withSelection(state, undefined);
  return withSelection(state, row.item, row.part ? partIndex(rows, index) : undefined);
}

function applyServerMessage(state: TuiState, message: ServerMessage): TuiState {
  switch (message.type) {
    case 'hello': {
      const log = new ExchangeLog({ capacity: DEFAULT_CAPACITY });
      for (const frame of helloFrames(message)) log.add(frame);
      return {
        ...state,
        source: 'live',
        log,
        connected: true,
        proxy: message.proxy,
        breakpoints: message.breakpoints,
        paused: message.paused,
        sessions: message.sessions,
        logVersion: state.logVersion + 1,
        selected: undefined,
        heldIndex: 0,
      };
    }
    case 'frame':
      state.log.add(exchangeFrameOfView(message.frame));
      return awaited({ ...state, logVersion: state.logVersion + 1 }, message.frame.id, message.frame.sessionId);
    case 'paused': {
      const known = state.paused.findIndex((p) => p.pauseId === message.paused.pauseId);
      if (known !== -1) {
        // The same hold again: its timer stopped or started, or its sender cancelled it.
        const paused = [...state.paused];
        paused[known] = message.paused;
        return { ...state, paused, logVersion: state.logVersion + 1 };
      }
      state.log.add(heldFrameOf(message.paused));
      return { ...state, paused: [...state.paused, message.paused], logVersion: state.logVersion + 1 };
    }
    case 'resumed': {
      const paused = state.paused.filter((p) => p.pauseId !== message.pauseId);
      if (paused.length === state.paused.length) return state;
      const status: Status | undefined = message.cancelled
        ? { text: `held #${message.pauseId} was cancelled by its sender and dropped (nobody was sent an answer)`, tone: 'info' }
        : message.timedOut
          ? { text: `held #${message.pauseId} timed out and went on`, tone: 'info' }
          : state.status;
      return { ...state, paused, heldIndex: Math.max(0, Math.min(state.heldIndex, paused.length - 1)), status };
    }
    case 'session': {
      const others = state.sessions.filter((s) => s.id !== message.session.id);
      return { ...state, sessions: message.event === 'opened' ? [...others, message.session] : others };
    }
    case 'breakpoints':
      return { ...state, breakpoints: message.breakpoints };
    case 'skipped':
      // The proxy never slows its traffic for a viewer; say that some messages are missing.
      return { ...state, status: { text: `${message.frames} messages not shown (the UI fell behind)`, tone: 'info' } };
    case 'result':
      // Results are answered to whoever sent the command (the link matches them by ref).
      return state;
  }
}

/** A request this UI sent shows up: select it, so the person sees how it goes. */
function awaited(state: TuiState, id: unknown, conversation: string): TuiState {
  const awaiting = state.awaiting;
  if (!awaiting || id !== awaiting.id || conversation !== awaiting.conversation) return state;
  const exchange = state.log.exchanges().findLast((e) => e.conversation === conversation && e.id === id);
  if (!exchange) return state;
  const item = state.log.items().find((i) => i.type === 'exchange' && i.exchange === exchange);
  return withSelection({ ...state, awaiting: undefined, focus: 'list' }, item);
}

function move(state: TuiState, delta: number): TuiState {
  if (state.focus === 'held') {
    const last = state.paused.length - 1;
    return { ...state, heldIndex: Math.max(0, Math.min(last, state.heldIndex + delta)) };
  }
  if (state.focus === 'detail') return { ...state, detail: { ...state.detail, top: Math.max(0, state.detail.top + delta) } };
  const rows = rowsOf(state);
  if (rows.length === 0) return state;
  return selectRow(state, rows, Math.max(0, Math.min(rows.length - 1, selectedIndex(state, rows) + delta)));
}

function jump(state: TuiState, to: 'start' | 'end'): TuiState {
  if (state.focus === 'held') return { ...state, heldIndex: to === 'start' ? 0 : Math.max(0, state.paused.length - 1) };
  if (state.focus === 'detail') return { ...state, detail: { ...state.detail, top: to === 'start' ? 0 : Number.MAX_SAFE_INTEGER } };
  if (to === 'end') return state.log.isFrozen ? selectRow(state, rowsOf(state), rowsOf(state).length - 1) : withSelection(state, undefined);
  return selectRow(state, rowsOf(state), 0);
}

function applyFilter(state: TuiState, expression: string): TuiState {
  const trimmed = expression.trim();
  if (trimmed === '') {
    state.view.setFilter(undefined);
    return { ...state, filter: { expression: '' }, logVersion: state.logVersion + 1, status: { text: 'filter cleared', tone: 'info' } };
  }
  try {
    state.view.setFilter(compileFilter(trimmed));
    return { ...state, filter: { expression: trimmed }, logVersion: state.logVersion + 1, status: undefined };
  } catch (error) {
    if (!(error instanceof FilterSyntaxError)) throw error;
    // A bad expression leaves the list as it was; the error says where it went wrong.
    const mode: Mode = state.mode.kind === 'prompt' ? { ...state.mode, error: formatFilterError(error) } : state.mode;
    return { ...state, mode, status: { text: error.message, tone: 'error' } };
  }
}

/** The text `/` searches in an item: every message it holds, as sent. */
export function searchableText(item: LogItem): string {
  if (item.type === 'event') return item.frame.text ?? JSON.stringify(item.frame.message) ?? '';
  const e = item.exchange;
  return [e.request, e.answer, e.delivered, ...e.notifications].map((f) => (f ? (f.text ?? JSON.stringify(f.message) ?? '') : '')).join('\n');
}

/** `/` in the list: the next item (after the selected one, wrapping) whose messages hold the text. */
function searchList(state: TuiState, text: string, backwards: boolean): TuiState {
  const rows = rowsOf(state).filter((row) => !row.part);
  if (rows.length === 0) return { ...state, search: text, status: { text: 'nothing to search', tone: 'error' } };
  const needle = text.toLowerCase();
  const current = rows.findIndex((row) => row.item === state.selected);
  const from = current === -1 ? (backwards ? rows.length : -1) : current;
  for (let step = 1; step <= rows.length; step++) {
    const at = (from + (backwards ? -step : step) + rows.length * 2) % rows.length;
    if (searchableText(rows[at]!.item).toLowerCase().includes(needle)) {
      return { ...withSelection(state, rows[at]!.item), search: text, status: { text: `found "${text}"`, tone: 'info' } };
    }
  }
  return { ...state, search: text, status: { text: `"${text}" is in no listed message`, tone: 'error' } };
}

export function reduce(state: TuiState, action: TuiAction): TuiState {
  switch (action.type) {
    case 'server':
      return pinned(action.messages.reduce(applyServerMessage, state));
    case 'tape': {
      const log = buildExchanges(action.frames);
      return { ...state, source: 'tape', tape: action.tape, connected: true, log, logVersion: state.logVersion + 1, selected: undefined };
    }
    case 'closed':
      return { ...state, connected: false, closedReason: action.reason };
    case 'move':
      return move(state, action.delta);
    case 'jump':
      return jump(state, action.to);
    case 'select':
      return withSelection(state, action.item);
    case 'focus':
      return { ...state, focus: action.focus };
    case 'cycle-focus': {
      const order: Focus[] = state.paused.length > 0 ? ['list', 'held', 'detail'] : ['list', 'detail'];
      return { ...state, focus: order[(order.indexOf(state.focus) + 1) % order.length]! };
    }
    case 'toggle-expand': {
      const row = selectedRow(state);
      if (!row || row.item.type !== 'exchange') return state;
      const key = row.item.exchange.key;
      const expanded = new Set(state.expanded);
      if (expanded.has(key)) expanded.delete(key);
      else expanded.add(key);
      return withSelection({ ...state, expanded }, row.item);
    }
    case 'mode':
      return { ...state, mode: action.mode };
    case 'prompt-text':
      return state.mode.kind === 'prompt' ? { ...state, mode: { kind: 'prompt', purpose: state.mode.purpose, text: action.text } } : state;
    case 'prompt-error':
      return state.mode.kind === 'prompt' ? { ...state, mode: { ...state.mode, error: action.error } } : state;
    case 'filter':
      return applyFilter(state, action.expression);
    case 'search':
      if (action.from === 'list') return searchList(state, action.text, action.backwards === true);
      return { ...state, search: action.text, detail: action.line === undefined ? state.detail : { ...state.detail, top: action.line } };
    case 'detail':
      return { ...state, detail: { ...state.detail, ...action.detail } };
    case 'freeze':
      if (state.log.isFrozen) {
        state.log.thaw();
        return { ...state, logVersion: state.logVersion + 1, status: { text: 'following the proxy again', tone: 'info' } };
      }
      state.log.freeze();
      // A frozen list holds still: the selection stays where it is, even on the newest row.
      return { ...withSelection(state, state.selected ?? selectedRow(state)?.item), logVersion: state.logVersion + 1, status: { text: 'frozen: the list holds still (F follows again)', tone: 'info' } };
    case 'clear':
      state.log.clear();
      return { ...state, selected: state.selected && state.log.has(state.selected) ? state.selected : undefined, logVersion: state.logVersion + 1, status: { text: 'cleared (what is still open or held stays)', tone: 'info' } };
    case 'status':
      return { ...state, status: action.status };
    case 'answer-written':
      return { ...state, lastAnswer: action.answer };
    case 'awaiting':
      return { ...state, awaiting: action.awaiting };
  }
}

/** The selected item must not fall off while a person looks at it. */
function pinned(state: TuiState): TuiState {
  state.log.pin(state.selected);
  if (state.selected && !state.log.has(state.selected)) return { ...state, selected: undefined };
  return state;
}

/**
 * Holds the state outside React and tells subscribers when it changes: the components read it with
 * useSyncExternalStore, so the reducer runs exactly once per action (it mutates the log).
 */
export class TuiStore {
  private state: TuiState;
  private readonly listeners = new Set<() => void>();

  constructor(state: TuiState = initialState()) {
    this.state = state;
  }

  getState = (): TuiState => this.state;

  dispatch = (action: TuiAction): void => {
    const next = reduce(this.state, action);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  };

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

