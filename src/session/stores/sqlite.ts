/**
 * Sessions in a SQLite file, so they survive a restart: a client keeps its Mcp-Session-Id across
 * a proxy restart. Writes come from the manager's batched flush, never once per message.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Session } from '../session.js';
import type { SessionStore } from '../store.js';

export class SqliteSessionStore implements SessionStore {
  readonly kind = 'sqlite';
  readonly file: string;
  private readonly db: Database.Database;
  private readonly statements: {
    load: Database.Statement;
    save: Database.Statement;
    remove: Database.Statement;
    list: Database.Statement;
    sweep: Database.Statement;
  };

  constructor(path: string) {
    this.file = resolve(path);
    if (!existsSync(this.file)) {
      mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
      closeSync(openSync(this.file, 'a', 0o600));
    }
    // Waiting on a lock blocks the event loop: wait briefly; a failed batched write is retried.
    this.db = new Database(this.file, { timeout: 200 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS sessions (
      id          TEXT PRIMARY KEY,
      data        TEXT NOT NULL,
      last_active INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS sessions_by_activity ON sessions (last_active);`);
    this.statements = {
      load: this.db.prepare('SELECT data FROM sessions WHERE id = ?'),
      save: this.db.prepare('INSERT INTO sessions (id, data, last_active) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET data = excluded.data, last_active = excluded.last_active'),
      remove: this.db.prepare('DELETE FROM sessions WHERE id = ?'),
      list: this.db.prepare('SELECT data FROM sessions ORDER BY last_active'),
      sweep: this.db.prepare('DELETE FROM sessions WHERE last_active < ? RETURNING id'),
    };
  }

  async load(id: string): Promise<Session | undefined> {
    const row = this.statements.load.get(id) as { data: string } | undefined;
    return row ? (JSON.parse(row.data) as Session) : undefined;
  }

  async save(session: Session): Promise<void> {
    this.statements.save.run(session.id, JSON.stringify(session), session.lastActiveAt);
  }

  async saveMany(sessions: Session[]): Promise<void> {
    this.db.transaction(() => {
      for (const session of sessions) this.statements.save.run(session.id, JSON.stringify(session), session.lastActiveAt);
    })();
  }

  async delete(id: string): Promise<void> {
    this.statements.remove.run(id);
  }

  async list(): Promise<Session[]> {
    return (this.statements.list.all() as { data: string }[]).map((row) => JSON.parse(row.data) as Session);
  }

  async sweep(idleMs: number, now = Date.now()): Promise<string[]> {
    return (this.statements.sweep.all(now - idleMs) as { id: string }[]).map((row) => row.id);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
