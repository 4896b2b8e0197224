/**
 * A message shown as a collapsible JSON tree or as its raw text, with the search's matches
 * marked. Everything is rendered as text nodes: a peer's string can hold any markup and it stays
 * text (no innerHTML anywhere on this page).
 */
import { Fragment, useMemo, type ReactNode } from 'react';
import { diffLines } from 'diff';
import { inert } from '../../core/inert.js';

/** `text` with every case-insensitive occurrence of `needle` marked. */
export function Marked({ text, needle }: { text: string; needle: string }): ReactNode {
  if (!needle) return text;
  const lower = text.toLowerCase();
  const find = needle.toLowerCase();
  const parts: ReactNode[] = [];
  let from = 0;
  for (let at = lower.indexOf(find); at !== -1; at = lower.indexOf(find, from)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(<mark key={at}>{text.slice(at, at + find.length)}</mark>);
    from = at + find.length;
  }
  if (from < text.length) parts.push(text.slice(from));
  return <>{parts}</>;
}

/** How many nodes a tree may open by itself: past this, deeper levels start folded. */
const OPEN_BUDGET = 400;

function countNodes(value: unknown, limit: number): number {
  let n = 0;
  const walk = (v: unknown) => {
    if (n > limit) return;
    n++;
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return n;
}

function Scalar({ value, needle }: { value: unknown; needle: string }) {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  const kind = value === null ? 'null' : typeof value;
  return (
    <span className={`j-${kind}`}>
      <Marked text={inert(text)} needle={needle} />
    </span>
  );
}

function Node({ name, value, depth, openDepth, needle }: { name?: string; value: unknown; depth: number; openDepth: number; needle: string }) {
  const label =
    name === undefined ? null : (
      <span className="j-key">
        <Marked text={inert(JSON.stringify(name))} needle={needle} />:{' '}
      </span>
    );
  if (value === null || typeof value !== 'object') {
    return (
      <div className="j-row">
        {label}
        <Scalar value={value} needle={needle} />
      </div>
    );
  }
  const array = Array.isArray(value);
  const entries: [string | undefined, unknown][] = array ? value.map((v) => [undefined, v]) : Object.entries(value);
  const [open, close] = array ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) {
    return (
      <div className="j-row">
        {label}
        {open}
        {close}
      </div>
    );
  }
  return (
    <details className="j-node" open={depth < openDepth}>
      <summary>
        {label}
        {open}
        <span className="j-count">
          {entries.length} {array ? (entries.length === 1 ? 'item' : 'items') : entries.length === 1 ? 'key' : 'keys'}
        </span>
      </summary>
      <div className="j-children">
        {entries.map(([key, child], i) => (
          <Node key={i} name={key} value={child} depth={depth + 1} openDepth={openDepth} needle={needle} />
        ))}
      </div>
      <div className="j-row">{close}</div>
    </details>
  );
}

export function JsonTree({ value, needle }: { value: unknown; needle: string }) {
  const openDepth = useMemo(() => (countNodes(value, OPEN_BUDGET) > OPEN_BUDGET ? 2 : 64), [value]);
  return (
    <div className="j-tree">
      <Node value={value} depth={0} openDepth={openDepth} needle={needle} />
    </div>
  );
}

/** Text shown as it is, line by line, every active character escaped, the search's matches marked. */
export function RawText({ text, needle, className }: { text: string; needle: string; className?: string }) {
  const lines = useMemo(() => text.split(/\r?\n/), [text]);
  return (
    <pre className={className ?? 'raw'}>
      {lines.map((line, i) => (
        <Fragment key={i}>
          <Marked text={inert(line)} needle={needle} />
          {'\n'}
        </Fragment>
      ))}
    </pre>
  );
}

/** Two texts line by line, `-` for what went and `+` for what came, every line as inert text. */
export function LineDiff({ before, after, testId }: { before: string; after: string; testId: string }): ReactNode {
  const changes = useMemo(() => diffLines(before + '\n', after + '\n'), [before, after]);
  return (
    <pre className="diff" data-testid={testId}>
      {changes.map((part, i) => (
        <span key={i} className={part.added ? 'added' : part.removed ? 'removed' : 'same'}>
          {part.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line) => `${part.added ? '+' : part.removed ? '-' : ' '} ${inert(line)}\n`)
            .join('')}
        </span>
      ))}
    </pre>
  );
}
