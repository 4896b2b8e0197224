/**
 * What a message's text says it is, read without building it. Most messages cross the proxy only
 * to be forwarded and recorded, and for those the parsed object is never needed: `JSON.parse`
 * (and the garbage it leaves) was a large part of the proxy's own work per message. The scan
 * walks the top-level members of the object, skipping nested values without building them
 * (strings are jumped over with indexOf, so their length costs next to nothing), and notes the
 * envelope (`jsonrpc`, `id`, `method`, `result`, `error`) and a tools/call's tool name. Every
 * top-level member is visited, so a repeated key resolves as `JSON.parse` resolves it (the last
 * wins).
 *
 * It checks the envelope's grammar, not the nested values': a line whose nested values are
 * malformed is taken as its envelope says. The pipeline uses the scan only when nothing that
 * decides about messages by their body (rules, armed breakpoints) will look at this one; what
 * does gets the text parsed exactly as before. The scan answers undefined for anything unusual
 * (a batch, a key written with escapes at any depth, a top level that is not an object, an
 * envelope that is not JSON-RPC), and the caller parses: so every key of a message read only by
 * its envelope is in its text as written, and `text.includes('"progressToken"')` is a sound test.
 */
import { type JsonRpcId, type MessageSummary } from './jsonrpc.js';

export interface Envelope {
  summary: MessageSummary;
  /** `params.name`, when params is an object whose name is a string (the tool of a tools/call). */
  toolName?: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;


/** What a top-level member's value is, as far as the envelope cares. */
const enum Seen {
  No = 0,
  Str,
  Num,
  Null,
  Obj,
  Other,
}

/** The keys the scan looks for; Other for the rest. */
const enum Key {
  Other = 0,
  Jsonrpc,
  Id,
  Method,
  Result,
  Error,
  Params,
  Name,
}

/** Which key the `length` characters at `at` are, without making a string of them. */
function keyOf(text: string, at: number, length: number): Key {
  switch (length) {
    case 2:
      return text.startsWith('id', at) ? Key.Id : Key.Other;
    case 4:
      return text.startsWith('name', at) ? Key.Name : Key.Other;
    case 5:
      return text.startsWith('error', at) ? Key.Error : Key.Other;
    case 6:
      return text.startsWith('method', at) ? Key.Method : text.startsWith('params', at) ? Key.Params : text.startsWith('result', at) ? Key.Result : Key.Other;
    case 7:
      return text.startsWith('jsonrpc', at) ? Key.Jsonrpc : Key.Other;
    default:
      return Key.Other;
  }
}

/** One scan's findings (module-level, so a scan allocates nothing it does not return). */
let jsonrpc = false;
let id = Seen.No;
let idStart = 0;
let idEnd = 0;
let method = Seen.No;
let methodStart = 0;
let methodEnd = 0;
let result = false;
let error = Seen.No;
let params = Seen.No;
let name = Seen.No;
let nameStart = 0;
let nameEnd = 0;

/**
 * The envelope of a JSON-RPC message, or undefined when the text needs a real parse (it is not an
 * object, a batch, not JSON-RPC, or written in a way the scan leaves to JSON.parse).
 */
export function scanEnvelope(text: string): Envelope | undefined {
  reset();
  const end = membersEnd(text, skipSpace(text, 0), true);
  if (end < 0 || skipSpace(text, end) !== text.length) return undefined;
  const summary = summaryOf();
  if (summary === undefined) return undefined;
  if (summary.method !== undefined) summary.method = stringValue(text, methodStart, methodEnd);
  if (summary.hasId) summary.id = idValue(text);
  const envelope: Envelope = { summary };
  if (params === Seen.Obj && name === Seen.Str) envelope.toolName = stringValue(text, nameStart, nameEnd);
  return envelope;
}

function reset(): void {
  jsonrpc = result = false;
  id = method = error = params = name = Seen.No;
}

/**
 * Walks an object's members from its `{` at `i` (the top level, or the top-level params), noting
 * what the envelope needs; returns the index after its `}`, or -1.
 */
function membersEnd(text: string, i: number, top: boolean): number {
  if (text.charCodeAt(i) !== OPEN_BRACE) return -1;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return i + 1;
  for (;;) {
    if (text.charCodeAt(i) !== QUOTE) return -1;
    const keyEnd = text.indexOf('"', i + 1);
    if (keyEnd < 0) return -1;
    // A key written with escapes is left to JSON.parse: the hints that decide later whether to
    // parse (text.includes('"progressToken"'), say) then see every key as it will be read.
    if (hasBackslash(text, i + 1, keyEnd)) return -1;
    const key = keyOf(text, i + 1, keyEnd - i - 1);
    i = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(i) !== COLON) return -1;
    const start = skipSpace(text, i + 1);
    const c = text.charCodeAt(start);
    const kind = c === QUOTE ? Seen.Str : c === OPEN_BRACE ? Seen.Obj : c === OPEN_BRACKET ? Seen.Other : c === MINUS || (c >= ZERO && c <= NINE) ? Seen.Num : c === 0x6e ? Seen.Null : Seen.Other;
    if (top && key === Key.Params && kind === Seen.Obj) {
      // A later params replaces an earlier one, name and all.
      name = Seen.No;
      i = membersEnd(text, start, false);
    } else {
      i = valueEnd(text, start);
    }
    if (i < 0) return -1;
    if (top) note(text, key, kind, start, i);
    else if (key === Key.Name) {
      name = kind;
      nameStart = start;
      nameEnd = i;
    }
    i = skipSpace(text, i);
    const next = text.charCodeAt(i);
    if (next === CLOSE_BRACE) return i + 1;
    if (next !== COMMA) return -1;
    i = skipSpace(text, i + 1);
  }
}

/** Keeps what a top-level member says about the envelope. */
function note(text: string, key: Key, kind: Seen, start: number, end: number): void {
  switch (key) {
    case Key.Jsonrpc:
      jsonrpc = kind === Seen.Str && (end - start === 5 ? text.startsWith('"2.0"', start) : stringValue(text, start, end) === '2.0');
      return;
    case Key.Id:
      // An id is read as JSON.parse reads it, so it must be a well-formed number or null.
      id = kind === Seen.Num && !isNumber(text, start, end) ? Seen.Other : kind === Seen.Null && !text.startsWith('null', start) ? Seen.Other : kind;
      idStart = start;
      idEnd = end;
      return;
    case Key.Method:
      method = kind;
      methodStart = start;
      methodEnd = end;
      return;
    case Key.Result:
      result = true;
      return;
    case Key.Error:
      error = kind;
      return;
    case Key.Params:
      params = kind;
      if (kind !== Seen.Obj) name = Seen.No;
      return;
  }
}

/**
 * What classify and summarize (core/jsonrpc.ts) make of a message with the envelope found, or
 * undefined for one they would call invalid (the caller parses it, for its error).
 */
function summaryOf(): MessageSummary | undefined {
  if (!jsonrpc) return undefined;
  const hasId = id !== Seen.No;
  const validId = id === Seen.Str || id === Seen.Num || id === Seen.Null;
  if (method === Seen.Str) {
    if (!hasId) return { kind: 'notification', hasId: false, method: '' };
    return validId ? { kind: 'request', hasId: true, method: '' } : undefined;
  }
  if (hasId && validId) {
    if (error === Seen.Obj) return { kind: 'error', hasId: true };
    if (result) return { kind: 'response', hasId: true };
  }
  return undefined;
}

function idValue(text: string): JsonRpcId {
  if (id === Seen.Null) return null;
  if (id === Seen.Num) return Number(text.slice(idStart, idEnd));
  return stringValue(text, idStart, idEnd);
}

/** A string token's value (`start` at its opening quote, `end` after its closing one). */
function stringValue(text: string, start: number, end: number): string {
  const backslash = text.indexOf('\\', start);
  if (backslash === -1 || backslash >= end) return text.slice(start + 1, end - 1);
  return JSON.parse(text.slice(start, end)) as string;
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== LF && c !== CR) return i;
    i++;
  }
}

/**
 * The index after the value at `i`, skipped without being read: a string to its closing quote, an
 * object or array to its matching close (strings inside jumped over), a number or word to where it
 * ends. -1 when it runs off the end.
 */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i + 1);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    // A number or true/false/null: up to the next delimiter.
    const start = i;
    const n = text.length;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d === SPACE || d === TAB || d === LF || d === CR) break;
      i++;
    }
    return i > start ? i : -1;
  }
  let depth = 0;
  const n = text.length;
  while (i < n) {
    const d = text.charCodeAt(i);
    if (d === QUOTE) {
      const start = i + 1;
      i = stringEnd(text, start);
      if (i < 0) return -1;
      // A key (a string before a colon) written with escapes, at any depth: left to JSON.parse.
      if (text.charCodeAt(skipSpace(text, i)) === COLON && hasBackslash(text, start, i - 1)) return -1;
      continue;
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
      if (--depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

/** Whether text[start, end) is a JSON number (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), as an id must be for the scan to read it. */
function isNumber(text: string, start: number, end: number): boolean {
  let i = start;
  if (text.charCodeAt(i) === MINUS) i++;
  if (text.charCodeAt(i) === ZERO) i++;
  else if (!digitsFrom(text, i, end)) return false;
  else while (isDigit(text.charCodeAt(i)) && i < end) i++;
  if (i < end && text.charCodeAt(i) === 0x2e) {
    if (!digitsFrom(text, ++i, end)) return false;
    while (isDigit(text.charCodeAt(i)) && i < end) i++;
  }
  if (i < end && (text.charCodeAt(i) | 0x20) === 0x65) {
    i++;
    const sign = text.charCodeAt(i);
    if (sign === 0x2b || sign === MINUS) i++;
    if (!digitsFrom(text, i, end)) return false;
    while (isDigit(text.charCodeAt(i)) && i < end) i++;
  }
  return i === end;
}

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
const digitsFrom = (text: string, i: number, end: number): boolean => i < end && isDigit(text.charCodeAt(i));

function hasBackslash(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === BACKSLASH) return true;
  return false;
}

/** The index after a string's closing quote (`i` just after its opening one), or -1. */
function stringEnd(text: string, i: number): number {
  for (;;) {
    const quote = text.indexOf('"', i);
    if (quote < 0) return -1;
    // Escaped when an odd number of backslashes stand before it.
    let before = quote - 1;
    while (text.charCodeAt(before) === BACKSLASH) before--;
    if ((quote - 1 - before) % 2 === 0) return quote + 1;
    i = quote + 1;
  }
}
