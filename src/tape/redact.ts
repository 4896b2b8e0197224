/**
 * Replaces secrets with a marker before a message is written to a tape. The wire is never
 * touched: redaction works on a copy, and only copies the parts it changes.
 *
 * A rule with a dot is a path from the message root (`params.arguments.apiKey`, `*` for any one
 * key); a rule without one is a key pattern matched at any depth (`*token*`). By default, values
 * under keys that look secret (core/secrets.ts decides) are replaced whatever their type, and
 * credentials in free text (`Bearer ...`, `sk-...`, a key echoed back in a result) are cut out of
 * strings and out of lines that are not JSON at all.
 */
import { isObject } from '../core/jsonrpc.js';
import { isSecretKeyName, isSecretValue, mayHoldSecret, REDACTED, redactText } from '../core/secrets.js';

export { REDACTED };

/** What the default rules cover, as the tape notes them (key patterns, matched case-insensitively). */
export const DEFAULT_REDACT_KEYS = [
  '*token*', '*password*', '*passwd*', '*passphrase*', '*secret*', '*apikey*', '*api_key*', '*api-key*', 'authorization', 'cookie', '*credential*',
  '*private_key*', '*access_key*', 'pwd', 'pass', 'auth', 'bearer', 'jwt',
];
const DEFAULT_DESCRIPTION = [...DEFAULT_REDACT_KEYS.map((k) => `${k} (default)`), 'credentials in free text: Bearer/Basic, sk-..., JWTs, private keys, user:password@ (default)'];

/** Values redacted once are looked for again in later text (a key echoed back); this many are kept. */
const LEARNED_LIMIT = 64;
/** Shorter values are too likely to be ordinary words to be looked for elsewhere. */
const LEARNED_MIN_LENGTH = 8;

/** Protocol fields whose names look secret but are not (replay needs them intact). */
const PROTOCOL_KEYS = new Set(['progressToken']);
/**
 * The server's opaque state of a multi round-trip call: replay hands it back and the retry must
 * carry it unchanged, so no key pattern (the user's included) nor free-text rule ever touches it.
 */
const OPAQUE_KEYS = new Set(['requestState']);

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
  private readonly paths: string[][];
  /** Secrets to look for in any text: given (a --header value, a URL's password) and learned. */
  private readonly known: string[];
  private readonly given: number;

  /**
   * `rules` are the user's --redact values; `defaults` adds the default secret keys and the
   * free-text credentials; `knownSecrets` are values to hide wherever they appear.
   */
  constructor(
    readonly rules: string[] = [],
    readonly defaults = true,
    knownSecrets: string[] = [],
  ) {
    this.keyPatterns = rules.filter((r) => !r.includes('.')).map(globToRegExp);
    this.paths = rules.filter((r) => r.includes('.')).map((r) => r.split('.'));
    this.known = [...new Set(knownSecrets.filter((s) => s.length >= 4))];
    this.given = this.known.length;
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
    return [...this.rules, ...(this.defaults ? DEFAULT_DESCRIPTION : [])];
  }

  /**
   * Whether redact() or redactText() could change a message with this text. When not (nearly
   * always), the text goes on the tape as it is and the message need not be parsed for it.
   */
  mayChange(text: string): boolean {
    return this.paths.length > 0 || this.keyPatterns.length > 0 || ((this.defaults || this.known.length > 0) && mayHoldSecret(text, this.known));
  }

  /** Redacts a parsed message; `text` (its JSON) lets the common case skip the walk entirely. */
  redact<T>(value: T, text?: string): RedactResult<T> {
    const paths: string[] = [];
    let result: unknown = value;
    for (const path of this.paths) result = this.redactPath(result, path, 0, [], paths);
    // A key written with escapes (`"\u0074oken"`) hides from a look at the text: the hint covers `\u`.
    const scanKeys = this.keyPatterns.length > 0 || (this.defaults && (text === undefined || mayHoldSecret(text, this.known)));
    if (scanKeys) result = this.redactKeys(result, [], paths);
    return { value: result as T, paths };
  }

  /** Redacts text that is not JSON (a malformed line, a server's stray output). */
  redactText(text: string): string {
    return this.defaults || this.known.length > 0 ? redactText(text, this.known) : text;
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
    if (typeof node === 'string') {
      if (!this.defaults && this.known.length === 0) return node;
      const cleaned = redactText(node, this.known, 'string');
      if (cleaned !== node) found.push(at.join('.'));
      return cleaned;
    }
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
      if (OPAQUE_KEYS.has(key)) continue;
      let next: unknown;
      if (child !== REDACTED && this.isSecretKey(key, child)) {
        next = REDACTED;
        found.push([...at, key].join('.'));
        // A credential echoed back later (a result quoting a key) is hidden there too. Values a
        // --redact rule names are the user's to choose; only what looks secret is looked for again.
        if (this.defaults && isSecretKeyName(key)) this.learn(child);
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
    if (PROTOCOL_KEYS.has(key) || !this.defaults) return false;
    return isSecretKeyName(key) && isSecretValue(key, value);
  }

  /** Remembers a redacted string, so that where it is echoed (a result quoting it) it is hidden too. */
  private learn(value: unknown): void {
    if (typeof value !== 'string' || value.length < LEARNED_MIN_LENGTH || value === REDACTED || this.known.includes(value)) return;
    this.known.push(value);
    if (this.known.length - this.given > LEARNED_LIMIT) this.known.splice(this.given, 1);
  }
}
