/**
 * What a person writes in a console, checked before it is sent: an edited message must still be
 * one JSON-RPC message, and a decision worth keeping becomes the filter of a mock rule. Pure and
 * browser-safe: the terminal UI and the browser console check the same way.
 */
import { classify, isObject } from '../core/jsonrpc.js';
import type { PausedView } from './protocol.js';

export type Checked = { ok: true; value: unknown; text: string } | { ok: false; error: string };

export function parseJson(text: string): Checked {
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value, text: JSON.stringify(value) };
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
}

/** The edited text must still be one JSON-RPC message (a request, notification, response or error). */
export function checkJsonRpc(text: string): Checked {
  const parsed = parseJson(text);
  if (!parsed.ok) return parsed;
  const kind = classify(parsed.value);
  if (kind === 'batch') return { ok: false, error: 'a batch (JSON array) cannot stand in for one message' };
  if (kind === 'invalid') {
    const why = !isObject(parsed.value) ? 'not a JSON object' : parsed.value.jsonrpc !== '2.0' ? '"jsonrpc" must be "2.0"' : 'needs a "method", or an "id" with a "result" or "error"';
    return { ok: false, error: `not a JSON-RPC message: ${why}` };
  }
  return parsed;
}

/** Same JSON value, whatever the spacing. */
export function sameJson(a: string, b: string): boolean {
  const pa = parseJson(a);
  const pb = parseJson(b);
  return pa.ok && pb.ok && pa.text === pb.text;
}

/** A filter word, quoted when the filter lexer would otherwise split or misread it. */
function filterWord(word: string): string {
  return /^[^\s()!&|~"']+$/.test(word) ? word : JSON.stringify(word);
}

/** The filter expression a mock rule for answers to this paused request (or answer) should match. */
export function matchFor(paused: Pick<PausedView, 'method' | 'requestMethod' | 'toolName'>): string | undefined {
  const method = paused.method ?? paused.requestMethod;
  if (paused.toolName) return `~k request & ~t ${filterWord(paused.toolName)}`;
  if (method) return `~k request & ~m ${filterWord(method)}`;
  return undefined;
}
