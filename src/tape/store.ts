/**
 * The tape store: one SQLite file (WAL) holding many tapes. Synchronous by nature
 * (better-sqlite3); the recorder batches writes so the proxy's message path never waits on it.
 */
import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SCHEMA, SCHEMA_VERSION } from './schema.js';
import { TapeError, explainStoreError, isBusy } from './errors.js';
import type { NewFrame, TapeFrame, TapeInfo, TapeSession, TapeUpstream } from './types.js';
import type { JsonValue } from '../core/jsonrpc.js';
import { redactArgv, redactUrl } from '../core/secrets.js';

export const DEFAULT_STORE = 'tapes/tapes.db';

/** The store file to use: the flag, then MCP_TAP_STORE, then ./tapes/tapes.db. */
export function resolveStorePath(flag?: string): string {
  return resolve(flag ?? process.env.MCP_TAP_STORE ?? DEFAULT_STORE);
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$/;

export function validateTapeName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new TapeError(`"${name}" is not a valid tape name: use letters, digits and . _ : @ + - (at most 128, starting with a letter or digit)`);
  }
  return name;
}

export interface NewTape {
  /** The tape's name; with `unique`, the stem of one ("stem", then "stem-2", ...). */
  name: string;
  /**
   * Pick a free name from `name` as the tape is created, in the same write transaction, so
   * proxies started at once on one store (a client launching its servers) never collide.
   */
  unique?: boolean;
  transport: string;
  upstream?: TapeUpstream;
  labels?: Record<string, string>;
  redactions?: string[];
  createdAt?: string;
}

export interface OpenOptions {
  /** Create the file (owner-only) when missing. Default true; read-only commands pass false. */
  create?: boolean;
  readonly?: boolean;
  /** Told once about something the user should know (a store others could read, narrowed). */
  onWarning?: (message: string) => void;
}

/** How long a command waits for another process's lock, as SQLite's busy handler (it blocks). */
const COMMAND_BUSY_TIMEOUT_MS = 5000;

type Row = Record<string, unknown>;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parse = <T>(text: unknown): T | undefined => (typeof text === 'string' ? (JSON.parse(text) as T) : undefined);
const opt = <T>(value: unknown): T | undefined => (value === null || value === undefined ? undefined : (value as T));

export class TapeStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly sessionIds = new Map<string, number>();
  private readonly insertFrame: Database.Statement;
  private closed = false;

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
    this.insertFrame = db.prepare(
      `INSERT INTO frames (tape_id, session_id, seq, t_ms, direction, kind, method, jsonrpc_id, message, original, action, latency_ms, flags, note, redacted)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  static open(path: string, options: OpenOptions = {}): TapeStore {
    const file = resolve(path);
    const exists = existsSync(file);
    if (!exists && options.create === false) throw new TapeError(`no tape store at ${file} (record a session first, or pass --store)`);
    try {
      if (!exists) {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        // Created owner-only before SQLite touches it; SQLite gives its -wal/-shm files the same mode.
        closeSync(openSync(file, 'a', 0o600));
      }
      const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: true, timeout: COMMAND_BUSY_TIMEOUT_MS });
      if (!options.readonly) {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new TapeError(`${file} was written by a newer mcp-tap (schema ${version}); upgrade mcp-tap to read it`);
      if (!options.readonly) {
        db.exec(SCHEMA);
        if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
      } else {
        // Touch the schema so a file that is not a tape store fails here, with a clear error.
        db.prepare('SELECT count(*) FROM tapes').get();
      }
      narrowPermissions(file, options.onWarning);
      return new TapeStore(file, db);
    } catch (error) {
      throw explainStoreError(file, error);
    }
  }

  /**
   * How long a write waits for another connection's lock before it fails. SQLite's wait blocks
   * the thread, so a recording proxy keeps it short and retries later instead.
   */
  setBusyTimeout(ms: number): void {
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
  }

  /** Runs a store operation, turning SQLite's errors into one-line ones. */
  private guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      throw explainStoreError(this.file, error);
    }
  }

  createTape(tape: NewTape): TapeInfo {
    if (!tape.unique) validateTapeName(tape.name);
    const stem = tape.unique ? nameStem(tape.name) : tape.name;
    const insert = () => {
      const name = tape.unique ? this.freeName(stem) : tape.name;
      if (!tape.unique && this.db.prepare('SELECT 1 FROM tapes WHERE name = ?').get(name)) {
        throw new TapeError(`a tape named "${name}" already exists in ${this.file} (pick another --name, or remove it with: mcp-tap tapes rm ${name})`);
      }
      this.db
        .prepare(`INSERT INTO tapes (name, created_at, upstream, transport, labels, redactions) VALUES (?, ?, ?, ?, ?, ?)`)
        .run(name, tape.createdAt ?? new Date().toISOString(), json(tape.upstream), tape.transport, JSON.stringify(tape.labels ?? {}), JSON.stringify(tape.redactions ?? []));
      return name;
    };
    return this.guard(() => {
      // IMMEDIATE takes the write lock before the names are read, so no other writer can take the
      // same free name in between; the retry covers a writer that inserted without the lock.
      for (let attempt = 0; ; attempt++) {
        try {
          return this.getTape(this.db.transaction(insert).immediate())!;
        } catch (error) {
          const taken = (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
          if (!taken || !tape.unique || attempt >= 10) {
            if (taken) throw new TapeError(`a tape named "${tape.name}" already exists in ${this.file}`);
            throw error;
          }
        }
      }
    });
  }

  /** A tape name not yet taken, built from a stem: "stem", then "stem-2", ... (createTape with `unique` takes it atomically). */
  uniqueName(stem: string): string {
    return this.guard(() => this.freeName(nameStem(stem)));
  }

  private freeName(base: string): string {
    const taken = new Set((this.db.prepare('SELECT name FROM tapes WHERE name = ? OR name LIKE ?').all(base, `${base}-%`) as Row[]).map((r) => r.name as string));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }

  getTape(name: string): TapeInfo | undefined {
    return this.guard(() => {
      const row = this.db.prepare(`${TAPE_QUERY} WHERE t.name = ?`).get(name) as Row | undefined;
      return row ? toTapeInfo(row) : undefined;
    });
  }

  /** The tape, or a TapeError that lists what there is. */
  requireTape(name: string): TapeInfo {
    const tape = this.getTape(name);
    if (tape) return tape;
    const names = this.listTapes().map((t) => t.name);
    const hint = names.length === 0 ? 'the store has no tapes yet' : `tapes here: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ', ...' : ''}`;
    throw new TapeError(`no tape named "${name}" in ${this.file} (${hint})`);
  }

  /** Every tape, but those an import is still writing (named with a leading dot). */
  listTapes(): TapeInfo[] {
    return this.guard(() => (this.db.prepare(`${TAPE_QUERY} WHERE t.name NOT LIKE '.%' ORDER BY t.created_at, t.id`).all() as Row[]).map(toTapeInfo));
  }

  /**
   * A tape under a name no user can give (a leading dot), for an import to fill in chunks before
   * it is given its real name: until then nothing lists it, and a failed import leaves nothing.
   */
  createHiddenTape(tape: Omit<NewTape, 'name'>): TapeInfo {
    const name = `.importing-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    return this.guard(() => {
      const id = Number(
        this.db
          .prepare(`INSERT INTO tapes (name, created_at, upstream, transport, labels, redactions) VALUES (?, ?, ?, ?, ?, ?)`)
          .run(name, tape.createdAt ?? new Date().toISOString(), json(tape.upstream), tape.transport, JSON.stringify(tape.labels ?? {}), JSON.stringify(tape.redactions ?? []))
          .lastInsertRowid,
      );
      return toTapeInfo(this.db.prepare(`${TAPE_QUERY} WHERE t.id = ?`).get(id) as Row);
    });
  }

  /** Gives a tape its name, unless one of that name exists. */
  renameTape(id: number, name: string): void {
    validateTapeName(name);
    this.guard(() => {
      if (this.db.prepare('SELECT 1 FROM tapes WHERE name = ?').get(name)) throw new TapeError(`a tape named "${name}" already exists in ${this.file}; import it under another name with --name NAME`);
      this.db.prepare('UPDATE tapes SET name = ? WHERE id = ?').run(name, id);
    });
  }

  /** Removes what imports that died left behind (their process is gone). */
  removeAbandonedImports(alive: (pid: number) => boolean): number {
    return this.guard(() => {
      let removed = 0;
      for (const row of this.db.prepare(`SELECT id, name FROM tapes WHERE name LIKE '.importing-%'`).all() as Row[]) {
        const pid = Number(/^\.importing-(\d+)-/.exec(row.name as string)?.[1]);
        if (Number.isInteger(pid) && !alive(pid)) removed += this.db.prepare('DELETE FROM tapes WHERE id = ?').run(row.id).changes;
      }
      return removed;
    });
  }

  deleteTapeById(id: number): void {
    this.guard(() => this.db.prepare('DELETE FROM tapes WHERE id = ?').run(id));
  }

  updateTape(id: number, change: { endedAt?: string; clientInfo?: JsonValue; serverInfo?: JsonValue; protocolVersion?: string }): void {
    this.guard(() =>
      this.db
        .prepare(
          `UPDATE tapes SET ended_at = coalesce(@endedAt, ended_at), client_info = coalesce(@clientInfo, client_info),
           server_info = coalesce(@serverInfo, server_info), protocol_version = coalesce(@protocolVersion, protocol_version) WHERE id = @id`,
        )
        .run({ id, endedAt: change.endedAt ?? null, clientInfo: json(change.clientInfo), serverInfo: json(change.serverInfo), protocolVersion: change.protocolVersion ?? null }),
    );
  }

  deleteTape(name: string): boolean {
    return this.guard(() => this.db.prepare('DELETE FROM tapes WHERE name = ?').run(name).changes > 0);
  }

  /** The session row for a proxy session on a tape, created on first use. */
  sessionRow(tapeId: number, key: string, transport: string, startedAt = new Date().toISOString()): number {
    const cacheKey = `${tapeId}\u0000${key}`;
    const cached = this.sessionIds.get(cacheKey);
    if (cached !== undefined) return cached;
    return this.guard(() => {
      const found = this.db.prepare('SELECT id FROM sessions WHERE tape_id = ? AND session_key = ?').get(tapeId, key) as Row | undefined;
      const id = found
        ? (found.id as number)
        : Number(this.db.prepare('INSERT INTO sessions (tape_id, session_key, transport, started_at) VALUES (?, ?, ?, ?)').run(tapeId, key, transport, startedAt).lastInsertRowid);
      this.sessionIds.set(cacheKey, id);
      return id;
    });
  }

  updateSession(
    id: number,
    change: { endedAt?: string; protocolVersion?: string; clientInfo?: JsonValue; serverInfo?: JsonValue; clientCapabilities?: JsonValue; serverCapabilities?: JsonValue },
  ): void {
    this.guard(() =>
      this.db
        .prepare(
          `UPDATE sessions SET ended_at = coalesce(@endedAt, ended_at), protocol_version = coalesce(@protocolVersion, protocol_version),
           client_info = coalesce(@clientInfo, client_info), server_info = coalesce(@serverInfo, server_info),
           client_capabilities = coalesce(@clientCapabilities, client_capabilities), server_capabilities = coalesce(@serverCapabilities, server_capabilities)
           WHERE id = @id`,
        )
        .run({
          id,
          endedAt: change.endedAt ?? null,
          protocolVersion: change.protocolVersion ?? null,
          clientInfo: json(change.clientInfo),
          serverInfo: json(change.serverInfo),
          clientCapabilities: json(change.clientCapabilities),
          serverCapabilities: json(change.serverCapabilities),
        }),
    );
  }

  sessions(tapeId: number): TapeSession[] {
    return this.guard(() => (this.db.prepare('SELECT * FROM sessions WHERE tape_id = ? ORDER BY id').all(tapeId) as Row[]).map(toTapeSession));
  }

  /** The highest sequence number on a tape (0 when empty), so appending continues after it. */
  lastSeq(tapeId: number): number {
    return this.guard(() => ((this.db.prepare('SELECT max(seq) AS seq FROM frames WHERE tape_id = ?').get(tapeId) as Row).seq as number | null) ?? 0);
  }

  /** Writes frames in one transaction; `firstSeq` numbers them. */
  appendFrames(tapeId: number, transport: string, frames: NewFrame[], firstSeq: number): void {
    if (frames.length === 0) return;
    this.guard(() =>
      this.db.transaction(() => {
        let seq = firstSeq;
        // Frames of a batch nearly always share a session: resolve its row once, not per frame.
        let lastKey: string | undefined;
        let sessionId = 0;
        for (const frame of frames) {
          if (frame.sessionKey !== lastKey) {
            lastKey = frame.sessionKey;
            sessionId = this.sessionRow(tapeId, frame.sessionKey, transport);
          }
          // Positional parameters: binding by name costs more, and this runs for every frame.
          this.insertFrame.run(
            tapeId,
            sessionId,
            seq++,
            frame.tMs,
            frame.direction,
            frame.kind,
            frame.method ?? null,
            frame.id ?? null,
            frame.message,
            frame.original ?? null,
            frame.action,
            frame.latencyMs ?? null,
            frame.flags.length > 0 ? JSON.stringify(frame.flags) : null,
            frame.note ?? null,
            frame.redacted.length > 0 ? JSON.stringify(frame.redacted) : null,
          );
        }
      })(),
    );
  }

  frames(tapeId: number): TapeFrame[] {
    return this.guard(() => (this.db.prepare('SELECT * FROM frames WHERE tape_id = ? ORDER BY seq').all(tapeId) as Row[]).map(toTapeFrame));
  }

  /** Keeps the frames of a conversation that was only a probe, for the recording that follows to adopt. */
  /** Keeps a probe's frames (see TapeRecorder); with `id`, replaces what that probe kept so far. Returns its id. */
  saveProbe(upstream: TapeUpstream | undefined, startedAt: string, frames: NewFrame[], id?: number): number {
    return this.guard(() => {
      // A row that is gone was adopted by the recording that followed: it has what it needs.
      if (id !== undefined) {
        this.db.prepare('UPDATE probes SET frames = ? WHERE id = ?').run(JSON.stringify(frames), id);
        return id;
      }
      return Number(this.db.prepare('INSERT INTO probes (upstream, started_at, frames) VALUES (?, ?, ?)').run(JSON.stringify(upstream ?? {}), startedAt, JSON.stringify(frames)).lastInsertRowid);
    });
  }

  /** Forgets a probe kept so far: its conversation turned out to be more than a probe. */
  dropProbe(id: number): void {
    this.guard(() => this.db.prepare('DELETE FROM probes WHERE id = ?').run(id));
  }

  /** Takes (and removes) the probes of this upstream that began at `since` or later, oldest first. */
  takeProbes(upstream: TapeUpstream | undefined, since: string): { startedAt: string; frames: NewFrame[] }[] {
    return this.guard(() =>
      this.db.transaction(() => {
        const key = JSON.stringify(upstream ?? {});
        const rows = this.db.prepare('SELECT id, started_at, frames FROM probes WHERE upstream = ? AND started_at >= ? ORDER BY started_at, id').all(key, since) as Row[];
        const remove = this.db.prepare('DELETE FROM probes WHERE id = ?');
        for (const row of rows) remove.run(row.id);
        // Probes nobody adopted within the hour are not kept forever.
        this.db.prepare('DELETE FROM probes WHERE started_at < ?').run(new Date(Date.now() - 3_600_000).toISOString());
        return rows.map((row) => ({ startedAt: row.started_at as string, frames: JSON.parse(row.frames as string) as NewFrame[] }));
      })(),
    );
  }

  /** Stores (or replaces) a baseline document under its name. */
  saveBaseline(name: string, acceptedAt: string, document: unknown): void {
    this.guard(() => this.db.prepare('INSERT INTO baselines (name, accepted_at, document) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET accepted_at = excluded.accepted_at, document = excluded.document').run(name, acceptedAt, JSON.stringify(document)));
  }

  /** The baselines, oldest first: name, when accepted, the document (parsed). A store made before baselines existed has none. */
  baselines(): { name: string; acceptedAt: string; document: unknown }[] {
    if (!this.hasTable('baselines')) return [];
    return this.guard(() =>
      (this.db.prepare('SELECT name, accepted_at, document FROM baselines ORDER BY accepted_at, name').all() as Row[]).map((row) => ({ name: row.name as string, acceptedAt: row.accepted_at as string, document: JSON.parse(row.document as string) as unknown })),
    );
  }

  deleteBaseline(name: string): boolean {
    if (!this.hasTable('baselines')) return false;
    return this.guard(() => this.db.prepare('DELETE FROM baselines WHERE name = ?').run(name).changes > 0);
  }

  private hasTable(name: string): boolean {
    return this.guard(() => this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined);
  }

  /**
   * Removes frames from a tape and numbers the rest from 1 again, in one transaction (a tape's
   * sequence has no gaps). Returns how many were removed.
   */
  deleteFrames(tapeId: number, seqs: number[]): number {
    if (seqs.length === 0) return 0;
    return this.guard(() =>
      this.db.transaction(() => {
        const remove = this.db.prepare('DELETE FROM frames WHERE tape_id = ? AND seq = ?');
        let removed = 0;
        for (const seq of seqs) removed += remove.run(tapeId, seq).changes;
        // Through negative numbers, so the unique (tape, seq) pairs never collide on the way.
        this.db.prepare('WITH ordered AS (SELECT id, row_number() OVER (ORDER BY seq) AS n FROM frames WHERE tape_id = ?) UPDATE frames SET seq = -(SELECT n FROM ordered WHERE ordered.id = frames.id) WHERE tape_id = ?').run(tapeId, tapeId);
        this.db.prepare('UPDATE frames SET seq = -seq WHERE tape_id = ?').run(tapeId);
        return removed;
      })(),
    );
  }

  /**
   * Runs several writes atomically. `immediate` takes the write lock at the start (BEGIN
   * IMMEDIATE): a transaction that reads first and writes after would otherwise fail at once,
   * without waiting, when another process wrote in between (SQLITE_BUSY_SNAPSHOT in WAL mode).
   */
  transaction<T>(work: () => T, options: { immediate?: boolean } = {}): T {
    return this.guard(() => {
      const run = this.db.transaction(work);
      return options.immediate ? run.immediate() : run();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/**
 * Tapes hold what crossed the proxy, secrets redacted but much else not: the store and its
 * -wal/-shm files are for their owner only. A store made wider (by hand, by an older tool) is
 * narrowed, and the user told once; one that belongs to someone else is only warned about.
 */
function narrowPermissions(file: string, warn?: (message: string) => void): void {
  if (process.platform === 'win32') return;
  const widened: string[] = [];
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    let uid: number;
    try {
      ({ mode, uid } = statSync(path));
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    const was = (mode & 0o777).toString(8);
    if (uid !== process.getuid?.()) {
      warn?.(`${path} can be read by others (mode ${was}) and is not yours to narrow; tapes may hold what your sessions said`);
      continue;
    }
    try {
      chmodSync(path, 0o600);
      widened.push(`${path} (was ${was})`);
    } catch (error) {
      warn?.(`${path} can be read by others (mode ${was}) and could not be narrowed: ${(error as Error).message}`);
    }
  }
  if (widened.length > 0) warn?.(`made the tape store readable only by you: ${widened.join(', ')}`);
}

/** Sleeps the thread (for retries in synchronous code, never on the proxy's message path). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Runs a command's store work, again after a pause when another process held the lock past the
 * busy timeout (a recording proxy commits every 100 ms; a command should not fail for it).
 */
export function retryWhenBusy<T>(work: () => T, attempts = 5): T {
  for (let attempt = 1; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (attempt >= attempts || !isBusy(error)) throw error;
      sleepSync(50 * attempt);
    }
  }
}

/** A stem that makes valid names: characters a name may not hold become "-". */
function nameStem(stem: string): string {
  return stem.replace(/[^A-Za-z0-9._:@+-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100) || 'tape';
}

const TAPE_QUERY = `SELECT t.*,
  (SELECT count(*) FROM frames f WHERE f.tape_id = t.id) AS frame_count,
  (SELECT count(*) FROM sessions s WHERE s.tape_id = t.id) AS session_count
  FROM tapes t`;

/** Credentials in a tape's upstream are hidden on the way out too, for tapes written before they were on the way in. */
function shownUpstream(upstream: TapeUpstream | undefined): TapeUpstream | undefined {
  if (!upstream) return upstream;
  const shown: TapeUpstream = { ...upstream };
  if (Array.isArray(upstream.command)) shown.command = redactArgv(upstream.command);
  if (typeof upstream.url === 'string') shown.url = redactUrl(upstream.url);
  return shown;
}

function toTapeInfo(row: Row): TapeInfo {
  return {
    id: row.id as number,
    name: row.name as string,
    createdAt: row.created_at as string,
    endedAt: opt(row.ended_at),
    upstream: shownUpstream(parse(row.upstream)),
    transport: row.transport as string,
    clientInfo: parse(row.client_info),
    serverInfo: parse(row.server_info),
    protocolVersion: opt(row.protocol_version),
    labels: parse(row.labels) ?? {},
    redactions: parse(row.redactions) ?? [],
    frameCount: row.frame_count as number,
    sessionCount: row.session_count as number,
  };
}

function toTapeSession(row: Row): TapeSession {
  return {
    id: row.id as number,
    key: row.session_key as string,
    transport: row.transport as string,
    startedAt: row.started_at as string,
    endedAt: opt(row.ended_at),
    protocolVersion: opt(row.protocol_version),
    clientInfo: parse(row.client_info),
    serverInfo: parse(row.server_info),
    clientCapabilities: parse(row.client_capabilities),
    serverCapabilities: parse(row.server_capabilities),
  };
}

function toTapeFrame(row: Row): TapeFrame {
  return {
    seq: row.seq as number,
    session: row.session_id as number,
    tMs: row.t_ms as number,
    direction: row.direction as TapeFrame['direction'],
    kind: row.kind as TapeFrame['kind'],
    method: opt(row.method),
    id: opt(row.jsonrpc_id),
    message: row.message as string,
    original: opt(row.original),
    action: row.action as string,
    latencyMs: opt(row.latency_ms),
    flags: parse(row.flags) ?? [],
    note: opt(row.note),
    redacted: parse(row.redacted) ?? [],
  };
}
