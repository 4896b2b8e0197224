/**
 * A tape as one self-contained HTML page, to attach to a bug report: the tape's header, then the
 * timeline one row per exchange (src/core/exchange.ts) with a bar for when it ran and how long it
 * took, searchable and filterable, each row opening onto its messages. No network, no other file.
 *
 * Everything a peer said is data, never markup: the tape is embedded as JSON in a script element
 * that does not run (`<` written as `\u003c`, so no `</script>` can end it early), and the page's
 * own script puts every string on the page with `textContent`. A Content-Security-Policy allows
 * only the page's own script and style (by hash): no inline handler, no other script, no image,
 * no request anywhere would run even if markup got through.
 */
import { createHash } from 'node:crypto';
import type { Exchange } from '../core/exchange.js';
import { describeId, isObject } from '../core/jsonrpc.js';
import { tapeExchanges, wallClock } from './exchanges.js';
import { tapePeers } from './timeline.js';
import type { TapeFrame, TapeInfo, TapeSession } from './types.js';

interface ReportExchange {
  seq: number;
  t: number;
  dir: string;
  method: string;
  name?: string;
  id: string;
  outcome: string;
  error?: string;
  latency?: number;
  marks: string[];
  session: string;
  depth: number;
  round?: number;
  request: string;
  answer?: string;
  notes: { t: number; method: string; text: string }[];
  stream?: string;
}

interface ReportEvent {
  seq: number;
  t: number;
  dir: string;
  kind: string;
  method?: string;
  text: string;
  flags: string[];
  session: string;
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function peerText(info: unknown): string {
  return isObject(info) ? `${String(info.name ?? '?')} ${String(info.version ?? '')}`.trim() : '-';
}

/** JSON that can sit inside a script element: nothing in it can close the element or start markup. */
function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

export function tapeToHtml(tape: TapeInfo, sessions: TapeSession[], frames: TapeFrame[], options: { version: string }): string {
  const log = tapeExchanges(frames);
  const bySeq = new Map(frames.map((f) => [f.seq, f]));
  const sessionTags = new Map<string, string>();
  for (const frame of frames) if (!sessionTags.has(String(frame.session))) sessionTags.set(String(frame.session), `s${sessionTags.size + 1}`);
  const exchanges: ReportExchange[] = [];
  const events: ReportEvent[] = [];
  const shown = new Set<string>();
  const add = (exchange: Exchange, depth: number) => {
    if (shown.has(exchange.key)) return;
    shown.add(exchange.key);
    const answer = exchange.answer ? bySeq.get(exchange.answer.seq) : undefined;
    exchanges.push({
      seq: exchange.request.seq,
      t: exchange.request.time,
      dir: exchange.direction,
      method: exchange.method,
      name: exchange.name,
      id: describeId(exchange.id),
      outcome: exchange.outcome,
      error: exchange.error ? `${exchange.error.code} ${exchange.error.message}` : undefined,
      latency: exchange.latencyMs,
      marks: exchange.marks,
      session: sessionTags.get(exchange.conversation) ?? exchange.conversation,
      depth,
      round: exchange.call?.round,
      request: pretty(bySeq.get(exchange.request.seq)!.message),
      answer: answer ? pretty(answer.message) : undefined,
      notes: exchange.notifications.map((n) => ({ t: n.time, method: n.method ?? 'notification', text: pretty(bySeq.get(n.seq)!.message) })),
      stream: exchange.stream ? `${exchange.stream.acknowledged ? 'acknowledged' : 'not acknowledged'}, ${exchange.stream.delivered} delivered` : undefined,
    });
    for (const key of exchange.children) {
      const child = log.get(key);
      if (child) add(child, depth + 1);
    }
  };
  for (const item of log.items()) {
    if (item.type === 'event') {
      const frame = bySeq.get(item.frame.seq)!;
      events.push({ seq: frame.seq, t: frame.tMs, dir: frame.direction, kind: frame.kind, method: frame.method, text: pretty(frame.message), flags: frame.flags, session: sessionTags.get(String(frame.session)) ?? '' });
      continue;
    }
    const exchange = item.exchange;
    if ((exchange.call && exchange.call.round > 1) || (exchange.parent !== undefined && log.get(exchange.parent))) continue;
    for (const round of log.rounds(exchange)) add(round, round === exchange ? 0 : 1);
  }
  const peers = tapePeers(tape, sessions, frames);
  const at = wallClock(tape);
  const end = Math.max(0, ...frames.map((f) => f.tMs));
  const data = {
    tape: {
      name: tape.name,
      created: tape.createdAt,
      ended: tape.endedAt ?? '',
      upstream: tape.upstream?.url ?? tape.upstream?.command?.join(' ') ?? '-',
      transport: String(tape.transport),
      client: peerText(peers.clientInfo),
      server: peerText(peers.serverInfo),
      protocol: peers.protocolVersion ?? '-',
      redactions: tape.redactions.join(', ') || '-',
      frames: frames.length,
      sessions: sessionTags.size,
      span: end,
      startedAt: at(0),
    },
    exchanges,
    events,
    generator: `mcp-tap ${options.version}`,
  };
  const csp = `default-src 'none'; style-src 'sha256-${sha256(STYLE)}'; script-src 'sha256-${sha256(SCRIPT)}'; img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="mcp-tap ${options.version.replace(/[^0-9A-Za-z.+-]/g, '')}">
<title>mcp-tap report</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1 id="title">mcp-tap report</h1><dl id="meta"></dl></header>
<nav>
<input id="search" type="search" placeholder="search methods, tools, ids, messages…" autocomplete="off">
<label><input id="problems" type="checkbox"> problems only</label>
<span id="count"></span>
</nav>
<main><table id="timeline"><thead><tr><th>time</th><th></th><th>exchange</th><th>id</th><th>outcome</th><th>latency</th><th class="bar">timeline</th></tr></thead><tbody></tbody></table>
<h2>Messages of no exchange</h2><table id="events"><thead><tr><th>time</th><th></th><th>kind</th><th>method</th><th>message</th></tr></thead><tbody></tbody></table></main>
<footer id="footer"></footer>
<script id="tape-data" type="application/json">${scriptSafeJson(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
body{font:13px/1.4 system-ui,sans-serif;margin:0;color:#1d232a;background:#fbfbfc}
header{padding:12px 20px;background:#1d2b3a;color:#eef2f6}
h1{font-size:18px;margin:0 0 6px}
h2{font-size:14px;margin:24px 0 6px}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
dt{color:#9fb3c8}dd{margin:0;word-break:break-all}
nav{position:sticky;top:0;background:#eef1f4;padding:8px 20px;display:flex;gap:14px;align-items:center;border-bottom:1px solid #d5dbe1}
#search{flex:1;max-width:520px;padding:5px 8px;font:inherit}
main{padding:8px 20px 30px}
table{border-collapse:collapse;width:100%}
th{text-align:left;font-weight:600;color:#52606d;border-bottom:1px solid #d5dbe1;padding:4px 6px}
td{padding:3px 6px;border-bottom:1px solid #eceff2;vertical-align:top;white-space:nowrap}
tr.x{cursor:pointer}tr.x:hover{background:#eef5ff}
td.what{white-space:normal;word-break:break-all}
.c2s{color:#0b6bcb}.s2c{color:#9c36b5}
.ok,.mocked{color:#2b8a3e}.error,.blocked,.dropped,.tool-error,.unanswered{color:#c92a2a;font-weight:600}
.input-required,.open,.closed,.cancelled,.pending{color:#e67700}
.mark{color:#5c7cfa;margin-left:6px}
td.bar{width:34%;position:relative}
.span{position:absolute;top:6px;height:8px;min-width:2px;background:#74c0fc;border-radius:2px}
.span.bad{background:#ff8787}
tr.detail td{white-space:normal;background:#f6f8fa}
pre{margin:4px 0 10px;padding:8px;background:#fff;border:1px solid #e3e7eb;max-height:420px;overflow:auto;white-space:pre-wrap;word-break:break-all}
.label{color:#52606d;font-weight:600}
footer{padding:10px 20px;color:#7b8794}
`;

/** The page's own script: it reads the tape data and builds the page with textContent only. */
const SCRIPT = `
(function(){
'use strict';
var data = JSON.parse(document.getElementById('tape-data').textContent);
var BAD = {'error':1,'blocked':1,'dropped':1,'tool-error':1,'unanswered':1};
function el(tag, cls, text){ var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
function secs(ms){ return '+' + (ms / 1000).toFixed(3) + 's'; }
var t = data.tape;
document.getElementById('title').textContent = 'mcp-tap report: ' + t.name;
document.title = 'mcp-tap report: ' + t.name;
var meta = document.getElementById('meta');
[['tape', t.name], ['recorded', t.created + (t.ended ? '  (ended ' + t.ended + ')' : '')], ['upstream', t.upstream + '  [' + t.transport + ']'], ['client', t.client], ['server', t.server], ['protocol', t.protocol], ['frames', t.frames + ' in ' + t.sessions + ' session(s)'], ['redacted', t.redactions]].forEach(function(pair){ meta.appendChild(el('dt', '', pair[0])); meta.appendChild(el('dd', '', pair[1])); });
document.getElementById('footer').textContent = 'written by ' + data.generator;
var span = Math.max(1, t.span);
var body = document.querySelector('#timeline tbody');
var rows = [];
data.exchanges.forEach(function(x){
  var tr = el('tr', 'x');
  tr.appendChild(el('td', '', secs(x.t)));
  tr.appendChild(el('td', x.dir, x.dir === 'c2s' ? '→' : '←'));
  var what = el('td', 'what');
  var lead = x.round > 1 ? '↻ round ' + x.round + ' ' : (x.depth > 0 ? '↳ ' : '');
  what.style.paddingLeft = (6 + x.depth * 18) + 'px';
  what.appendChild(el('span', '', lead + x.method + (x.name !== undefined ? ' ' + x.name : '')));
  x.marks.forEach(function(m){ what.appendChild(el('span', 'mark', '[' + m + ']')); });
  if (data.tape.sessions > 1) what.appendChild(el('span', 'mark', '(' + x.session + ')'));
  tr.appendChild(what);
  tr.appendChild(el('td', '', '#' + x.id));
  var outcome = el('td', x.outcome, x.outcome.replace('-', ' ') + (x.error ? ' ' + x.error : '') + (x.stream ? ' (' + x.stream + ')' : ''));
  outcome.style.whiteSpace = 'normal';
  tr.appendChild(outcome);
  tr.appendChild(el('td', '', x.latency === undefined || x.stream ? '' : x.latency.toFixed(1) + ' ms'));
  var bar = el('td', 'bar');
  var s = el('div', 'span' + (BAD[x.outcome] ? ' bad' : ''));
  s.style.left = (100 * x.t / span).toFixed(3) + '%';
  s.style.width = (100 * (x.latency || 0) / span).toFixed(3) + '%';
  bar.appendChild(s);
  tr.appendChild(bar);
  var detail = el('tr', 'detail');
  detail.hidden = true;
  var cell = el('td');
  cell.colSpan = 7;
  detail.appendChild(cell);
  var filled = false;
  tr.addEventListener('click', function(){
    if (!filled) {
      filled = true;
      cell.appendChild(el('div', 'label', 'request'));
      cell.appendChild(el('pre', '', x.request));
      x.notes.forEach(function(n){ cell.appendChild(el('div', 'label', secs(n.t) + ' ' + n.method)); cell.appendChild(el('pre', '', n.text)); });
      cell.appendChild(el('div', 'label', x.answer === undefined ? 'no answer' : 'answer'));
      if (x.answer !== undefined) cell.appendChild(el('pre', '', x.answer));
    }
    detail.hidden = !detail.hidden;
  });
  body.appendChild(tr);
  body.appendChild(detail);
  var haystack = [x.method, x.name || '', x.id, x.outcome, x.error || '', x.request, x.answer || ''].concat(x.notes.map(function(n){ return n.text; })).join('\\n').toLowerCase();
  rows.push({ tr: tr, detail: detail, text: haystack, bad: !!BAD[x.outcome] });
});
var events = document.querySelector('#events tbody');
data.events.forEach(function(e){
  var tr = el('tr');
  tr.appendChild(el('td', '', secs(e.t)));
  tr.appendChild(el('td', e.dir, e.dir === 'c2s' ? '→' : '←'));
  tr.appendChild(el('td', '', e.kind + (e.flags.length ? ' {' + e.flags.join(', ') + '}' : '')));
  tr.appendChild(el('td', '', e.method || ''));
  var m = el('td', 'what');
  m.appendChild(el('pre', '', e.text));
  tr.appendChild(m);
  events.appendChild(tr);
  rows.push({ tr: tr, text: [e.kind, e.method || '', e.text].join('\\n').toLowerCase(), bad: e.kind === 'invalid' });
});
var search = document.getElementById('search');
var problems = document.getElementById('problems');
var count = document.getElementById('count');
function apply(){
  var q = search.value.toLowerCase();
  var shown = 0;
  rows.forEach(function(r){
    var visible = (!q || r.text.indexOf(q) >= 0) && (!problems.checked || r.bad);
    r.tr.hidden = !visible;
    if (r.detail && !visible) r.detail.hidden = true;
    if (visible) shown++;
  });
  count.textContent = shown + ' of ' + rows.length + ' shown';
}
search.addEventListener('input', apply);
problems.addEventListener('change', apply);
apply();
})();
`;
