/**
 * The tapes view: the store's tapes (searched by name, label, server or upstream), one tape as a
 * timeline in lanes (client → server, server → client, notifications) with its latency by
 * method, a diff of two tapes (what `mcp-tap tapes diff` says), export as a JSON download and
 * import from a file. The tape's frames become exchanges with the same model as the live view.
 */
import { useEffect, useMemo, useState } from 'react';
import type { ExchangeLog, LogItem } from '../../core/exchange.js';
import { exchangeWhat, eventWhat, latencyText, offsetTime, outcomeText } from '../../core/exchange-text.js';
import { inert } from '../../core/inert.js';
import { tapeExchanges } from '../../tape/exchanges.js';
import type { TapeContents, TapeDiffResult, TapeListing } from '../protocol.js';
import type { ConsoleStore } from './store.js';
import { Detail } from './detail.js';

/** What one message to the console's server may hold (src/web/server.ts), less room for the command around the document. */
const MAX_IMPORT_BYTES = 60 * 1024 * 1024;

const serverName = (t: TapeListing) => {
  const info = t.serverInfo as { name?: string; version?: string } | null;
  return info?.name ? `${info.name} ${info.version ?? ''}`.trim() : '';
};
const upstreamText = (t: TapeListing) => t.upstream?.url ?? t.upstream?.command?.join(' ') ?? '';

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

interface MethodLatency {
  what: string;
  count: number;
  median: number;
  p95: number;
  max: number;
}

function latencyByMethod(log: ExchangeLog): MethodLatency[] {
  const by = new Map<string, number[]>();
  for (const e of log.exchanges()) {
    if (e.latencyMs === undefined || e.stream) continue;
    const what = e.method === 'tools/call' && e.name ? `tools/call ${e.name}` : e.method;
    by.set(what, [...(by.get(what) ?? []), e.latencyMs]);
  }
  return [...by.entries()]
    .map(([what, values]) => {
      const sorted = values.sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
      return { what, count: sorted.length, median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1]! };
    })
    .sort((a, b) => b.median - a.median);
}

function lane(item: LogItem): 0 | 1 | 2 {
  if (item.type === 'event') return 2;
  return item.exchange.direction === 'c2s' ? 0 : 1;
}

function Timeline({ log, selected, onSelect }: { log: ExchangeLog; selected: LogItem | undefined; onSelect: (item: LogItem) => void }) {
  const items = log.items();
  const shown = items.slice(0, 5000);
  return (
    <div className="timeline" data-testid="timeline">
      <div className="lanes-head">
        <span>client → server</span>
        <span>server → client</span>
        <span>notifications</span>
      </div>
      {shown.map((item) => {
        const at = lane(item);
        const time = item.type === 'event' ? item.frame.time : item.exchange.request.time;
        const label = item.type === 'event' ? eventWhat(item.frame) : `${item.exchange.parent ? '↳ ' : ''}${exchangeWhat(item.exchange)}`;
        const status = item.type === 'event' ? '' : `${outcomeText(item.exchange)} ${latencyText(item.exchange.latencyMs)}`;
        const tone = item.type === 'event' ? 'event' : `o-${item.exchange.outcome}`;
        return (
          <div key={item.seq} className={`lane-row${item === selected ? ' selected' : ''}`} onClick={() => onSelect(item)}>
            <span className="t">{offsetTime(time)}</span>
            {[0, 1, 2].map((n) => (
              <span key={n} className={`lane${n === at ? ` on ${tone}` : ''}`}>
                {n === at ? (
                  <>
                    {inert(label)} <span className="quiet">{inert(status)}</span>
                  </>
                ) : null}
              </span>
            ))}
          </div>
        );
      })}
      {items.length > shown.length ? <p className="quiet">the first {shown.length} of {items.length} items</p> : null}
    </div>
  );
}

export function TapesView({ store }: { store: ConsoleStore }) {
  const [tapes, setTapes] = useState<TapeListing[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [search, setSearch] = useState('');
  const [open, setOpen] = useState<{ contents: TapeContents; log: ExchangeLog } | undefined>();
  const [pane, setPane] = useState<'timeline' | 'latency' | 'diff'>('timeline');
  const [selected, setSelected] = useState<LogItem | undefined>();
  const [diffWith, setDiffWith] = useState('');
  const [diff, setDiff] = useState<TapeDiffResult | undefined>();
  const [importName, setImportName] = useState('');

  const refresh = async () => {
    try {
      setTapes((await store.link.ask({ cmd: 'tapes' })) as TapeListing[]);
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    void refresh();
    // Listed once when the view opens; the refresh button lists again.
  }, []);

  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    if (!tapes || !needle) return tapes ?? [];
    return tapes.filter((t) => [t.name, serverName(t), upstreamText(t), ...Object.entries(t.labels).map(([k, v]) => `${k}=${v}`)].some((s) => s.toLowerCase().includes(needle)));
  }, [tapes, search]);

  const openTape = async (name: string) => {
    try {
      const contents = (await store.link.ask({ cmd: 'tape', name })) as TapeContents;
      setOpen({ contents, log: tapeExchanges(contents.frames) });
      setSelected(undefined);
      setPane('timeline');
      setDiff(undefined);
    } catch (e) {
      store.say((e as Error).message, 'error');
    }
  };
  const runDiff = async () => {
    if (!open || !diffWith) return;
    try {
      setDiff((await store.link.ask({ cmd: 'diff', a: open.contents.tape.name, b: diffWith })) as TapeDiffResult);
      setPane('diff');
    } catch (e) {
      store.say((e as Error).message, 'error');
    }
  };
  const exportTape = async (name: string) => {
    try {
      const document = await store.link.ask({ cmd: 'export', name });
      download(`${name}.json`, `${JSON.stringify(document, null, 2)}\n`);
      store.say(`exported "${name}" as ${name}.json`);
    } catch (e) {
      store.say((e as Error).message, 'error');
    }
  };
  const importFile = async (file: File) => {
    if (file.size > MAX_IMPORT_BYTES) return store.say(`${file.name} is larger than the console takes (${MAX_IMPORT_BYTES / 1024 / 1024} MiB); import it with mcp-tap tapes import FILE`, 'error');
    let document: unknown;
    try {
      document = JSON.parse(await file.text());
    } catch (e) {
      return store.say(`${file.name} is not JSON: ${(e as Error).message}`, 'error');
    }
    try {
      const tape = (await store.link.ask({ cmd: 'import', document, name: importName.trim() || undefined })) as TapeListing;
      store.say(`imported "${tape.name}" (${tape.frameCount} frames)`);
      await refresh();
    } catch (e) {
      store.say((e as Error).message, 'error');
    }
  };

  return (
    <div className="tapes">
      <aside className="tape-list">
        <div className="toolbar">
          <input type="search" placeholder="search name, label, server" value={search} onChange={(e) => setSearch(e.target.value)} data-testid="tape-search" />
          <button type="button" onClick={() => void refresh()}>
            Refresh
          </button>
        </div>
        <p className="quiet">{inert(store.storeFile)}</p>
        {error ? <p className="o-error">{inert(error)}</p> : null}
        <ul data-testid="tape-list">
          {shown.map((t) => (
            <li key={t.name} className={open?.contents.tape.name === t.name ? 'selected' : ''}>
              <button type="button" className="link" onClick={() => void openTape(t.name)}>
                <strong>{inert(t.name)}</strong>
              </button>
              <div className="quiet">
                {t.createdAt.replace('T', ' ').slice(0, 19)} · {t.frameCount} frames · {t.sessionCount} session(s) {serverName(t) ? `· ${inert(serverName(t))}` : ''}
              </div>
              {Object.keys(t.labels).length > 0 ? (
                <div className="labels">
                  {Object.entries(t.labels).map(([k, v]) => (
                    <code key={k}>{inert(`${k}=${v}`)}</code>
                  ))}
                </div>
              ) : null}
              <button type="button" className="small" onClick={() => void exportTape(t.name)}>
                Export JSON
              </button>
            </li>
          ))}
          {tapes && shown.length === 0 ? <li className="quiet">no tapes{search ? ' match' : ' yet'}</li> : null}
        </ul>
        <div className="import">
          <h3>Import a tape</h3>
          <input type="text" placeholder="under another name (optional)" value={importName} onChange={(e) => setImportName(e.target.value)} aria-label="import name" />
          <input type="file" accept="application/json,.json" aria-label="tape file" data-testid="import-file" onChange={(e) => e.target.files?.[0] && void importFile(e.target.files[0])} />
        </div>
      </aside>
      <section className="tape-main">
        {open ? (
          <>
            <header className="tape-head">
              <h2 data-testid="tape-title">{inert(open.contents.tape.name)}</h2>
              <span className="quiet">
                {inert(upstreamText(open.contents.tape))} · {open.contents.tape.transport} · {open.contents.tape.protocolVersion ?? ''} · {open.contents.tape.frameCount} frames
              </span>
              <div className="segmented">
                {(['timeline', 'latency', 'diff'] as const).map((p) => (
                  <button key={p} type="button" aria-pressed={pane === p} onClick={() => setPane(p)}>
                    {p === 'timeline' ? 'Timeline' : p === 'latency' ? 'Latency by method' : 'Diff'}
                  </button>
                ))}
              </div>
              <label>
                diff with{' '}
                <select value={diffWith} onChange={(e) => setDiffWith(e.target.value)} data-testid="diff-with">
                  <option value="">(a tape)</option>
                  {(tapes ?? [])
                    .filter((t) => t.name !== open.contents.tape.name)
                    .map((t) => (
                      <option key={t.name} value={t.name}>
                        {t.name}
                      </option>
                    ))}
                </select>
              </label>
              <button type="button" disabled={!diffWith} onClick={() => void runDiff()} data-testid="run-diff">
                Diff
              </button>
            </header>
            {pane === 'timeline' ? (
              <div className="tape-body">
                <Timeline log={open.log} selected={selected} onSelect={setSelected} />
                {selected ? <Detail item={selected} log={open.log} paused={[]} now={Date.now()} onSelect={(key) => setSelected(open.log.items().find((i) => i.type === 'exchange' && i.exchange.key === key))} say={(t, tone) => store.say(t, tone)} timeOf={offsetTime} /> : null}
              </div>
            ) : null}
            {pane === 'latency' ? (
              <table className="latency" data-testid="latency-table">
                <thead>
                  <tr>
                    <th>method</th>
                    <th>calls</th>
                    <th>median</th>
                    <th>p95</th>
                    <th>max</th>
                  </tr>
                </thead>
                <tbody>
                  {latencyByMethod(open.log).map((m) => (
                    <tr key={m.what}>
                      <td>{inert(m.what)}</td>
                      <td>{m.count}</td>
                      <td>{latencyText(m.median)}</td>
                      <td>{latencyText(m.p95)}</td>
                      <td>{latencyText(m.max)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
            {pane === 'diff' ? (
              diff ? (
                <pre className="tape-diff" data-testid="tape-diff">
                  {diff.lines.map((line, i) => (
                    <div key={i} className={`d-${line.tone}`}>
                      {inert(line.text)}
                    </div>
                  ))}
                </pre>
              ) : (
                <p className="quiet">pick a tape to diff with, then Diff</p>
              )
            ) : null}
          </>
        ) : (
          <p className="quiet empty">open a tape from the list</p>
        )}
      </section>
    </div>
  );
}
