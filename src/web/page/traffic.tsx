/**
 * The traffic view: one row per exchange (a request and what became of it) and per event, in wire
 * order, drawn by a virtual list so 100,000 rows scroll as smoothly as ten; the filter language
 * with its caret; freeze and clear; and beside it the breakpoints and the held messages.
 */
import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { LogItem } from '../../core/exchange.js';
import { clockTime, eventWhat, exchangeWhat, idText, latencyText, marksText, outcomeText, secondsText, sizeText } from '../../core/exchange-text.js';
import { inert } from '../../core/inert.js';
import { compileFilter, FilterSyntaxError, formatFilterSource } from '../../filter/index.js';
import { itemKey, type Row } from '../../control/list-view.js';
import type { PausedView } from '../../control/protocol.js';
import type { ToolEntry } from '../../control/templates.js';
import type { ConsoleStore } from './store.js';
import type { Actions } from './actions.js';

const ROW_HEIGHT = 26;

/** A conversation id short enough for its column: a UUID's first part, a modern conversation's name without its prefix. */
function shortConversation(id: string): string {
  return id.replace(/^conversation-/, '').slice(0, 12);
}

function RowView({ item, selected, onClick }: { item: LogItem; selected: boolean; onClick: () => void }) {
  if (item.type === 'event') {
    const f = item.frame;
    return (
      <div className={`row event${f.held ? ' o-held' : ''}${selected ? ' selected' : ''}`} onClick={onClick} role="row" aria-selected={selected}>
        <span className="c-time">{clockTime(f.time)}</span>
        <span className="c-conv">{inert(shortConversation(f.conversation))}</span>
        <span className="c-dir">{f.direction === 'c2s' ? '→' : '←'}</span>
        <span className="c-what">{inert(eventWhat(f))}</span>
        <span className="c-status">{f.held ? 'HELD' : f.action === 'continue' ? '' : inert(f.action)}</span>
        <span className="c-lat" />
        <span className="c-size">{sizeText(f.bytes)}</span>
      </div>
    );
  }
  const e = item.exchange;
  const marks = marksText(e);
  return (
    <div className={`row o-${e.outcome}${e.marks.includes('resent') ? ' resent' : ''}${selected ? ' selected' : ''}`} onClick={onClick} role="row" aria-selected={selected} data-key={e.key}>
      <span className="c-time">{clockTime(e.request.time)}</span>
      <span className="c-conv" title={inert(e.conversation)}>
        {inert(shortConversation(e.conversation))}
      </span>
      <span className="c-dir">{e.direction === 'c2s' ? '→' : '←'}</span>
      <span className="c-what">
        {e.parent !== undefined ? '↳ ' : ''}
        {inert(exchangeWhat(e))} <span className="c-id">{inert(idText(e.id))}</span>
      </span>
      <span className="c-status">
        <span className="outcome">{inert(outcomeText(e))}</span>
        {marks ? <span className="marks"> · {marks}</span> : null}
      </span>
      <span className="c-lat">{latencyText(e.latencyMs)}</span>
      <span className="c-size">{sizeText(e.bytes)}</span>
    </div>
  );
}

export function ExchangeRows({ rows, selected, onSelect, follow, testId }: { rows: Row[]; selected: LogItem | undefined; onSelect: (item: LogItem) => void; follow: boolean; testId: string }) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12, getItemKey: (i) => itemKey(rows[i]!.item) });
  useEffect(() => {
    // Following the newest, as a log viewer does, while the person is at the bottom and nothing is
    // picked. Written, never read: reading the list's geometry here would make the browser lay the
    // page out again on every update of a burst.
    if (follow && atBottom.current && rows.length > 0 && scroller.current) scroller.current.scrollTop = rows.length * ROW_HEIGHT;
  }, [rows.length, follow]);
  const onKey = (event: React.KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const at = selected ? rows.findIndex((r) => r.item === selected) : rows.length - 1;
    const next = rows[Math.max(0, Math.min(rows.length - 1, at + (event.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      onSelect(next.item);
      virtual.scrollToIndex(rows.indexOf(next), { align: 'auto' });
    }
  };
  return (
    <div
      className="rows"
      ref={scroller}
      tabIndex={0}
      onKeyDown={onKey}
      data-testid={testId}
      onScroll={(event) => {
        const el = event.currentTarget;
        atBottom.current = rows.length * ROW_HEIGHT - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2;
      }}
    >
      <div style={{ height: virtual.getTotalSize(), position: 'relative' }}>
        {virtual.getVirtualItems().map((v) => {
          const row = rows[v.index]!;
          return (
            <div key={v.key} style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${v.start}px)` }}>
              <RowView item={row.item} selected={row.item === selected} onClick={() => onSelect(row.item)} />
            </div>
          );
        })}
      </div>
    </div>
  );
}

export function FilterBar({ store }: { store: ConsoleStore }) {
  const [text, setText] = useState(store.filter.expression);
  return (
    <form
      className="filter"
      onSubmit={(event) => {
        event.preventDefault();
        store.setFilter(text);
      }}
    >
      <input type="text" spellCheck={false} placeholder="filter: ~m tools/call & ~t echo   (docs/filters.md)" value={text} onChange={(e) => setText(e.target.value)} aria-label="filter" data-testid="filter" />
      <button type="submit">Filter</button>
      {store.filter.error ? (
        <pre className="filter-error" data-testid="filter-error">
          {store.filter.error}
        </pre>
      ) : null}
    </form>
  );
}

function Countdown({ paused, now }: { paused: PausedView; now: number }) {
  return <span className="countdown">{paused.timer === 'stopped' ? 'editing' : `left ${secondsText(paused.deadline - now)}`}</span>;
}

function HeldRow({ paused, now, actions, onPick }: { paused: PausedView; now: number; actions: Actions; onPick: () => void }) {
  const [dropping, setDropping] = useState(false);
  const [reason, setReason] = useState('');
  const what = `${paused.method ?? paused.requestMethod ?? paused.kind}${paused.toolName ? ` ${paused.toolName}` : ''}`;
  return (
    <li className="held" data-testid={`held-${paused.pauseId}`}>
      <div className="held-head" onClick={onPick}>
        <strong>#{paused.pauseId}</strong> {paused.direction === 'c2s' ? '→' : '←'} {paused.method === undefined ? '↳ ' : ''}
        {inert(what)} <span className="quiet">id {inert(idText(paused.id))}</span> <span className="quiet">held {secondsText(now - paused.pausedAt)}</span> <Countdown paused={paused} now={now} />
        {paused.cancelled ? <span className="o-error"> CANCELLED by its sender</span> : null}
        {paused.reason ? <div className="quiet">{inert(paused.reason)}</div> : null}
      </div>
      {dropping ? (
        <form
          className="drop"
          onSubmit={(event) => {
            event.preventDefault();
            actions.drop(paused, reason);
          }}
        >
          <input autoFocus placeholder="why (the sender's error says it)" value={reason} onChange={(e) => setReason(e.target.value)} aria-label="drop reason" />
          <button type="submit" className="danger">
            Drop
          </button>
          <button type="button" onClick={() => setDropping(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <div className="held-actions">
          <button type="button" className="primary" onClick={() => actions.resume(paused)}>
            Resume
          </button>
          <button type="button" onClick={() => actions.edit(paused)}>
            Edit
          </button>
          <button type="button" onClick={() => setDropping(true)}>
            Drop…
          </button>
          {paused.kind === 'request' ? (
            <button type="button" onClick={() => actions.mock(paused)}>
              Mock
            </button>
          ) : null}
        </div>
      )}
    </li>
  );
}

export function InterceptPanel({ store, actions, now }: { store: ConsoleStore; actions: Actions; now: number }) {
  const [expression, setExpression] = useState('');
  const [error, setError] = useState<string | undefined>();
  const addBreakpoint = () => {
    const trimmed = expression.trim();
    if (!trimmed) return;
    try {
      compileFilter(trimmed);
    } catch (e) {
      if (!(e instanceof FilterSyntaxError)) throw e;
      return setError(`${formatFilterSource(e)}\n${e.message}`);
    }
    setError(undefined);
    setExpression('');
    void store.command({ cmd: 'break', expression: trimmed }, `breakpoint set: ${trimmed}`);
  };
  const live = store.live;
  const pick = (paused: PausedView) => {
    const exchange = store.log.exchanges().find((e) => e.held?.pauseId === paused.pauseId);
    const item = exchange ? store.log.items().find((i) => i.type === 'exchange' && i.exchange === exchange) : store.log.items().find((i) => i.type === 'event' && i.frame.pauseId === paused.pauseId);
    store.select(item);
  };
  return (
    <aside className="intercept" data-testid="intercept">
      <section>
        <h2>Breakpoints</h2>
        <form
          className="break"
          onSubmit={(event) => {
            event.preventDefault();
            addBreakpoint();
          }}
        >
          <input type="text" spellCheck={false} placeholder="~t echo & ~k request" value={expression} onChange={(e) => setExpression(e.target.value)} disabled={!live} aria-label="breakpoint" data-testid="breakpoint-input" />
          <button type="submit" disabled={!live}>
            Add
          </button>
        </form>
        {error ? <pre className="filter-error">{error}</pre> : null}
        <ul className="breakpoints" data-testid="breakpoints">
          {store.breakpoints.map((b) => (
            <li key={b.id}>
              <label>
                <input type="checkbox" checked={b.enabled} disabled={!live} onChange={() => void store.command({ cmd: 'enable', breakpointId: b.id, enabled: !b.enabled }, `breakpoint ${b.id} ${b.enabled ? 'disabled' : 'enabled'}`)} />
                <code>{inert(b.expression)}</code>
              </label>
              <span className="quiet">{b.hits} held</span>
              <button type="button" className="small" disabled={!live} onClick={() => void store.command({ cmd: 'unbreak', breakpointId: b.id }, `breakpoint ${b.id} removed`)} aria-label={`remove breakpoint ${b.id}`}>
                ✕
              </button>
            </li>
          ))}
          {store.breakpoints.length === 0 ? <li className="quiet">none: add one, or start the proxy with --break</li> : null}
        </ul>
      </section>
      <section>
        <h2>
          Held <span className="count">{store.paused.length}</span>
          <span className="spacer" />
          <button type="button" disabled={store.paused.length === 0} onClick={() => actions.resumeAll()}>
            Resume all
          </button>
          <button type="button" disabled={!store.lastAnswer} title={store.lastAnswer ? `a mock rule for ${store.lastAnswer.match}` : 'edit a held answer or mock a held request first'} onClick={() => void actions.saveRule()}>
            Save as rule
          </button>
        </h2>
        <ul className="held-list" data-testid="held-list">
          {store.paused.map((p) => (
            <HeldRow key={p.pauseId} paused={p} now={now} actions={actions} onPick={() => pick(p)} />
          ))}
          {store.paused.length === 0 ? <li className="quiet">nothing is held</li> : null}
        </ul>
      </section>
    </aside>
  );
}

/** Picks a tool of a conversation's server for a composed call. */
export function ComposePicker({ tools, onPick, onCancel }: { tools: ToolEntry[]; onPick: (tool: ToolEntry) => void; onCancel: () => void }) {
  return (
    <div className="dialog-backdrop">
      <div className="dialog small" role="dialog" aria-label="call which tool?">
        <h2>Call which tool?</h2>
        <ul className="tools">
          {tools.map((tool) => (
            <li key={tool.name}>
              <button type="button" onClick={() => onPick(tool)}>
                <strong>{inert(tool.name)}</strong> <span className="quiet">{inert(tool.description ?? '')}</span>
              </button>
            </li>
          ))}
        </ul>
        <footer>
          <span className="spacer" />
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </footer>
      </div>
    </div>
  );
}
