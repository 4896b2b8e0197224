/**
 * Keys that arrive together. Ink hands over a chunk of typed (or pasted) input as one string when
 * it holds no escape sequence: "/~t echo" typed fast, or "ab\x7fc\r". Each character is a key of
 * its own here, and a control character is the key it stands for (Enter, Backspace, Tab, Esc,
 * Ctrl-U, Ctrl-C...), never text typed into a prompt.
 */
import type { Key } from 'ink';

export type KeyPress = [input: string, key: Key];

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** One character as the key it is. */
function keyOf(char: string): KeyPress {
  const code = char.codePointAt(0)!;
  if (char === '\r' || char === '\n') return ['', { ...NO_KEY, return: true }];
  if (char === '\t') return ['', { ...NO_KEY, tab: true }];
  if (code === 0x7f || code === 0x08) return ['', { ...NO_KEY, backspace: true }];
  if (code === 0x1b) return ['', { ...NO_KEY, escape: true, meta: true }];
  // Ctrl-A..Ctrl-Z arrive as 1..26: Ink names them by their letter with ctrl set.
  if (code >= 1 && code <= 26) return [String.fromCharCode(code + 96), { ...NO_KEY, ctrl: true }];
  if (code < 0x20 || (code >= 0x80 && code <= 0x9f)) return ['', { ...NO_KEY, ctrl: true }];
  return [char, { ...NO_KEY, shift: /[A-Z]/.test(char) }];
}

/** The keys in what Ink delivered: one press as it is, or a chunk split into one press per character. */
export function splitKeys(input: string, key: Key): KeyPress[] {
  if (Array.from(input).length <= 1 || key.ctrl || key.meta) {
    // Ink reports a lone control character as its letter with ctrl set, except these.
    if (input.length === 1 && !key.ctrl && !key.meta) {
      const code = input.charCodeAt(0);
      if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return [keyOf(input)];
    }
    return [[input, key]];
  }
  return Array.from(input, keyOf);
}

/** Whether a key press is text a prompt may take (a printable character, nothing else). */
export function isText(input: string, key: Key): boolean {
  if (input === '' || key.ctrl || key.meta || key.return || key.tab || key.escape || key.backspace || key.delete) return false;
  for (const char of input) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
  }
  return true;
}
