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
  close(): Promise<void>;
}
