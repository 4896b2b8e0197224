/**
 * The small template language of `mock` rules: `{{params.arguments.message}}` in a string is
 * replaced with that value of the matched message. A string that is nothing but one placeholder
 * takes the value as it is (a number stays a number, an object an object); inside longer text a
 * value is written as text (objects as JSON). A path that leads nowhere gives an empty string.
 * Paths are dot-separated keys; a number picks an array item (`params.items.0`).
 *
 * Templates are compiled once, when the rules are loaded: a value with no placeholder costs
 * nothing per message.
 */

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]*?)\s*\}\}$/;
const PATH = /^[A-Za-z_$][\w$-]*(?:\.[\w$-]+)*$/;

/** Builds the value for one message. */
export type Template = (message: unknown) => unknown;

export class TemplateError extends Error {}

export interface CompiledTemplate {
  /** True when the value has no placeholder: `render` always returns the value itself. */
  readonly isStatic: boolean;
  readonly render: Template;
}

export function compileTemplate(value: unknown): CompiledTemplate {
  const render = compileValue(value);
  return render === undefined ? { isStatic: true, render: () => value } : { isStatic: false, render };
}

/** undefined when `value` holds no placeholder. */
function compileValue(value: unknown): Template | undefined {
  if (typeof value === 'string') return compileString(value);
  if (Array.isArray(value)) {
    const items = value.map(compileValue);
    if (items.every((item) => item === undefined)) return undefined;
    return (message) => items.map((item, i) => (item === undefined ? value[i] : item(message)));
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([key, item]) => [key, item, compileValue(item)] as const);
    if (entries.every(([, , render]) => render === undefined)) return undefined;
    return (message) => {
      const out: Record<string, unknown> = {};
      for (const [key, item, render] of entries) out[key] = render === undefined ? item : render(message);
      return out;
    };
  }
  return undefined;
}

function compileString(text: string): Template | undefined {
  if (!text.includes('{{')) return undefined;
  const whole = WHOLE.exec(text);
  if (whole) {
    const get = pathGetter(whole[1]!);
    return (message) => get(message) ?? '';
  }
  const parts: (string | ((message: unknown) => unknown))[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(text.slice(last, match.index));
    parts.push(pathGetter(match[1]!));
    last = match.index + match[0].length;
  }
  const rest = text.slice(last);
  if (rest.includes('{{')) throw new TemplateError(`unclosed {{ in "${text}"`);
  parts.push(rest);
  return (message) => parts.map((part) => (typeof part === 'string' ? part : asText(part(message)))).join('');
}

function pathGetter(path: string): (message: unknown) => unknown {
  if (!PATH.test(path)) throw new TemplateError(`"{{${path}}}" is not a path such as {{params.arguments.message}}`);
  const keys = path.split('.');
  return (message) => {
    let at: unknown = message;
    for (const key of keys) {
      // Own keys only: a path never reaches into prototypes (`constructor`, `__proto__`).
      if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
      at = (at as Record<string, unknown>)[key];
    }
    return at;
  };
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
