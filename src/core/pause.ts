/**
 * Holds paused messages until someone decides what happens to them. Each hold is independent:
 * one paused message never delays another. A hold's timer can be stopped while a person works
 * on it, and a held request its sender cancels is dropped (or, if asked, kept and marked).
 */
import { EventEmitter } from 'node:events';
import type { PendingRequest } from './context.js';
import { idKey, type Direction, type JsonRpcId, type MessageSummary } from './jsonrpc.js';

export const DEFAULT_PAUSE_TIMEOUT_MS = 5 * 60 * 1000;
/** The longest delay a Node timer can wait (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type PauseDecision =
  | { type: 'continue' }
  | { type: 'modify'; message: unknown }
  /** `answer: false`: the sender is owed no error either (it cancelled the request itself). */
  | { type: 'drop'; reason?: string; answer?: boolean }
  | { type: 'mock'; response: unknown };

export interface PausedMessage {
  pauseId: number;
  sessionId: string;
  direction: Direction;
  summary: MessageSummary;
  message: unknown;
  raw: string;
  reason?: string;
  /** For an answer: the request it answers, when the proxy saw it (so a viewer can name it). */
  request?: PendingRequest;
  /** Date.now() values, for display. */
  pausedAt: number;
  /** When it continues by itself; while the timer is stopped, when it would if started now. */
  deadline: number;
  timer: 'running' | 'stopped';
  /** Its sender cancelled it while it was held. */
  cancelled?: { reason?: string; at: number };
}

export interface PauseResolution {
  pauseId: number;
  decision: PauseDecision;
  timedOut: boolean;
  heldMs: number;
  /** Dropped because its sender cancelled it. */
  cancelled?: boolean;
}

interface Held {
  info: PausedMessage;
  resolve: (resolution: PauseResolution) => void;
  timer?: NodeJS.Timeout;
  /** While the timer is stopped: the time it had left. */
  remainingMs?: number;
}

export interface PauseControllerEvents {
  paused: [PausedMessage];
  /** A hold changed without ending: its timer stopped or started, or its sender cancelled it. */
  updated: [PausedMessage];
  resumed: [PausedMessage, PauseResolution];
}

export interface PauseControllerOptions {
  /**
   * A held request whose sender cancels it stays held, marked cancelled, for a person to decide
   * (default: it is dropped, since nobody waits for its answer any more).
   */
  keepCancelled?: boolean;
}

export class PauseController extends EventEmitter<PauseControllerEvents> {
  private readonly held = new Map<number, Held>();
  private nextId = 1;

  constructor(
    readonly defaultTimeoutMs: number = DEFAULT_PAUSE_TIMEOUT_MS,
    private readonly options: PauseControllerOptions = {},
  ) {
    super();
  }

  hold(message: Omit<PausedMessage, 'pauseId' | 'pausedAt' | 'deadline' | 'timer'>, timeoutMs = this.defaultTimeoutMs): Promise<PauseResolution> {
    const pauseId = this.nextId++;
    const pausedAt = Date.now();
    // Node fires a timer longer than it can hold at once; a very long wait must stay long.
    const waitMs = Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS);
    const info: PausedMessage = { ...message, pauseId, pausedAt, deadline: pausedAt + waitMs, timer: 'running' };
    const resolution = new Promise<PauseResolution>((resolve) => {
      const held: Held = { info, resolve };
      this.held.set(pauseId, held);
      this.arm(held, waitMs);
    });
    this.announce('paused', info);
    return resolution;
  }

  private arm(held: Held, waitMs: number): void {
    held.timer = setTimeout(() => this.settle(held.info.pauseId, { type: 'continue' }, true), waitMs);
    held.timer.unref();
  }

  /** Stops a hold's timer (a person is working on it); false when it is not held or already stopped. */
  stopTimer(pauseId: number): boolean {
    const held = this.held.get(pauseId);
    if (!held || held.info.timer === 'stopped') return false;
    clearTimeout(held.timer);
    held.timer = undefined;
    held.remainingMs = Math.max(0, held.info.deadline - Date.now());
    held.info.timer = 'stopped';
    this.announce('updated', held.info);
    return true;
  }

  /** Starts a stopped timer again with the time it had left; false when it is not held or already running. */
  startTimer(pauseId: number): boolean {
    const held = this.held.get(pauseId);
    if (!held || held.info.timer === 'running') return false;
    const waitMs = held.remainingMs ?? 0;
    held.remainingMs = undefined;
    held.info.deadline = Date.now() + waitMs;
    held.info.timer = 'running';
    this.arm(held, waitMs);
    this.announce('updated', held.info);
    return true;
  }

  /**
   * The sender of a held request cancelled it (`notifications/cancelled` naming its id): the hold
   * is marked, and unless `keepCancelled` was asked, dropped without an answer (the sender wants
   * none). Returns what became of it, or undefined when no such request is held.
   */
  cancel(sessionId: string, direction: Direction, requestId: JsonRpcId, reason?: string): 'dropped' | 'kept' | undefined {
    const key = idKey(requestId);
    const held = [...this.held.values()].find(
      (h) => h.info.sessionId === sessionId && h.info.direction === direction && h.info.summary.kind === 'request' && idKey(h.info.summary.id) === key,
    );
    if (!held) return undefined;
    held.info.cancelled = reason === undefined ? { at: Date.now() } : { reason, at: Date.now() };
    this.announce('updated', held.info);
    if (this.options.keepCancelled) return 'kept';
    const why = `cancelled by its ${direction === 'c2s' ? 'client' : 'server'} while held${reason ? ` (${reason})` : ''}`;
    this.settle(held.info.pauseId, { type: 'drop', reason: why, answer: false }, false, true);
    return 'dropped';
  }

  list(): PausedMessage[] {
    return [...this.held.values()].map((h) => h.info);
  }

  get size(): number {
    return this.held.size;
  }

  /** Decides one paused message; false when it is no longer held. */
  resume(pauseId: number, decision: PauseDecision = { type: 'continue' }): boolean {
    return this.settle(pauseId, decision, false);
  }

  resumeAll(decision: PauseDecision = { type: 'continue' }): number {
    const ids = [...this.held.keys()];
    for (const id of ids) this.settle(id, decision, false);
    return ids.length;
  }

  private settle(pauseId: number, decision: PauseDecision, timedOut: boolean, cancelled = false): boolean {
    const held = this.held.get(pauseId);
    if (!held) return false;
    this.held.delete(pauseId);
    clearTimeout(held.timer);
    const resolution: PauseResolution = { pauseId, decision, timedOut, heldMs: Date.now() - held.info.pausedAt };
    if (cancelled) resolution.cancelled = true;
    held.resolve(resolution);
    this.announce('resumed', held.info, resolution);
    return true;
  }

  /**
   * Tells listeners (a UI, a control channel). One that fails must neither lose the message
   * nor, when a timeout fires from a timer, take the process down.
   */
  private announce<E extends keyof PauseControllerEvents>(event: E, ...args: PauseControllerEvents[E]): void {
    for (const listener of this.rawListeners(event) as ((...a: PauseControllerEvents[E]) => void)[]) {
      try {
        listener(...args);
      } catch (error) {
        console.error(`mcp-tap: a "${event}" listener of the pause controller failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
