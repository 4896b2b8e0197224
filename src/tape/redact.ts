/**
 * Replaces secrets with a marker before a message is written to a tape. The wire is never
 * touched: redaction works on a copy, and only copies the parts it changes.
 *
 * A rule with a dot is a path from the message root (`params.arguments.apiKey`, `*` for any one
 * key); a rule without one is a key pattern matched at any depth (`*token*`).
 */
import { isObject } from '../core/jsonrpc.js';

export const REDACTED = '[REDACTED]';

/** Keys that name obvious secrets. Matched case-insensitively, on string values only. */
export const DEFAULT_REDACT_KEYS = ['*token*', '*password*', '*passwd*', '*secret*', '*apikey*', '*api_key*', '*api-key*', 'authorization', 'cookie', '*credential*'];

/** Protocol fields whose names look secret but are not (replay needs them intact). */
const PROTOCOL_KEYS = new Set(['progressToken']);
/**
 * The server's opaque state of a multi round-trip call: replay hands it back and the retry must
 * carry it unchanged, so no key pattern (the user's included) ever replaces it.
 */
const OPAQUE_KEYS = new Set(['requestState']);
const DEFAULT_HINT = /token|passw|secret|api.?key|authorization|cookie|credential/i;

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

export interface RedactResult<T> {
  value: T;
  /** Where values were replaced, as dot paths (array items as numbers). */
  paths: string[];
}

export class Redactor {
  private readonly keyPatterns: RegExp[];
  private readonly defaultKeyPatterns: RegExp[];
  private readonly paths: string[][];

  /** `rules` are the user's --redact values; `defaults` adds DEFAULT_REDACT_KEYS. */
  constructor(readonly rules: string[] = [], readonly defaults = true) {
    this.keyPatterns = rules.filter((r) => !r.includes('.')).map(globToRegExp);
    this.paths = rules.filter((r) => r.includes('.')).map((r) => r.split('.'));
    this.defaultKeyPatterns = defaults ? DEFAULT_REDACT_KEYS.map(globToRegExp) : [];
  }

  /**
   * The redaction a tape was recorded with (from what it notes), and the default secret keys
   * always: for printing what a live peer sent, which must not show a secret the tape hid.
   */
  static forPrinting(redactions: readonly string[]): Redactor {
    return new Redactor(redactions.filter((rule) => !rule.endsWith(' (default)')), true);
  }

  /** What the tape notes as the redaction in force. */
  describe(): string[] {
    return [...this.rules, ...(this.defaults ? DEFAULT_REDACT_KEYS.map((k) => `${k} (default)`) : [])];
  }

  /** Redacts a parsed message; `text` (its JSON) lets the common case skip the walk entirely. */
  redact<T>(value: T, text?: string): RedactResult<T> {
    const paths: string[] = [];
    let result: unknown = value;
    for (const path of this.paths) result = this.redactPath(result, path, 0, [], paths);
    const scanKeys = this.keyPatterns.length > 0 || (this.defaultKeyPatterns.length > 0 && (text === undefined || DEFAULT_HINT.test(text)));
    if (scanKeys) result = this.redactKeys(result, [], paths);
    return { value: result as T, paths };
  }

  private redactPath(node: unknown, path: string[], depth: number, at: string[], found: string[]): unknown {
    if (depth === path.length) {
      found.push(at.join('.'));
      return REDACTED;
    }
    const segment = path[depth]!;
    if (Array.isArray(node)) {
      let copy: unknown[] | undefined;
      node.forEach((item, index) => {
        if (segment !== '*' && segment !== String(index)) return;
        const next = this.redactPath(item, path, depth + 1, [...at, String(index)], found);
        if (next !== item) (copy ??= [...node])[index] = next;
      });
      return copy ?? node;
    }
    if (!isObject(node)) return node;
    let copy: Record<string, unknown> | undefined;
    for (const key of segment === '*' ? Object.keys(node) : [segment]) {
      if (!(key in node)) continue;
      const next = this.redactPath(node[key], path, depth + 1, [...at, key], found);
      if (next !== node[key]) (copy ??= { ...node })[key] = next;
    }
    return copy ?? node;
  }

  private redactKeys(node: unknown, at: string[], found: string[]): unknown {
    if (Array.isArray(node)) {
      let copy: unknown[] | undefined;
      node.forEach((item, index) => {
        const next = this.redactKeys(item, [...at, String(index)], found);
        if (next !== item) (copy ??= [...node])[index] = next;
      });
      return copy ?? node;
    }
    if (!isObject(node)) return node;
    let copy: Record<string, unknown> | undefined;
    for (const [key, child] of Object.entries(node)) {
      let next: unknown;
      if (child !== REDACTED && this.isSecretKey(key, child)) {
        next = REDACTED;
        found.push([...at, key].join('.'));
      } else {
        next = this.redactKeys(child, [...at, key], found);
      }
      if (next !== child) (copy ??= { ...node })[key] = next;
    }
    return copy ?? node;
  }

  private isSecretKey(key: string, value: unknown): boolean {
    if (OPAQUE_KEYS.has(key)) return false;
    if (this.keyPatterns.some((p) => p.test(key))) return true;
    if (PROTOCOL_KEYS.has(key) || typeof value !== 'string') return false;
    return this.defaultKeyPatterns.some((p) => p.test(key));
  }
}
