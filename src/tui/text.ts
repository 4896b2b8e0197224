/**
 * Text for the terminal grid: everything the UI draws goes through here, so every string is made
 * inert (peer-controlled text never reaches the terminal raw; see core/inert.ts) and is measured
 * by how many columns it takes (a CJK character or an emoji takes two, a combining mark none, a
 * ZWJ family one grapheme of two), never by code points.
 */
import stringWidth from 'string-width';
import { inert, inertLines } from '../core/inert.js';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Columns the text takes on a terminal (after making it inert). */
export function displayWidth(text: string): number {
  return stringWidth(inert(text));
}

/** Graphemes with their widths, so a cut never splits one (an emoji sequence, a base and its marks). */
function* graphemes(text: string): Generator<[string, number]> {
  for (const { segment } of segmenter.segment(text)) yield [segment, stringWidth(segment)];
}

/** Exactly `width` columns: inert, cut with "…" when longer, padded with spaces when shorter. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const safe = inert(text);
  const total = stringWidth(safe);
  if (total <= width) return safe + ' '.repeat(width - total);
  let out = '';
  let used = 0;
  for (const [grapheme, w] of graphemes(safe)) {
    if (used + w > width - 1) break;
    out += grapheme;
    used += w;
  }
  return out + '…' + ' '.repeat(Math.max(0, width - 1 - used));
}

/** At most `width` columns, inert, cut with "…" (no padding). */
export function clip(text: string, width: number): string {
  const safe = inert(text);
  return stringWidth(safe) <= width ? safe : fit(safe, width).trimEnd();
}

/**
 * Lines of text wrapped to `width` columns: each line made inert, then broken by width, at a space
 * when there is one in the second half of the line, else anywhere but inside a grapheme. A
 * continuation keeps the indentation of its line, so wrapped JSON reads.
 */
export function wrapLines(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of inertLines(text)) wrapOne(line, Math.max(1, width), out);
  return out;
}

function wrapOne(line: string, width: number, out: string[]): void {
  if (stringWidth(line) <= width) {
    out.push(line);
    return;
  }
  const indent = /^ */.exec(line)![0].slice(0, Math.floor(width / 2));
  let current: [string, number][] = [];
  let used = 0;
  const flush = (upTo: number) => {
    out.push(current.slice(0, upTo).map(([g]) => g).join(''));
    current = [[indent, indent.length], ...current.slice(upTo).filter((_, i) => i > 0 || current[upTo]?.[0] !== ' ')];
    used = current.reduce((n, [, w]) => n + w, 0);
  };
  for (const [grapheme, w] of graphemes(line)) {
    if (used + w > width && used > indent.length) {
      // The last space in the second half of the line, if any, is where it breaks.
      let at = -1;
      for (let i = current.length - 1, col = used; i > 0 && col > width / 2; col -= current[i]![1], i--) {
        if (current[i]![0] === ' ') {
          at = i;
          break;
        }
      }
      flush(at === -1 ? current.length : at);
    }
    current.push([grapheme, w]);
    used += w;
  }
  if (current.length > 0 && !(current.length === 1 && current[0]![0] === indent)) out.push(current.map(([g]) => g).join(''));
}
