/**
 * Edits of JSON text that leave every other byte alone. A replayed answer must come back as it
 * was recorded, text for text: `JSON.parse` then `JSON.stringify` turns `42.0` into `42`, a big
 * integer into a rounded one and `-0` into `0`. Replay and verify only need to swap a few small
 * values (an id, a progress token, a subscription id, a request state), so they splice the new
 * value's text into the old text at the right place instead. Pure; no imports, runs anywhere.
 */

/** Where a value sits in a text: `text.slice(start, end)` is its JSON. */
interface Span {
  start: number;
  end: number;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** A small scanner over one JSON text; it assumes the text is valid JSON (callers parsed it). */
class Scanner {
  index = 0;
  constructor(readonly text: string) {}

  skipWhitespace(): void {
    while (this.index < this.text.length && WHITESPACE.has(this.text[this.index]!)) this.index++;
  }

  /** Skips one value of any kind and returns its span. */
  skipValue(): Span {
    this.skipWhitespace();
    const start = this.index;
    const c = this.text[this.index];
    if (c === '"') this.skipString();
    else if (c === '{' || c === '[') this.skipContainer();
    else while (this.index < this.text.length && !/[\s,\]}]/.test(this.text[this.index]!)) this.index++;
    return { start, end: this.index };
  }

  skipString(): void {
    this.index++; // the opening quote
    while (this.index < this.text.length) {
      const c = this.text[this.index++];
      if (c === '\\') this.index++;
      else if (c === '"') return;
    }
  }

  /** Reads a string token and returns its value. */
  readString(): string {
    const start = this.index;
    this.skipString();
    return JSON.parse(this.text.slice(start, this.index)) as string;
  }

  private skipContainer(): void {
    let depth = 0;
    while (this.index < this.text.length) {
      const c = this.text[this.index];
      if (c === '"') {
        this.skipString();
        continue;
      }
      this.index++;
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) return;
      }
    }
  }

  /** The span of member `key` of the object starting here (the last one, as JSON.parse keeps). */
  member(key: string): Span | undefined {
    this.skipWhitespace();
    if (this.text[this.index] !== '{') return undefined;
    this.index++;
    let found: Span | undefined;
    for (;;) {
      this.skipWhitespace();
      const c = this.text[this.index];
      if (c === '}' || c === undefined) return found;
      if (c === ',') {
        this.index++;
        continue;
      }
      const name = this.readString();
      this.skipWhitespace();
      this.index++; // the colon
      const span = this.skipValue();
      if (name === key) found = span;
    }
  }
}

/** The span of the value at `path` (object keys from the root), or undefined when it is absent. */
function spanAt(text: string, path: readonly string[]): Span | undefined {
  let span: Span = { start: 0, end: text.length };
  for (const key of path) {
    const scanner = new Scanner(text);
    scanner.index = span.start;
    const next = scanner.member(key);
    if (!next) return undefined;
    span = next;
  }
  return span;
}

/** The JSON text of the value at `path`, as written (`42.0` stays `42.0`). */
export function jsonTextAt(text: string, path: readonly string[]): string | undefined {
  const span = spanAt(text, path);
  return span ? text.slice(span.start, span.end) : undefined;
}

/**
 * `text` with the value at `path` replaced by `value` (serialised), every other byte as it was;
 * undefined when there is no value at `path` to replace.
 */
export function replaceJsonValue(text: string, path: readonly string[], value: unknown): string | undefined {
  const span = spanAt(text, path);
  if (!span) return undefined;
  return `${text.slice(0, span.start)}${JSON.stringify(value)}${text.slice(span.end)}`;
}

/** Several replacements at once; the paths must not nest in one another. Undefined when one is absent. */
export function replaceJsonValues(text: string, edits: readonly { path: readonly string[]; value: unknown }[]): string | undefined {
  let out = text;
  for (const edit of edits) {
    const next = replaceJsonValue(out, edit.path, edit.value);
    if (next === undefined) return undefined;
    out = next;
  }
  return out;
}
