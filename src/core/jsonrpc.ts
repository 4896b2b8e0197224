/**
 * The JSON-RPC 2.0 message model, kept raw on purpose: a proxy must carry fields and methods it
 * does not know, so messages stay plain parsed JSON and are only classified, never reshaped.
 */

export type JsonRpcId = string | number | null;

/** A parsed JSON value as it came off the wire. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type Direction = 'c2s' | 's2c';

/**
 * What a message is. `invalid` covers both text that is not JSON and JSON that is not JSON-RPC;
 * `batch` is a JSON array of messages (passed through; MCP 2025-06-18 dropped batching, older
 * peers may still send them).
 */
export type MessageKind = 'request' | 'notification' | 'response' | 'error' | 'batch' | 'invalid';

export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** Implementation-defined server errors (-32000..-32099). */
  Blocked: -32001,
  UpstreamClosed: -32002,
  RateLimited: -32003,
  MessageTooLarge: -32004,
  ReplayMiss: -32005,
  Dropped: -32006,
} as const;

/** A message's text parsed, or undefined when it is not JSON. */
export function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A message's text parsed, when it is a JSON object; undefined otherwise. */
export function parseObject(text: string): JsonObject | undefined {
  const value = parseOrUndefined(text);
  return isObject(value) ? value : undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is JsonRpcId {
  return value === null || typeof value === 'string' || typeof value === 'number';
}

/** Classifies a parsed value without changing it. */
export function classify(value: unknown): MessageKind {
  if (Array.isArray(value)) return value.length > 0 ? 'batch' : 'invalid';
  if (!isObject(value) || value.jsonrpc !== '2.0') return 'invalid';
  if (typeof value.method === 'string') {
    if (!('id' in value)) return 'notification';
    return isId(value.id) ? 'request' : 'invalid';
  }
  if ('id' in value && isId(value.id)) {
    if ('error' in value && isObject(value.error)) return 'error';
    if ('result' in value) return 'response';
  }
  return 'invalid';
}

/** The parts of a message the proxy looks at, derived once per message. */
export interface MessageSummary {
  kind: MessageKind;
  method?: string;
  /** Present when the message carries an id (requests, responses, errors). */
  id?: JsonRpcId;
  hasId: boolean;
}

export function summarize(value: unknown): MessageSummary {
  const kind = classify(value);
  if (kind === 'batch' || kind === 'invalid' || !isObject(value)) {
    return { kind, hasId: false };
  }
  const summary: MessageSummary = { kind, hasId: 'id' in value };
  if (typeof value.method === 'string') summary.method = value.method;
  if (summary.hasId) summary.id = value.id as JsonRpcId;
  return summary;
}

export function errorResponse(id: JsonRpcId, code: number, message: string, data?: JsonValue): JsonObject {
  const error: JsonObject = { code, message };
  if (data !== undefined) error.data = data;
  return { jsonrpc: '2.0', id, error };
}

/**
 * Turns what a mock supplies into a response for `id`: either a whole JSON-RPC response (its id is
 * replaced) or just a result value.
 */
export function responseFor(id: JsonRpcId, mock: unknown): JsonObject {
  if (isObject(mock) && mock.jsonrpc === '2.0' && ('result' in mock || 'error' in mock)) {
    return { ...mock, id };
  }
  return { jsonrpc: '2.0', id, result: (mock ?? {}) as JsonValue };
}

const ID = String.raw`(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.)*"|null)`;
/** The start of a message: optional "jsonrpc" and "id", then the key that tells what it is. */
const LEADING = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?(?:"id"\s*:\s*${ID}\s*,\s*)?"(method|result|error)"\s*:`);
const LEADING_ID = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID}`);
/** `"id":…}` closing a message: one brace, so an id nested in params or a result does not count. */
const TRAILING_ID = new RegExp(String.raw`"id"\s*:\s*${ID}\s*\}\s*$`);

/**
 * What can be told of a message known only by its two ends (one too large to read whole):
 * serialisers put the id first or last, and the key saying request or response near the start.
 */
export function summarizeEnds(head: string, tail: string): { id?: JsonRpcId; kind?: 'request' | 'response' } {
  const seen: { id?: JsonRpcId; kind?: 'request' | 'response' } = {};
  const key = LEADING.exec(head)?.[2];
  if (key) seen.kind = key === 'method' ? 'request' : 'response';
  const id = (LEADING_ID.exec(head) ?? TRAILING_ID.exec(tail))?.[1];
  if (id !== undefined) {
    try {
      seen.id = JSON.parse(id) as JsonRpcId;
    } catch {
      // Not an id after all.
    }
  }
  return seen;
}

/** The tool a tools/call names, from the call's params. */
export function toolNameOf(method: string | undefined, params: unknown): string | undefined {
  if (method !== 'tools/call' || !isObject(params) || typeof params.name !== 'string') return undefined;
  return params.name;
}

/**
 * What JSON.parse said about text that is not JSON, without the excerpt of the text V8 quotes
 * (`"{"apiKey":"sk-..." is not valid JSON`): the error goes back to the sender and onto the
 * tape, and the text may hold a secret.
 */
export function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!message.endsWith('is not valid JSON')) return message;
  const cut = message.indexOf(', "');
  return cut > 0 ? `${message.slice(0, cut)} (not valid JSON)` : 'not valid JSON';
}

/** A map key for an id that keeps 1 and "1" apart, as JSON-RPC requires. */
export function idKey(id: JsonRpcId | undefined): string {
  return typeof id === 'string' ? `s:${id}` : `n:${String(id)}`;
}

export function describeId(id: JsonRpcId | undefined): string {
  return id === undefined ? '' : JSON.stringify(id);
}
