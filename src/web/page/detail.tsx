/**
 * The selected exchange in full: what the model says of it (outcome, latency, size, marks, rounds,
 * stream, the server's requests made during it), its request and answer side by side, each as a
 * collapsible tree or its raw text, what an interceptor changed as a diff, the notifications in
 * order, a search inside, and the ways to take it elsewhere (copy as JSON or as a command, re-send).
 */
import { useState } from 'react';
import type { Exchange, ExchangeFrame, ExchangeLog, LogItem } from '../../core/exchange.js';
import { exchangeJson, itemJson } from '../../core/exchange-json.js';
import { eventWhat, exchangeWhat, frameText, idText, latencyText, outcomeText, prettyJson, secondsText, sizeText } from '../../core/exchange-text.js';
import { inert } from '../../core/inert.js';
import type { PausedView } from '../../control/protocol.js';
import { JsonTree, LineDiff, Marked, RawText } from './json-view.js';
import { curlCommand, mcpTapCommand, type Actions } from './actions.js';

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

function Message({ frame, title, needle, tone }: { frame: ExchangeFrame; title: string; needle: string; tone?: string }) {
  const [view, setView] = useState<'tree' | 'raw' | 'diff'>(frame.original !== undefined ? 'diff' : 'tree');
  const text = frameText(frame);
  return (
    <section className={`message ${tone ?? ''}`} data-testid={`message-${title.split(' ')[0]}`}>
      <header>
        <h3>{title}</h3>
        {frame.note ? <span className="note">{inert(frame.note)}</span> : null}
        <span className="spacer" />
        <div className="segmented">
          <button type="button" aria-pressed={view === 'tree'} onClick={() => setView('tree')}>
            Tree
          </button>
          <button type="button" aria-pressed={view === 'raw'} onClick={() => setView('raw')}>
            Raw
          </button>
          {frame.original !== undefined ? (
            <button type="button" aria-pressed={view === 'diff'} onClick={() => setView('diff')}>
              Original vs edited
            </button>
          ) : null}
        </div>
      </header>
      {view === 'tree' && frame.message !== undefined ? <JsonTree value={frame.message} needle={needle} /> : null}
      {view === 'raw' || (view === 'tree' && frame.message === undefined) ? <RawText text={text} needle={needle} /> : null}
      {view === 'diff' && frame.original !== undefined ? <LineDiff before={prettyJson(frame.original)} after={prettyJson(text)} testId="original-diff" /> : null}
    </section>
  );
}

function Facts({ exchange, log, onSelect, now, paused }: { exchange: Exchange; log: ExchangeLog; onSelect: (key: string) => void; now: number; paused: PausedView[] }) {
  const link = (key: string | undefined, label: string) => {
    const target = key ? log.get(key) : undefined;
    return target ? (
      <button type="button" className="link" onClick={() => onSelect(target.key)}>
        {label} (id {inert(idText(target.id))})
      </button>
    ) : (
      <span>{label}</span>
    );
  };
  const held = exchange.held ? paused.find((p) => p.pauseId === exchange.held!.pauseId) : undefined;
  return (
    <dl className="facts">
      <dt>outcome</dt>
      <dd className={`o-${exchange.outcome}`} data-testid="detail-outcome">
        {inert(outcomeText(exchange))}
      </dd>
      <dt>latency</dt>
      <dd>{latencyText(exchange.latencyMs) || '-'}</dd>
      <dt>size</dt>
      <dd>{sizeText(exchange.bytes)}</dd>
      <dt>id</dt>
      <dd>{inert(idText(exchange.id))}</dd>
      <dt>conversation</dt>
      <dd>{inert(exchange.conversation)}</dd>
      {exchange.era ? (
        <>
          <dt>era</dt>
          <dd>{exchange.era === 'modern' ? 'MCP 2026-07-28' : 'MCP 2025'}</dd>
        </>
      ) : null}
      {exchange.marks.length > 0 ? (
        <>
          <dt>marks</dt>
          <dd data-testid="detail-marks">{exchange.marks.join(', ')}</dd>
        </>
      ) : null}
      {exchange.heldMs !== undefined ? (
        <>
          <dt>held</dt>
          <dd>{secondsText(exchange.heldMs)} (not in the latency)</dd>
        </>
      ) : null}
      {held ? (
        <>
          <dt>HELD</dt>
          <dd className="o-held">
            #{held.pauseId} {held.timer === 'stopped' ? 'timer stopped while you edit' : `goes on by itself in ${secondsText(held.deadline - now)}`}
            {held.cancelled ? ' · CANCELLED by its sender' : ''}
          </dd>
        </>
      ) : null}
      {exchange.cancel ? (
        <>
          <dt>cancelled</dt>
          <dd>{inert(exchange.cancel.reason ?? 'by its sender')}</dd>
        </>
      ) : null}
      {exchange.call ? (
        <>
          <dt>multi round-trip</dt>
          <dd data-testid="detail-rounds">
            round {exchange.call.round}
            {exchange.call.previous ? <> · after {link(exchange.call.previous, 'the round before')}</> : ' · the first round'}
            {exchange.call.next ? <> · retried as {link(exchange.call.next, 'the next round')}</> : null}
          </dd>
        </>
      ) : null}
      {exchange.stream ? (
        <>
          <dt>listen stream</dt>
          <dd data-testid="detail-stream">
            {exchange.stream.acknowledged ? 'acknowledged' : 'not acknowledged yet'}, {exchange.stream.delivered} notification(s) delivered
          </dd>
        </>
      ) : null}
      {exchange.parent ? (
        <>
          <dt>asked during</dt>
          <dd>{link(exchange.parent, exchangeWhat(log.get(exchange.parent) ?? exchange))}</dd>
        </>
      ) : null}
      {exchange.children.length > 0 ? (
        <>
          <dt>the server asked</dt>
          <dd>
            {exchange.children.map((key) => {
              const child = log.get(key);
              return child ? <div key={key}>{link(key, `${inert(exchangeWhat(child))} → ${inert(outcomeText(child))}`)}</div> : null;
            })}
          </dd>
        </>
      ) : null}
    </dl>
  );
}

export interface DetailProps {
  item: LogItem;
  log: ExchangeLog;
  paused: PausedView[];
  now: number;
  onSelect: (key: string) => void;
  /** Absent for a stored tape: nothing can be sent. */
  actions?: Actions;
  proxyId?: string;
  listen?: string;
  say: (text: string, tone?: 'info' | 'error') => void;
  timeOf: (ms: number) => string;
}

export function Detail({ item, log, paused, now, onSelect, actions, proxyId, listen, say, timeOf }: DetailProps) {
  const [needle, setNeedle] = useState('');
  const copy = async (text: string | undefined, what: string) => {
    if (text === undefined) return say(`${what}: not available here`, 'error');
    say((await copyText(text)) ? `copied ${what}` : `could not copy ${what} (the browser refused the clipboard)`, 'info');
  };
  if (item.type === 'event') {
    const frame = item.frame;
    return (
      <div className="detail" data-testid="detail">
        <h2>
          {frame.direction === 'c2s' ? '→' : '←'} {inert(eventWhat(frame))}
        </h2>
        <p className="quiet">
          {frame.kind} · conversation {inert(frame.conversation)} · {timeOf(frame.time)} · {sizeText(frame.bytes)} {frame.action === 'continue' ? '' : `· ${frame.action}`}
        </p>
        <div className="toolbar">
          <input type="search" placeholder="search in the message" value={needle} onChange={(e) => setNeedle(e.target.value)} />
          <button type="button" onClick={() => void copy(JSON.stringify(itemJson(item), null, 2), 'as JSON')}>
            Copy JSON
          </button>
        </div>
        <Message key={frame.seq} frame={frame} title={frame.kind} needle={needle} />
      </div>
    );
  }
  const exchange = item.exchange;
  const who = exchange.direction === 'c2s' ? 'client' : 'server';
  const answer = exchange.answer;
  const canSend = actions !== undefined && exchange.direction === 'c2s';
  return (
    <div className="detail" data-testid="detail">
      <h2 data-testid="detail-title">
        {exchange.direction === 'c2s' ? '→' : '←'} {inert(exchangeWhat(exchange))}
      </h2>
      <Facts exchange={exchange} log={log} onSelect={onSelect} now={now} paused={paused} />
      <div className="toolbar">
        <input type="search" placeholder="search in the messages" value={needle} onChange={(e) => setNeedle(e.target.value)} data-testid="detail-search" />
        <button type="button" onClick={() => void copy(JSON.stringify(exchangeJson(exchange), null, 2), 'the exchange as JSON')}>
          Copy JSON
        </button>
        {canSend && proxyId ? (
          <button type="button" onClick={() => void copy(mcpTapCommand(proxyId, exchange), 'the mcp-tap send command')}>
            Copy as mcp-tap
          </button>
        ) : null}
        {canSend ? (
          <button type="button" disabled={!listen} title={listen ? '' : 'this proxy does not serve HTTP (--listen)'} onClick={() => void copy(curlCommand(listen, exchange), 'the curl command')}>
            Copy as curl
          </button>
        ) : null}
        {canSend ? (
          <>
            <button type="button" onClick={() => actions!.resend(exchange, false)} data-testid="resend">
              Re-send
            </button>
            <button type="button" onClick={() => actions!.resend(exchange, true)} data-testid="edit-resend">
              Edit &amp; re-send
            </button>
          </>
        ) : null}
      </div>
      <div className="pair">
        <Message key={`request-${exchange.request.seq}-${exchange.request.action}`} frame={exchange.request} title={`request from the ${who} · ${timeOf(exchange.request.time)}${exchange.request.held ? ' · HELD, not sent on yet' : ''}`} needle={needle} tone={exchange.request.held ? 'held' : undefined} />
        {answer ? (
          <Message
            key={`answer-${answer.seq}-${answer.action}`}
            frame={answer}
            title={`${answer.kind === 'error' ? 'error' : 'answer'} · ${latencyText(exchange.latencyMs)}${answer.held ? ' · HELD, not sent on yet' : ''}${exchange.delivered ? ' · never delivered' : ''}`}
            needle={needle}
            tone={answer.held ? 'held' : answer.kind === 'error' ? 'error' : undefined}
          />
        ) : (
          <section className="message empty">
            <p>{exchange.outcome === 'cancelled' ? 'no answer: cancelled' : exchange.stream ? 'the stream is open' : 'no answer yet'}</p>
          </section>
        )}
      </div>
      {exchange.delivered ? <Message key={`delivered-${exchange.delivered.seq}`} frame={exchange.delivered} title="delivered instead (made by the proxy)" needle={needle} tone="mocked" /> : null}
      {exchange.notifications.length > 0 ? (
        <div className="notifications">
          <h3>{exchange.notifications.length} notification(s), in order</h3>
          {exchange.notifications.map((frame, i) => (
            <Message key={frame.seq * 1000 + i} frame={frame} title={`${frame.method ?? 'notification'} ${frame.direction === 'c2s' ? '→' : '←'} ${timeOf(frame.time)}`} needle={needle} tone="quiet" />
          ))}
        </div>
      ) : null}
      {needle ? (
        <p className="quiet">
          searching for “<Marked text={needle} needle={needle} />”
        </p>
      ) : null}
    </div>
  );
}
