/**
 * The tape exchange format (docs/tape-format.md): a tape as one JSON document, with messages as
 * JSON values rather than strings, so it reads and diffs well. Import validates every field and
 * writes the whole tape in one transaction.
 */
import { TapeError } from './errors.js';
import type { TapeStore } from './store.js';
import type { TapeFrame, TapeInfo } from './types.js';
import { isObject, type JsonValue } from '../core/jsonrpc.js';

export const TAPE_FORMAT = 'mcp-tap/tape';
export const TAPE_FORMAT_VERSION = 1;

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
  session: string;
  tMs: number;
  direction: 'c2s' | 's2c';
  kind: TapeFrame['kind'];
  method?: string;
  id?: JsonValue;
  /** The message as parsed JSON; a frame that was not JSON keeps its text in `text`. */
  message?: JsonValue;
  text?: string;
  original?: JsonValue | string;
  action: string;
  latencyMs?: number;
  flags?: string[];
  note?: string;
  redacted?: string[];
}

export interface TapeDocument {
  format: typeof TAPE_FORMAT;
  version: number;
  tape: {
    name: string;
    createdAt: string;
    endedAt?: string;
    upstream?: TapeInfo['upstream'];
    transport: string;
    clientInfo?: JsonValue;
    serverInfo?: JsonValue;
    protocolVersion?: string;
    labels: Record<string, string>;
    redactions: string[];
  };
  sessions: TapeDocumentSession[];
  frames: TapeDocumentFrame[];
}

const clean = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

function parsedOrText(text: string): { message?: JsonValue; text?: string } {
  try {
    return { message: JSON.parse(text) as JsonValue };
  } catch {
    return { text };
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
        id: f.id === undefined ? undefined : (JSON.parse(f.id) as JsonValue),
        ...parsedOrText(f.message),
        original: f.original === undefined ? undefined : (parsedOrText(f.original).message ?? f.original),
        action: f.action,
        latencyMs: f.latencyMs,
        flags: f.flags.length > 0 ? f.flags : undefined,
        note: f.note,
        redacted: f.redacted.length > 0 ? f.redacted : undefined,
      }),
    ),
  };
}

function fail(path: string, problem: string): never {
  throw new TapeError(`invalid tape document: ${path} ${problem}`);
}

function need(value: unknown, path: string, type: 'string' | 'number' | 'object' | 'array'): void {
  const ok = type === 'array' ? Array.isArray(value) : type === 'object' ? isObject(value) : typeof value === type;
  if (!ok) fail(path, `must be ${type === 'array' || type === 'object' ? `an ${type}` : `a ${type}`}`);
}

/** Checks a parsed document field by field; the error names the first field that is wrong. */
export function validateTapeDocument(doc: unknown): TapeDocument {
  need(doc, '(document)', 'object');
  const d = doc as Record<string, unknown>;
  if (d.format !== TAPE_FORMAT) fail('format', `must be "${TAPE_FORMAT}"`);
  if (d.version !== TAPE_FORMAT_VERSION) fail('version', `must be ${TAPE_FORMAT_VERSION} (this mcp-tap reads version ${TAPE_FORMAT_VERSION})`);
  need(d.tape, 'tape', 'object');
  const tape = d.tape as Record<string, unknown>;
  need(tape.name, 'tape.name', 'string');
  need(tape.createdAt, 'tape.createdAt', 'string');
  need(tape.transport, 'tape.transport', 'string');
  if (tape.labels !== undefined) need(tape.labels, 'tape.labels', 'object');
  if (tape.redactions !== undefined) need(tape.redactions, 'tape.redactions', 'array');
  need(d.sessions, 'sessions', 'array');
  const keys = new Set<string>();
  (d.sessions as unknown[]).forEach((s, i) => {
    need(s, `sessions[${i}]`, 'object');
    const session = s as Record<string, unknown>;
    need(session.key, `sessions[${i}].key`, 'string');
    need(session.transport, `sessions[${i}].transport`, 'string');
    need(session.startedAt, `sessions[${i}].startedAt`, 'string');
    keys.add(session.key as string);
  });
  need(d.frames, 'frames', 'array');
  let lastSeq = 0;
  (d.frames as unknown[]).forEach((f, i) => {
    const at = `frames[${i}]`;
    need(f, at, 'object');
    const frame = f as Record<string, unknown>;
    need(frame.seq, `${at}.seq`, 'number');
    if ((frame.seq as number) <= lastSeq) fail(`${at}.seq`, 'must increase from frame to frame');
    lastSeq = frame.seq as number;
    need(frame.session, `${at}.session`, 'string');
    if (!keys.has(frame.session as string)) fail(`${at}.session`, `names no session in "sessions" ("${String(frame.session)}")`);
    need(frame.tMs, `${at}.tMs`, 'number');
    if (frame.direction !== 'c2s' && frame.direction !== 's2c') fail(`${at}.direction`, 'must be "c2s" or "s2c"');
    need(frame.kind, `${at}.kind`, 'string');
    need(frame.action, `${at}.action`, 'string');
    if (frame.message === undefined && typeof frame.text !== 'string') fail(`${at}`, 'needs "message" (JSON) or "text"');
  });
  return doc as TapeDocument;
}

export function importTape(store: TapeStore, document: unknown, options: { name?: string } = {}): TapeInfo {
  const doc = validateTapeDocument(document);
  const name = options.name ?? doc.tape.name;
  if (store.getTape(name)) throw new TapeError(`a tape named "${name}" already exists in ${store.file}; import it under another name with --name`);
  return store.transaction(() => {
    const info = store.createTape({
      name,
      transport: doc.tape.transport,
      upstream: doc.tape.upstream,
      labels: doc.tape.labels,
      redactions: doc.tape.redactions,
      createdAt: doc.tape.createdAt,
    });
    store.updateTape(info.id, { endedAt: doc.tape.endedAt, clientInfo: doc.tape.clientInfo, serverInfo: doc.tape.serverInfo, protocolVersion: doc.tape.protocolVersion });
    for (const session of doc.sessions) {
      const id = store.sessionRow(info.id, session.key, session.transport, session.startedAt);
      store.updateSession(id, session);
    }
    // Frames are renumbered from 1: the store's sequence has no gaps, a document's may.
    store.appendFrames(
      info.id,
      doc.tape.transport,
      doc.frames.map((f) => {
        return {
          sessionKey: f.session,
          tMs: f.tMs,
          direction: f.direction,
          kind: f.kind,
          method: f.method,
          id: f.id === undefined ? undefined : JSON.stringify(f.id),
          message: f.text ?? JSON.stringify(f.message),
          original: f.original === undefined ? undefined : typeof f.original === 'string' ? f.original : JSON.stringify(f.original),
          action: f.action,
          latencyMs: f.latencyMs,
          flags: f.flags ?? [],
          note: f.note,
          redacted: f.redacted ?? [],
        };
      }),
      1,
    );
    return store.requireTape(name);
  });
}
