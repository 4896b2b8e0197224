/**
 * Where sessions are kept. The manager keeps live sessions in memory; a store is what survives
 * the process (or is shared between processes). Every store behaves the same.
 */
import type { Session } from './session.js';

export interface SessionStore {
  readonly kind: string;
  load(id: string): Promise<Session | undefined>;
  save(session: Session): Promise<void>;
  delete(id: string): Promise<void>;
  list(): Promise<Session[]>;
  /** Writes several at once (one transaction or round trip) when the store can. */
  saveMany?(sessions: Session[]): Promise<void>;
  /**
   * Deletes stored sessions idle for longer than `idleMs`, including ones no live process holds
   * (a proxy that died), and returns their ids. Stores with their own expiry (Redis TTLs) omit it.
   */
  sweep?(idleMs: number, now?: number): Promise<string[]>;
  close(): Promise<void>;
}
