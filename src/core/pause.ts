/**
 * Holds paused messages until someone decides what happens to them. Each hold is independent:
 * one paused message never delays another.
 */
import { EventEmitter } from 'node:events';
import type { PendingRequest } from './context.js';
import type { Direction, MessageSummary } from './jsonrpc.js';

export const DEFAULT_PAUSE_TIMEOUT_MS = 5 * 60 * 1000;
/** The longest delay a Node timer can wait (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type PauseDecision =
  | { type: 'continue' }
  | { type: 'modify'; message: unknown }
  | { type: 'drop'; reason?: string }
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
  deadline: number;
}

export interface PauseResolution {
  decision: PauseDecision;
  timedOut: boolean;
  heldMs: number;
}

interface Held {
  info: PausedMessage;
  resolve: (resolution: PauseResolution) => void;
  timer: NodeJS.Timeout;
}

export interface PauseControllerEvents {
  paused: [PausedMessage];
  resumed: [PausedMessage, PauseResolution];
}

export class PauseController extends EventEmitter<PauseControllerEvents> {
  private readonly held = new Map<number, Held>();
  private nextId = 1;

  constructor(readonly defaultTimeoutMs: number = DEFAULT_PAUSE_TIMEOUT_MS) {
    super();
  }

  hold(message: Omit<PausedMessage, 'pauseId' | 'pausedAt' | 'deadline'>, timeoutMs = this.defaultTimeoutMs): Promise<PauseResolution> {
    const pauseId = this.nextId++;
    const pausedAt = Date.now();
    // Node fires a timer longer than it can hold at once; a very long wait must stay long.
    const waitMs = Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS);
    const info: PausedMessage = { ...message, pauseId, pausedAt, deadline: pausedAt + waitMs };
    const resolution = new Promise<PauseResolution>((resolve) => {
      const timer = setTimeout(() => this.settle(pauseId, { type: 'continue' }, true), waitMs);
      timer.unref();
      this.held.set(pauseId, { info, resolve, timer });
    });
    this.announce('paused', info);
    return resolution;
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

  private settle(pauseId: number, decision: PauseDecision, timedOut: boolean): boolean {
    const held = this.held.get(pauseId);
    if (!held) return false;
    this.held.delete(pauseId);
    clearTimeout(held.timer);
    const resolution: PauseResolution = { decision, timedOut, heldMs: Date.now() - held.info.pausedAt };
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
