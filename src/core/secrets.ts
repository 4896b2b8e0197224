/**
 * What looks like a credential, and how it is hidden: the one place that decides, for the tape
 * (message values, free text, lines that are not JSON), the upstream's URL and command line
 * (shown on tapes, in `tapes list`, exports, state files and logs), and stderr.
 */

export const REDACTED = '[REDACTED]';

/** Key fragments that name a secret wherever they appear in a key (`x-api-key`, `refreshToken`). */
const SECRET_FRAGMENTS = ['token', 'password', 'passwd', 'passphrase', 'secret', 'apikey', 'api_key', 'api-key', 'authorization', 'cookie', 'credential', 'privatekey', 'private_key', 'private-key', 'accesskey', 'access_key', 'access-key'];
/** Short names that are secrets only as whole words of a key (`db_pass`, `basicAuth`, but not `author` or `compass`). */
const SECRET_WORDS = new Set(['pwd', 'pass', 'auth', 'bearer', 'jwt']);
/** Words that make a number under a secret-looking key a count, not a secret (`maxTokens`, `tokenCount`). */
const COUNT_WORDS = new Set(['tokens', 'count', 'max', 'min', 'limit', 'budget', 'usage', 'length', 'size', 'expires', 'ttl']);
/** Protocol fields whose names look secret but are not (replay needs them intact). */
const PROTOCOL_KEYS = new Set(['progressToken', 'nextCursor', 'cursor']);

/** A key's words: `privateKey` and `PRIVATE_KEY` both give ["private", "key"]. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** Whether a key names a secret, by default. */
export function isSecretKeyName(key: string): boolean {
  if (PROTOCOL_KEYS.has(key)) return false;
  const lower = key.toLowerCase();
  if (SECRET_FRAGMENTS.some((f) => lower.includes(f))) return true;
  return words(key).some((w) => SECRET_WORDS.has(w));
}

/**
 * Whether a value under a secret-looking key is to be hidden: strings, numbers (an OTP, a PIN),
 * arrays and objects, but not a count (`maxTokens: 100`), a flag or null.
 */
export function isSecretValue(key: string, value: unknown): boolean {
  if (value === null || value === undefined || typeof value === 'boolean') return false;
  if (typeof value === 'number') return !words(key).some((w) => COUNT_WORDS.has(w));
  return true;
}

/** Credentials that look like themselves wherever they appear in text. */
const CREDENTIAL_SHAPES: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, REDACTED],
  // An Authorization scheme and its credential (which has a digit or a symbol, unlike a word of prose).
  [/\b(Bearer|bearer|BEARER|Basic|Digest)(\s+)(?=[A-Za-z0-9._~+/=-]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}/g, `$1$2${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\bsk-(?:[a-z]+-)?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,})/g, REDACTED],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{35}/g, REDACTED],
  // user:password@ in a URL
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:)[^\s/@]+@/gi, `$1${REDACTED}@`],
];

/**
 * `name=value`, `name: value` and `"name": "value"` pairs in text, where the name looks secret.
 * Inside a JSON string (a tool's description, a result) only `NAME=value` counts: prose such as
 * "token: the token to use" is not a credential, and a tape must keep descriptions as they were.
 */
const SECRET_PAIR = /([A-Za-z0-9_.-]+)("?\s*[=:]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&"',;}\]]+)/g;
const SECRET_ASSIGNMENT = /([A-Za-z0-9_.-]+)(=)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s&"',;}\]]+)/g;

/** A cheap test before the work: could this text hold a secret at all? */
const HINT = /token|passw|pwd|pass|secret|api.?key|auth|cookie|credential|private.?key|access.?key|bearer|basic |digest |sk-|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|AKIA|ASIA|AIza|eyJ|-----BEGIN|:\/\/[^/\s:@]*:[^/\s@]+@|\\u/i;

export function mayHoldSecret(text: string, known: readonly string[] = []): boolean {
  return HINT.test(text) || known.some((secret) => text.includes(secret));
}

/**
 * Hides credentials in free text: the shapes above, secret-looking `name=value` pairs, and any
 * of `known` (secrets seen elsewhere, echoed back). Returns the text itself when nothing matched.
 */
export function redactText(text: string, known: readonly string[] = [], within: 'line' | 'string' = 'line'): string {
  if (!mayHoldSecret(text, known)) return text;
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [shape, replacement] of CREDENTIAL_SHAPES) out = out.replace(shape, replacement);
  out = out.replace(within === 'line' ? SECRET_PAIR : SECRET_ASSIGNMENT, (pair: string, name: string, between: string, value: string) => {
    if (value.includes(REDACTED) || !isSecretKeyName(name)) return pair;
    const bare = value.replace(/^["']|["']$/g, '');
    if (/^-?\d+(\.\d+)?$/.test(bare) && !isSecretValue(name, Number(bare))) return pair;
    return `${name}${between}${value.startsWith('"') ? `"${REDACTED}"` : REDACTED}`;
  });
  return out;
}

/** A URL as it may be shown: the password (and a user name with it) and secret-looking query values hidden. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactText(url);
  }
  if (parsed.password) parsed.password = REDACTED;
  else if (parsed.username) parsed.username = REDACTED;
  for (const key of [...parsed.searchParams.keys()]) if (isSecretKeyName(key)) parsed.searchParams.set(key, REDACTED);
  // URLSearchParams escapes the brackets of the marker; show it as written.
  return parsed.toString().replace(/%5BREDACTED%5D/g, REDACTED);
}

/** The secrets a URL carries (password, secret query values), so they can be hidden where they are echoed. */
export function secretsInUrl(url: string): string[] {
  try {
    const parsed = new URL(url);
    const found = [decodeURIComponent(parsed.password)];
    for (const [key, value] of parsed.searchParams) if (isSecretKeyName(key)) found.push(value);
    return found.filter((s) => s.length >= 4);
  } catch {
    return [];
  }
}

/**
 * A command line as it may be shown: `--api-key=xyz`, `--token xyz`, `API_KEY=xyz`, URLs with
 * credentials and credential-shaped arguments hidden. The command itself is run as given.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const flag = /^(--?)([A-Za-z0-9_.-]+)$/.exec(arg);
    const assignment = /^(--?)?([A-Za-z0-9_.-]+)=([\s\S]*)$/.exec(arg);
    if (assignment && isSecretKeyName(assignment[2]!)) {
      out.push(`${assignment[1] ?? ''}${assignment[2]}=${REDACTED}`);
    } else if (flag && isSecretKeyName(flag[2]!) && i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) {
      out.push(arg, REDACTED);
      i++;
    } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
      out.push(redactUrl(arg));
    } else {
      out.push(redactText(arg));
    }
  }
  return out;
}

/** The secret values a command line carries, by the same rules as redactArgv. */
export function secretsInArgv(argv: readonly string[]): string[] {
  const shown = redactArgv(argv);
  const found: string[] = [];
  // Where an argument was hidden whole, or its value after `=` was, the hidden part is a secret.
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (shown[i] === REDACTED) found.push(arg);
    else if (shown[i] !== arg && shown[i]!.endsWith(`=${REDACTED}`)) found.push(arg.slice(arg.indexOf('=') + 1));
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) found.push(...secretsInUrl(arg));
  }
  return found.filter((s) => s.length >= 4);
}
