/**
 * The tape exchange format (docs/tape-format.md): a tape as one JSON document, with messages as
 * JSON values rather than strings, so it reads and diffs well. Import validates every field and
 * writes the whole tape in one transaction.
 */
import { TapeError } from './errors.js';
import { retryWhenBusy, validateTapeName, type TapeStore } from './store.js';
import type { NewFrame, TapeInfo, TapeUpstream } from './types.js';
import { isObject, type Direction, type JsonRpcId, type JsonValue, type MessageKind } from '../core/jsonrpc.js';

export const TAPE_FORMAT = 'mcp-tap/tape';
export const TAPE_FORMAT_VERSION = 1;

const KINDS: readonly MessageKind[] = ['request', 'notification', 'response', 'error', 'batch', 'invalid'];

export interface TapeDocumentTape {
  name: string;
  createdAt: string;
  endedAt?: string;
  upstream?: TapeUpstream;
  transport: string;
  clientInfo?: JsonValue;
  serverInfo?: JsonValue;
  protocolVersion?: string;
  labels: Record<string, string>;
  redactions: string[];
}

export interface TapeDocumentSession {
  key: string;
  transport: string;
  startedAt: string;
  endedAt?: string;
  protocolVersion?: string;
  clientInfo?: JsonValue;
  serverInfo?: JsonValue;
  clientCapabilities?: JsonValue;
  serverCapabilities?: JsonValue;
}

export interface TapeDocumentFrame {
  seq: number;
  /** The `key` of a session in the document's `sessions`. */
  session: string;
  tMs: number;
  direction: Direction;
  kind: MessageKind;
  method?: string;
  id?: JsonRpcId;
  /** The message as parsed JSON; a frame that was not JSON keeps its text in `text` instead. */
  message?: JsonValue;
  text?: string;
  /** The message as received, when an interceptor changed it; `originalText` when it was not JSON. */
  original?: JsonValue;
  originalText?: string;
  action: string;
  latencyMs?: number;
  flags?: string[];
  note?: string;
  redacted?: string[];
}

export interface TapeDocument {
  format: typeof TAPE_FORMAT;
  version: typeof TAPE_FORMAT_VERSION;
  tape: TapeDocumentTape;
  sessions: TapeDocumentSession[];
  frames: TapeDocumentFrame[];
}

/** Drops undefined fields, so a document carries only what a tape has. */
const clean = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** A stored message as a document field: parsed JSON under `json`, text that is not JSON under `text`. */
function asDocumentValue(stored: string | undefined, json: string, text: string): Record<string, JsonValue> {
  if (stored === undefined) return {};
  try {
    return { [json]: JSON.parse(stored) as JsonValue };
  } catch {
    return { [text]: stored };
  }
}

export function exportTape(store: TapeStore, name: string): TapeDocument {
  const info = store.requireTape(name);
  const sessions = store.sessions(info.id);
  const keyOf = new Map(sessions.map((s) => [s.id, s.key]));
  return {
    format: TAPE_FORMAT,
    version: TAPE_FORMAT_VERSION,
    tape: clean({
      name: info.name,
      createdAt: info.createdAt,
      endedAt: info.endedAt,
      upstream: info.upstream,
      transport: String(info.transport),
      clientInfo: info.clientInfo,
      serverInfo: info.serverInfo,
      protocolVersion: info.protocolVersion,
      labels: info.labels,
      redactions: info.redactions,
    }),
    sessions: sessions.map(({ id: _id, ...rest }) => clean(rest)),
    frames: store.frames(info.id).map((f) =>
      clean({
        seq: f.seq,
        session: keyOf.get(f.session) ?? String(f.session),
        tMs: f.tMs,
        direction: f.direction,
        kind: f.kind,
        method: f.method,
        id: f.id === undefined ? undefined : (JSON.parse(f.id) as JsonRpcId),
        ...asDocumentValue(f.message, 'message', 'text'),
        ...asDocumentValue(f.original, 'original', 'originalText'),
        action: f.action,
        latencyMs: f.latencyMs,
        flags: f.flags.length > 0 ? f.flags : undefined,
        note: f.note,
        redacted: f.redacted.length > 0 ? f.redacted : undefined,
      }) as TapeDocumentFrame,
    ),
  };
}

/* ---------- validation ---------- */

function fail(path: string, problem: string): never {
  throw new TapeError(`invalid tape document: ${path} ${problem}`);
}

type Fields = Record<string, unknown>;

function object(value: unknown, path: string): Fields {
  if (!isObject(value)) fail(path, 'must be an object');
  return value;
}

function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, 'must be an array');
  return value;
}

function string(value: unknown, path: string, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'string' || value === '') fail(path, optional ? 'must be a non-empty string when present' : 'must be a non-empty string');
}

function timestamp(value: unknown, path: string, optional = false): void {
  string(value, path, optional);
  if (value !== undefined && Number.isNaN(Date.parse(value as string))) fail(path, `must be an ISO 8601 time, e.g. "2026-01-31T12:00:00.000Z" (got "${String(value)}")`);
}

function number(value: unknown, path: string, optional = false): void {
  if (optional && value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(path, 'must be a number, zero or more');
}

function strings(value: unknown, path: string): void {
  if (value === undefined) return;
  array(value, path).forEach((item, i) => {
    if (typeof item !== 'string') fail(`${path}[${i}]`, 'must be a string');
  });
}

function upstream(value: unknown, path: string): void {
  if (value === undefined) return;
  const u = object(value, path);
  if (u.command === undefined && u.url === undefined) fail(path, 'needs "command" (an array of strings) or "url"');
  strings(u.command, `${path}.command`);
  string(u.url, `${path}.url`, true);
}

function validateTape(value: unknown): void {
  const tape = object(value, 'tape');
  string(tape.name, 'tape.name');
  timestamp(tape.createdAt, 'tape.createdAt');
  timestamp(tape.endedAt, 'tape.endedAt', true);
  upstream(tape.upstream, 'tape.upstream');
  string(tape.transport, 'tape.transport');
  string(tape.protocolVersion, 'tape.protocolVersion', true);
  if (tape.labels !== undefined) {
    for (const [key, label] of Object.entries(object(tape.labels, 'tape.labels'))) {
      if (typeof label !== 'string') fail(`tape.labels.${key}`, 'must be a string');
    }
  }
  strings(tape.redactions, 'tape.redactions');
}

function validateSessions(value: unknown): Set<string> {
  const keys = new Set<string>();
  array(value, 'sessions').forEach((item, i) => {
    const at = `sessions[${i}]`;
    const session = object(item, at);
    string(session.key, `${at}.key`);
    if (keys.has(session.key as string)) fail(`${at}.key`, `repeats "${String(session.key)}"; session keys must be unique`);
    keys.add(session.key as string);
    string(session.transport, `${at}.transport`);
    timestamp(session.startedAt, `${at}.startedAt`);
    timestamp(session.endedAt, `${at}.endedAt`, true);
    string(session.protocolVersion, `${at}.protocolVersion`, true);
  });
  return keys;
}

function validateFrame(item: unknown, at: string, sessionKeys: Set<string>, previousSeq: number): number {
  const frame = object(item, at);
  if (!Number.isInteger(frame.seq) || (frame.seq as number) < 1) fail(`${at}.seq`, 'must be a whole number, 1 or more');
  if ((frame.seq as number) <= previousSeq) fail(`${at}.seq`, `must be greater than the frame before (${previousSeq})`);
  string(frame.session, `${at}.session`);
  if (!sessionKeys.has(frame.session as string)) fail(`${at}.session`, `names no session in "sessions" ("${String(frame.session)}")`);
  number(frame.tMs, `${at}.tMs`);
  if (frame.direction !== 'c2s' && frame.direction !== 's2c') fail(`${at}.direction`, 'must be "c2s" or "s2c"');
  if (!KINDS.includes(frame.kind as MessageKind)) fail(`${at}.kind`, `must be one of ${KINDS.join(', ')}`);
  string(frame.method, `${at}.method`, true);
  if (frame.id !== undefined && frame.id !== null && typeof frame.id !== 'string' && typeof frame.id !== 'number') fail(`${at}.id`, 'must be a string, a number or null');
  if ((frame.message === undefined) === (frame.text === undefined)) fail(at, 'needs exactly one of "message" (the message as JSON) and "text" (a message that was not JSON)');
  if (frame.text !== undefined && typeof frame.text !== 'string') fail(`${at}.text`, 'must be a string');
  if (frame.original !== undefined && frame.originalText !== undefined) fail(at, 'has both "original" and "originalText"; keep one');
  if (frame.originalText !== undefined && typeof frame.originalText !== 'string') fail(`${at}.originalText`, 'must be a string');
  string(frame.action, `${at}.action`);
  number(frame.latencyMs, `${at}.latencyMs`, true);
  strings(frame.flags, `${at}.flags`);
  if (frame.note !== undefined && typeof frame.note !== 'string') fail(`${at}.note`, 'must be a string');
  strings(frame.redacted, `${at}.redacted`);
  return frame.seq as number;
}

/** Checks a parsed document field by field; the error names the first field that is wrong. */
export function validateTapeDocument(value: unknown): TapeDocument {
  const doc = object(value, '(the document)');
  if (doc.format !== TAPE_FORMAT) fail('format', `must be "${TAPE_FORMAT}"${doc.format === undefined ? ' (is this an mcp-tap export?)' : ''}`);
  if (doc.version !== TAPE_FORMAT_VERSION) fail('version', `must be ${TAPE_FORMAT_VERSION}: this mcp-tap reads version ${TAPE_FORMAT_VERSION} (got ${JSON.stringify(doc.version) ?? 'nothing'})`);
  validateTape(doc.tape);
  const sessionKeys = validateSessions(doc.sessions);
  let seq = 0;
  array(doc.frames, 'frames').forEach((frame, i) => (seq = validateFrame(frame, `frames[${i}]`, sessionKeys, seq)));
  return doc as unknown as TapeDocument;
}

/* ---------- import ---------- */

/** Frames written per transaction by an import: each commit lets a recording proxy write in between. */
export const IMPORT_CHUNK_FRAMES = 2000;

export interface ImportOptions {
  name?: string;
  /** Frames per transaction (default IMPORT_CHUNK_FRAMES). */
  chunkFrames?: number;
}

/**
 * Reads a document into the store as a new tape, all of it or nothing. It is written in chunks,
 * each its own short transaction (BEGIN IMMEDIATE), under a hidden name, and given its real name
 * last: a proxy recording into the same store waits for one chunk at a time, never for the whole
 * import, and a failed import leaves nothing behind.
 */
export function importTape(store: TapeStore, document: unknown, options: ImportOptions = {}): TapeInfo {
  const doc = validateTapeDocument(document);
  const name = validateTapeName(options.name ?? doc.tape.name);
  if (store.getTape(name)) {
    throw new TapeError(`a tape named "${name}" already exists in ${store.file}; import it under another name with --name NAME`);
  }
  const chunk = Math.max(1, options.chunkFrames ?? IMPORT_CHUNK_FRAMES);
  const write = <T>(work: () => T): T => retryWhenBusy(() => store.transaction(work, { immediate: true }));
  write(() => store.removeAbandonedImports(processAlive));
  const info = write(() => {
    const hidden = store.createHiddenTape({ transport: doc.tape.transport, upstream: doc.tape.upstream, labels: doc.tape.labels, redactions: doc.tape.redactions, createdAt: doc.tape.createdAt });
    store.updateTape(hidden.id, { endedAt: doc.tape.endedAt, clientInfo: doc.tape.clientInfo, serverInfo: doc.tape.serverInfo, protocolVersion: doc.tape.protocolVersion });
    for (const session of doc.sessions) {
      const id = store.sessionRow(hidden.id, session.key, session.transport, session.startedAt);
      store.updateSession(id, session);
    }
    return hidden;
  });
  try {
    // Renumbered from 1: the store's sequence has no gaps, a hand-edited document's may.
    for (let start = 0; start < doc.frames.length; start += chunk) {
      const frames = doc.frames.slice(start, start + chunk).map(toNewFrame);
      write(() => store.appendFrames(info.id, doc.tape.transport, frames, start + 1));
    }
    write(() => store.renameTape(info.id, name));
  } catch (error) {
    try {
      retryWhenBusy(() => store.deleteTapeById(info.id));
    } catch {
      // Left for the next import to remove (its process will be gone).
    }
    throw error;
  }
  return store.requireTape(name);
}

function toNewFrame(f: TapeDocumentFrame): NewFrame {
  return {
    sessionKey: f.session,
    tMs: f.tMs,
    direction: f.direction,
    kind: f.kind,
    method: f.method,
    id: f.id === undefined ? undefined : JSON.stringify(f.id),
    message: f.text ?? JSON.stringify(f.message),
    original: f.originalText ?? (f.original === undefined ? undefined : JSON.stringify(f.original)),
    action: f.action,
    latencyMs: f.latencyMs,
    flags: f.flags ?? [],
    note: f.note,
    redacted: f.redacted ?? [],
  };
}

/** Whether a process with this pid is alive (EPERM: alive, but someone else's). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A tape as `tapes list --json` and `show --json` print it (and the web console lists it): every field always present (null when the
 * tape has no value), so scripts can rely on the shape.
 */
export function tapeSummary(t: TapeInfo) {
  return {
    name: t.name,
    createdAt: t.createdAt,
    endedAt: t.endedAt ?? null,
    upstream: t.upstream ?? null,
    transport: String(t.transport),
    clientInfo: t.clientInfo ?? null,
    serverInfo: t.serverInfo ?? null,
    protocolVersion: t.protocolVersion ?? null,
    labels: t.labels,
    redactions: t.redactions,
    frameCount: t.frameCount,
    sessionCount: t.sessionCount,
  };
}
