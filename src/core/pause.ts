/**
 * Holds paused messages until someone decides what happens to them. Each hold is independent:
 * one paused message never delays another.
 */
import { EventEmitter } from 'node:events';
import type { Direction, MessageSummary } from './jsonrpc.js';

export const DEFAULT_PAUSE_TIMEOUT_MS = 5 * 60 * 1000;

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
    const info: PausedMessage = { ...message, pauseId, pausedAt, deadline: pausedAt + timeoutMs };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(pauseId, { type: 'continue' }, true), timeoutMs);
      timer.unref();
      this.held.set(pauseId, { info, resolve, timer });
      this.emit('paused', info);
    });
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
    this.emit('resumed', held.info, resolution);
    return true;
  }
}
