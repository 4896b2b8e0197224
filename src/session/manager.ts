/**
 * Creates, finds, updates and expires sessions. Live sessions are held in a Map so that a lookup
 * on the hot path is a hash probe; the store is written behind, off the message path.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { TransportKind } from '../core/context.js';
import type { Session } from './session.js';
import type { SessionStore } from './store.js';
import { MemorySessionStore } from './stores/memory.js';

export interface SessionManagerOptions {
  store?: SessionStore;
  /** A session untouched for this long is cleaned up; 0 disables expiry. Default 30 minutes. */
  idleTimeoutMs?: number;
  /** How often to look for idle sessions. Default: a tenth of the idle timeout, at least 1 s. */
  sweepIntervalMs?: number;
  /** Told when the store fails in the background (a batched write, an idle sweep). */
  onStoreError?: (error: Error) => void;
}

/** The session store failed (Redis away, a locked file): the session itself may be fine. */
export class SessionStoreError extends Error {
  constructor(operation: string, cause: unknown) {
    super(`the session store is unavailable (${operation}): ${(cause as Error).message ?? String(cause)}`);
    this.name = 'SessionStoreError';
  }
}

export interface SessionManagerEvents {
  created: [Session];
  cleanup: [Session, string];
}

export class SessionManager extends EventEmitter<SessionManagerEvents> {
  readonly store: SessionStore;
  private readonly live = new Map<string, Session>();
  private readonly dirty = new Set<string>();
  private flushScheduled = false;
  private sweeper?: NodeJS.Timeout;
  readonly idleTimeoutMs: number;
  private readonly onStoreError: (error: Error) => void;

  constructor(options: SessionManagerOptions = {}) {
    super();
    this.store = options.store ?? new MemorySessionStore();
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30 * 60 * 1000;
    this.onStoreError = options.onStoreError ?? ((error) => process.stderr.write(`mcp-tap: ${error.message}\n`));
    if (this.idleTimeoutMs > 0) {
      const every = options.sweepIntervalMs ?? Math.max(1000, Math.floor(this.idleTimeoutMs / 10));
      this.sweeper = setInterval(() => this.sweepIdle().catch((error: unknown) => this.onStoreError(new SessionStoreError('sweep', error))), every);
      this.sweeper.unref();
    }
  }

  /** Runs a store operation, naming the store as what failed. */
  private async stored<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw error instanceof SessionStoreError ? error : new SessionStoreError(operation, error);
    }
  }

  async create(transport: TransportKind, init: Partial<Omit<Session, 'transport'>> = {}): Promise<Session> {
    const now = Date.now();
    const session: Session = {
      metadata: {},
      counters: { c2s: 0, s2c: 0 },
      createdAt: now,
      lastActiveAt: now,
      ...init,
      id: init.id ?? randomUUID(),
      transport,
    };
    await this.stored('create', () => this.store.save(session));
    this.live.set(session.id, session);
    this.emit('created', session);
    return session;
  }

  /** A live session without a round trip to the store. */
  peek(id: string): Session | undefined {
    return this.live.get(id);
  }

  /** A live session, or one the store still knows (after a restart, or from another process). */
  async get(id: string): Promise<Session | undefined> {
    const live = this.live.get(id);
    if (live) return live;
    const stored = await this.stored('load', () => this.store.load(id));
    if (stored) this.live.set(id, stored);
    return stored;
  }

  /** Changes a session in place; the store is written shortly after, batched. */
  update(id: string, change: (session: Session) => void): Session | undefined {
    const session = this.live.get(id);
    if (!session) return undefined;
    change(session);
    session.lastActiveAt = Date.now();
    this.markDirty(id);
    return session;
  }

  async cleanup(id: string, reason = 'closed'): Promise<boolean> {
    const session = this.live.get(id) ?? (await this.store.load(id));
    this.live.delete(id);
    this.dirty.delete(id);
    await this.store.delete(id);
    if (session) this.emit('cleanup', session, reason);
    return session !== undefined;
  }

  async list(): Promise<Session[]> {
    await this.flush();
    return this.store.list();
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** Cleans up every live session idle for longer than the timeout; returns how many. */
  async sweepIdle(now = Date.now()): Promise<number> {
    if (this.idleTimeoutMs <= 0) return 0;
    const idle = [...this.live.values()].filter((s) => now - s.lastActiveAt > this.idleTimeoutMs);
    for (const session of idle) await this.cleanup(session.id, 'idle');
    // Sessions left in a shared or persistent store by a process that is gone expire too.
    const stale = (await this.store.sweep?.(this.idleTimeoutMs, now)) ?? [];
    return idle.length + stale.length;
  }

  async flush(): Promise<void> {
    const ids = [...this.dirty];
    const sessions = ids.map((id) => this.live.get(id)).filter((s): s is Session => s !== undefined);
    this.dirty.clear();
    if (sessions.length === 0) return;
    try {
      if (this.store.saveMany) await this.store.saveMany(sessions);
      else for (const session of sessions) await this.store.save(session);
    } catch (error) {
      for (const id of ids) if (this.live.has(id)) this.dirty.add(id);
      throw error;
    }
  }

  /** Forgets a live session without deleting it from the store (it may be resumed elsewhere). */
  release(id: string): void {
    this.live.delete(id);
    this.dirty.delete(id);
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.flush();
    await this.store.close();
  }

  private markDirty(id: string): void {
    this.dirty.add(id);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setTimeout(() => {
      this.flushScheduled = false;
      // A failed write keeps the sessions dirty, so the next flush tries again.
      this.flush().catch((error: unknown) => this.onStoreError(new SessionStoreError('save', error)));
    }, 100).unref();
  }
}
