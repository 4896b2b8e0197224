/**
 * The JSON editor (CodeMirror 6): highlighting, JSON syntax errors marked where they are, and the
 * dialog around it that says what else is wrong (a changed id, arguments the tool's inputSchema
 * refuses) and keeps the button that sends it disabled until nothing is. It never evaluates what
 * is typed: the text is parsed as JSON, nothing else.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, highlightActiveLine } from '@codemirror/view';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { json, jsonParseLinter } from '@codemirror/lang-json';
import { linter, lintGutter } from '@codemirror/lint';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { LineDiff } from './json-view.js';
import { prettyJson } from '../../core/exchange-text.js';
import type { Verdict } from './checks.js';

/**
 * The editor's look, in the page's colours (custom properties reach into the shadow root). The
 * editor lives in a shadow root of its own: there CodeMirror's styles are constructed style sheets
 * instead of <style> elements, so the page's Content-Security-Policy needs no inline style at all.
 */
const theme = EditorView.theme({
  '&': { height: '100%', minHeight: '240px', fontSize: '12px', backgroundColor: 'var(--panel)', color: 'var(--text)' },
  '.cm-scroller': { fontFamily: 'var(--mono)' },
  '.cm-gutters': { backgroundColor: 'var(--bg)', color: 'var(--quiet)', borderRight: '1px solid var(--line)' },
  '.cm-activeLine': { backgroundColor: 'transparent' },
  '&.cm-focused': { outline: 'none' },
});

export function JsonEditor({ initial, onChange }: { initial: string; onChange: (text: string) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => {
    const shadow = host.current!.shadowRoot ?? host.current!.attachShadow({ mode: 'open' });
    const parent = document.createElement('div');
    shadow.append(parent);
    const view = new EditorView({
      parent,
      root: shadow,
      state: EditorState.create({
        doc: initial,
        extensions: [
          lineNumbers(),
          history(),
          highlightActiveLine(),
          bracketMatching(),
          json(),
          linter(jsonParseLinter()),
          lintGutter(),
          syntaxHighlighting(defaultHighlightStyle),
          theme,
          keymap.of([...defaultKeymap, ...historyKeymap, indentWithTab]),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.focus();
    return () => {
      view.destroy();
      parent.remove();
    };
    // The editor is made once per dialog; its text is its own from then on.
  }, []);
  return <div className="editor" ref={host} data-testid="json-editor" />;
}

export interface EditorDialogProps {
  title: string;
  initial: string;
  /** What the text would send, and what is wrong with it. */
  check: (text: string) => Verdict;
  /** The button's words: "Resume with this", "Send", ... */
  action: string;
  /** The text it started from, for a diff of what the person changed. */
  original?: string;
  note?: string;
  /** Sends; resolves false when it was refused (the dialog stays open, with the person's text). */
  onSubmit: (verdict: Verdict) => Promise<boolean>;
  /** The dialog closes: after sending (`sent`), or given up. */
  onClose: (sent: boolean) => void;
}

export function EditorDialog({ title, initial, check, action, original, note, onSubmit, onClose }: EditorDialogProps) {
  const [text, setText] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [showDiff, setShowDiff] = useState(false);
  const verdict = useMemo(() => check(text), [check, text]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const submit = async () => {
    if (verdict.problems.length > 0 || busy) return;
    setBusy(true);
    const done = await onSubmit(verdict);
    setBusy(false);
    if (done) onClose(true);
  };
  return (
    <div className="dialog-backdrop" role="presentation">
      <div className="dialog" role="dialog" aria-label={title}>
        <header>
          <h2>{title}</h2>
          {note ? <p className="note">{note}</p> : null}
        </header>
        <JsonEditor initial={initial} onChange={setText} />
        <ul className="problems" data-testid="problems">
          {verdict.problems.map((problem, i) => (
            <li key={i}>{problem}</li>
          ))}
          {verdict.problems.length === 0 ? <li className="fine">valid</li> : null}
        </ul>
        {showDiff && original !== undefined ? <LineDiff before={prettyJson(original)} after={prettyJson(text)} testId="edit-diff" /> : null}
        <footer>
          {original !== undefined ? (
            <button type="button" onClick={() => setShowDiff(!showDiff)}>
              {showDiff ? 'Hide changes' : 'Show changes'}
            </button>
          ) : null}
          <span className="spacer" />
          <button type="button" onClick={() => onClose(false)}>
            Cancel
          </button>
          <button type="button" className="primary" disabled={verdict.problems.length > 0 || busy} onClick={() => void submit()}>
            {action}
          </button>
        </footer>
      </div>
    </div>
  );
}
