/**
 * Peer-controlled text made inert before a console draws it: a method, a tool name or a body
 * comes from whoever is on the other end of the wire, and a terminal obeys what it is sent. Every
 * character that a terminal or a text renderer acts on instead of showing (C0 and C1 controls,
 * DEL, so ESC and CSI sequences too, and the bidirectional overrides and isolates that reorder
 * what follows them) is shown escaped, as `\x1b` or `\u202e`, so it is visible and does nothing.
 * Pure: the terminal UI and the browser console use the same function.
 */

/** C0 (tab and newline included), DEL and C1, the bidi marks, embeddings, overrides and isolates, and the line separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ACTIVE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of text, safe to draw: every active character escaped (newlines and tabs too). */
export function inert(text: string): string {
  ACTIVE.lastIndex = 0;
  return ACTIVE.test(text) ? text.replace(ACTIVE, escape) : text;
}

/** Text of several lines, each made inert (for bodies shown line by line). */
export function inertLines(text: string): string[] {
  return text.split(/\r?\n/).map(inert);
}
