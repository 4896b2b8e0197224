/**
 * The page: a status bar saying what the proxy is, the traffic view (list, detail, breakpoints
 * and held messages) and the tapes view. Every string a peer sent is rendered as text by React;
 * nothing on this page is ever set as HTML.
 */
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { clockTime } from '../../core/exchange-text.js';
import { inert } from '../../core/inert.js';
import type { ToolEntry } from '../../control/templates.js';
import { Actions, type EditorRequest } from './actions.js';
import { Detail } from './detail.js';
import { EditorDialog } from './editor.js';
import type { ConsoleStore } from './store.js';
import { TapesView } from './tapes.js';
import { ComposePicker, ExchangeRows, FilterBar, InterceptPanel } from './traffic.js';

function useClock(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function StatusBar({ store }: { store: ConsoleStore }) {
  const proxy = store.proxy;
  const transports = [...new Set(store.sessions.map((s) => s.transport))].join(', ');
  return (
    <header className="status-bar" data-testid="status-bar">
      <strong className="brand">mcp-tap</strong>
      {store.mode === 'web' && store.proxies.length > 0 ? (
        <select value={store.watchingId ?? ''} onChange={(e) => void store.watch(e.target.value)} aria-label="proxy" data-testid="proxy-picker">
          {store.watchingId === undefined ? <option value="">(pick a proxy)</option> : null}
          {store.proxies.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id} · {p.title}
            </option>
          ))}
        </select>
      ) : null}
      {proxy ? (
        <>
          <span title="what the proxy does">
            {inert(proxy.title)}
            {store.live ? '' : ' (gone)'}
          </span>
          {proxy.upstream ? <span className="shrink" title={inert(proxy.upstream)}>upstream {inert(proxy.upstream)}</span> : null}
          <span title="how clients reach it">clients {inert(proxy.listen ?? 'stdio')}{transports ? ` (${inert(transports)})` : ''}</span>
          {proxy.tape ? <span title="tape">tape {inert(proxy.tape)}</span> : null}
          <span>{store.sessions.length} session{store.sessions.length === 1 ? '' : 's'}</span>
          <span data-testid="rate">{store.rate} frames/s</span>
          {store.paused.length > 0 ? <span className="o-held">{store.paused.length} held</span> : null}
        </>
      ) : (
        <span className="quiet">{store.mode === 'web' && store.proxies.length === 0 ? 'no proxy is running (start one with mcp-tap record)' : 'waiting for the proxy'}</span>
      )}
      <span className="spacer" />
      <span className={store.connected && store.live ? 'ok' : 'o-error'} data-testid="connection">
        {!store.connected ? `disconnected${store.closedReason ? `: ${inert(store.closedReason)}` : ''}` : store.live ? 'live' : 'not watching'}
      </span>
    </header>
  );
}

function TrafficView({ store, actions }: { store: ConsoleStore; actions: Actions }) {
  const rows = store.rows();
  const now = useClock(store.paused.length > 0);
  const [picking, setPicking] = useState<{ conversation: string; tools: ToolEntry[] } | undefined>();
  const selected = store.selected;
  const compose = async () => {
    const conversation = selected ? (selected.type === 'exchange' ? selected.exchange.conversation : selected.frame.conversation) : store.sessions.at(-1)?.id;
    if (!conversation) return store.say('no conversation to send in yet (a client has to connect first)', 'error');
    const tools = await actions.tools(conversation);
    if (tools.length === 0) return store.say('the server listed no tools (or did not answer tools/list in 10 s)', 'error');
    setPicking({ conversation, tools });
  };
  return (
    <div className="traffic">
      <div className="list-pane">
        <div className="toolbar">
          <FilterBar store={store} />
          <button type="button" aria-pressed={store.log.isFrozen} onClick={() => store.toggleFreeze()} data-testid="freeze">
            {store.log.isFrozen ? `Frozen · ${store.log.waiting} waiting` : 'Freeze'}
          </button>
          <button type="button" onClick={() => store.clear()}>
            Clear
          </button>
          <button type="button" disabled={!store.live} onClick={() => void compose()} data-testid="compose">
            Compose call
          </button>
          <span className="quiet">{rows.length} shown</span>
        </div>
        <div className="row head" role="row">
          <span className="c-time">time</span>
          <span className="c-conv">session</span>
          <span className="c-dir" />
          <span className="c-what">method · name · id</span>
          <span className="c-status">status</span>
          <span className="c-lat">latency</span>
          <span className="c-size">size</span>
        </div>
        <ExchangeRows rows={rows} selected={selected} onSelect={(item) => store.select(item)} follow={!store.log.isFrozen && selected === undefined} testId="exchange-list" />
      </div>
      <div className="detail-pane">
        {selected ? (
          <Detail
            item={selected}
            log={store.log}
            paused={store.paused}
            now={now}
            onSelect={(key) => store.select(store.log.items().find((i) => i.type === 'exchange' && i.exchange.key === key))}
            actions={store.live ? actions : undefined}
            proxyId={store.proxy?.id}
            listen={store.proxy?.listen}
            say={(text, tone) => store.say(text, tone)}
            timeOf={clockTime}
          />
        ) : (
          <p className="quiet empty">select a row to see its messages</p>
        )}
      </div>
      <InterceptPanel store={store} actions={actions} now={now} />
      {picking ? (
        <ComposePicker
          tools={picking.tools}
          onCancel={() => setPicking(undefined)}
          onPick={(tool) => {
            setPicking(undefined);
            actions.compose(picking.conversation, tool);
          }}
        />
      ) : null}
    </div>
  );
}

export function App({ store }: { store: ConsoleStore }) {
  useSyncExternalStore(store.subscribe, store.snapshot);
  const [tab, setTab] = useState<'traffic' | 'tapes'>('traffic');
  const [editor, setEditor] = useState<EditorRequest | undefined>();
  const actions = useMemo(() => new Actions(store, setEditor), [store]);
  return (
    <div className="app">
      <StatusBar store={store} />
      <nav className="tabs">
        <button type="button" aria-pressed={tab === 'traffic'} onClick={() => setTab('traffic')}>
          Traffic
        </button>
        <button type="button" aria-pressed={tab === 'tapes'} onClick={() => setTab('tapes')}>
          Tapes
        </button>
        <span className={`status-line ${store.status?.tone === 'error' ? 'o-error' : ''}`} data-testid="status-line">
          {store.status ? inert(store.status.text) : ''}
        </span>
      </nav>
      <main>{tab === 'traffic' ? <TrafficView store={store} actions={actions} /> : <TapesView store={store} />}</main>
      {editor ? (
        <EditorDialog
          title={editor.title}
          initial={editor.initial}
          action={editor.action}
          original={editor.original}
          note={editor.note}
          check={editor.check}
          onSubmit={editor.submit}
          onClose={(sent) => {
            if (!sent) editor.cancelled?.();
            setEditor(undefined);
          }}
        />
      ) : null}
    </div>
  );
}
