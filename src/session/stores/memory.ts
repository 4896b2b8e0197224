import type { Session } from '../session.js';
import type { SessionStore } from '../store.js';

/** The default store: sessions live as long as the process. */
export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory';
  private readonly sessions = new Map<string, Session>();

  async load(id: string): Promise<Session | undefined> {
    const session = this.sessions.get(id);
    return session ? structuredClone(session) : undefined;
  }

  async save(session: Session): Promise<void> {
    this.sessions.set(session.id, structuredClone(session));
  }

  async delete(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  async list(): Promise<Session[]> {
    return [...this.sessions.values()].map((s) => structuredClone(s));
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }
}
