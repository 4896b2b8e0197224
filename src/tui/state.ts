/**
 * The UI's state and the reducer over it: what the proxy said (ServerMessages) and what the person
 * did (moves, filter, modes). Kept apart from the components so it can be tested without a
 * terminal. The frame log inside is mutated in place (see frame-log.ts); `logVersion` says it changed.
 */
import { compileFilter, formatFilterError, FilterSyntaxError } from '../filter/index.js';
import type { BreakpointView, PausedView, ProxyStateFile, ServerMessage, SessionView } from '../control/protocol.js';
import { DEFAULT_FRAME_CAPACITY, FrameLog } from './frame-log.js';

export type ProxyInfo = Omit<ProxyStateFile, 'token'>;

export type Focus = 'list' | 'paused';

/** What the keyboard is doing: moving around, typing into a prompt, reading help, or away in $EDITOR. */
export type Mode =
  | { kind: 'normal' }
  /** `error`: why the last Enter was refused (the filter's column error), until the text changes. */
  | { kind: 'prompt'; purpose: 'filter' | 'break'; text: string; error?: string }
  | { kind: 'help' }
  | { kind: 'editor'; what: string };

export interface Status {
  text: string;
  tone: 'info' | 'error';
}

/** A response a person wrote (by editing an answer or mocking one): what `s` saves as a mock rule. */
export interface WrittenAnswer {
  /** A filter expression matching the request it answers. */
  match: string;
  result: unknown;
}

export interface TuiState {
  proxy?: ProxyInfo;
  connected: boolean;
  closedReason?: string;
  log: FrameLog;
  /** Bumped whenever the log changes, so views know to redraw. */
  logVersion: number;
  paused: PausedView[];
  breakpoints: BreakpointView[];
  sessions: SessionView[];
  filter: { expression: string };
  focus: Focus;
  /** The selected frame's seq; undefined means "follow the newest". */
  selectedSeq?: number;
  pausedIndex: number;
  mode: Mode;
  status?: Status;
  lastAnswer?: WrittenAnswer;
}

export type TuiAction =
  | { type: 'server'; messages: ServerMessage[] }
  | { type: 'closed'; reason: string }
  | { type: 'move'; delta: number }
  | { type: 'jump'; to: 'start' | 'end' }
  | { type: 'toggle-focus' }
  | { type: 'mode'; mode: Mode }
  | { type: 'prompt-text'; text: string }
  | { type: 'prompt-error'; error: string }
  | { type: 'filter'; expression: string }
  | { type: 'status'; status?: Status }
  | { type: 'answer-written'; answer: WrittenAnswer };

export function initialState(capacity = DEFAULT_FRAME_CAPACITY): TuiState {
  return {
    connected: false,
    log: new FrameLog(capacity),
    logVersion: 0,
    paused: [],
    breakpoints: [],
    sessions: [],
    filter: { expression: '' },
    focus: 'list',
    pausedIndex: 0,
    mode: { kind: 'normal' },
  };
}

/** Index of the selected frame among the visible ones (-1 when nothing is visible). */
export function selectedIndex(state: TuiState): number {
  const count = state.log.visibleCount;
  if (count === 0) return -1;
  if (state.selectedSeq === undefined) return count - 1;
  const index = state.log.indexOfSeq(state.selectedSeq);
  // The selected frame fell off the ring or out of the filter: the oldest visible is nearest.
  return index === -1 ? 0 : index;
}

export function selectedPaused(state: TuiState): PausedView | undefined {
  return state.paused[Math.min(state.pausedIndex, state.paused.length - 1)];
}

function applyServerMessage(state: TuiState, message: ServerMessage): TuiState {
  switch (message.type) {
    case 'hello': {
      state.log.clear();
      for (const frame of message.frames) state.log.push(frame);
      return {
        ...state,
        connected: true,
        proxy: message.proxy,
        breakpoints: message.breakpoints,
        paused: message.paused,
        sessions: message.sessions,
        logVersion: state.logVersion + 1,
        pausedIndex: 0,
      };
    }
    case 'frame':
      state.log.push(message.frame);
      return { ...state, logVersion: state.logVersion + 1 };
    case 'paused':
      if (state.paused.some((p) => p.pauseId === message.paused.pauseId)) return state;
      return { ...state, paused: [...state.paused, message.paused] };
    case 'resumed': {
      const paused = state.paused.filter((p) => p.pauseId !== message.pauseId);
      if (paused.length === state.paused.length) return state;
      const status: Status | undefined = message.timedOut ? { text: `paused message #${message.pauseId} timed out and went on`, tone: 'info' } : state.status;
      return { ...state, paused, pausedIndex: Math.max(0, Math.min(state.pausedIndex, paused.length - 1)), status };
    }
    case 'session': {
      const others = state.sessions.filter((s) => s.id !== message.session.id);
      return { ...state, sessions: message.event === 'opened' ? [...others, message.session] : others };
    }
    case 'breakpoints':
      return { ...state, breakpoints: message.breakpoints };
    case 'skipped':
      // The proxy never slows its traffic for a viewer; say that some rows are missing.
      return { ...state, status: { text: `${message.frames} frames not shown (the UI fell behind)`, tone: 'info' } };
    case 'result':
      // Results are answered to whoever sent the command (the link matches them by ref).
      return state;
  }
}

function move(state: TuiState, delta: number): TuiState {
  if (state.focus === 'paused') {
    const last = state.paused.length - 1;
    return { ...state, pausedIndex: Math.max(0, Math.min(last, state.pausedIndex + delta)) };
  }
  const count = state.log.visibleCount;
  if (count === 0) return state;
  const target = Math.max(0, Math.min(count - 1, selectedIndex(state) + delta));
  // Reaching the bottom goes back to following new frames, as a log viewer does.
  return { ...state, selectedSeq: target === count - 1 ? undefined : state.log.visibleAt(target)!.seq };
}

function applyFilter(state: TuiState, expression: string): TuiState {
  const trimmed = expression.trim();
  if (trimmed === '') {
    state.log.setFilter(undefined);
    return { ...state, filter: { expression: '' }, logVersion: state.logVersion + 1, status: { text: 'filter cleared', tone: 'info' } };
  }
  try {
    const predicate = compileFilter(trimmed);
    state.log.setFilter(predicate);
    return { ...state, filter: { expression: trimmed }, logVersion: state.logVersion + 1, status: undefined };
  } catch (error) {
    if (!(error instanceof FilterSyntaxError)) throw error;
    // A bad expression leaves the list as it was; the error says where it went wrong.
    const mode: Mode = state.mode.kind === 'prompt' ? { ...state.mode, error: formatFilterError(error) } : state.mode;
    return { ...state, mode, status: { text: error.message, tone: 'error' } };
  }
}

export function reduce(state: TuiState, action: TuiAction): TuiState {
  switch (action.type) {
    case 'server':
      return action.messages.reduce(applyServerMessage, state);
    case 'closed':
      return { ...state, connected: false, closedReason: action.reason };
    case 'move':
      return move(state, action.delta);
    case 'jump':
      if (state.focus === 'paused') return { ...state, pausedIndex: action.to === 'start' ? 0 : Math.max(0, state.paused.length - 1) };
      if (action.to === 'end') return { ...state, selectedSeq: undefined };
      return state.log.visibleCount === 0 ? state : { ...state, selectedSeq: state.log.visibleAt(0)!.seq };
    case 'toggle-focus':
      return { ...state, focus: state.focus === 'list' ? 'paused' : 'list' };
    case 'mode':
      return { ...state, mode: action.mode };
    case 'prompt-text':
      return state.mode.kind === 'prompt' ? { ...state, mode: { kind: 'prompt', purpose: state.mode.purpose, text: action.text } } : state;
    case 'prompt-error':
      return state.mode.kind === 'prompt' ? { ...state, mode: { ...state.mode, error: action.error } } : state;
    case 'filter':
      return applyFilter(state, action.expression);
    case 'status':
      return { ...state, status: action.status };
    case 'answer-written':
      return { ...state, lastAnswer: action.answer };
  }
}

/**
 * Holds the state outside React and tells subscribers when it changes: the components read it with
 * useSyncExternalStore, so the reducer runs exactly once per action (it mutates the frame log).
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
