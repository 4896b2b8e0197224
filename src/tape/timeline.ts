/**
 * A tape as a readable timeline: by default one line per exchange (src/core/exchange.ts) — a
 * request with its answer, latency and outcome, the rounds of a multi round-trip call together,
 * a listen stream with what it delivered, the 2025 server requests under the call they were made
 * during — and, for a close look, one line per frame. Pure: the caller passes a chalk instance
 * (colourless when stdout is not a terminal).
 */
import type { ChalkInstance } from 'chalk';
import { envelopeOf, serverInfoOf } from '../core/era.js';
import { answerReceived, type Exchange, type ExchangeLog } from '../core/exchange.js';
import { parseOrUndefined, describeId, isObject } from '../core/jsonrpc.js';
import { tapeExchanges } from './exchanges.js';
import type { TapeFrame, TapeInfo, TapeSession } from './types.js';

export interface TimelineOptions {
  /** Print each message's pretty JSON under its line. */
  full?: boolean;
}

function describePeer(info: unknown): string {
  if (!isObject(info)) return '-';
  return `${String(info.name ?? '?')} ${String(info.version ?? '')}`.trim();
}

/** Who spoke on a tape: what its header says, else its sessions, else the 2026 messages themselves. */
export interface TapePeers {
  clientInfo?: unknown;
  serverInfo?: unknown;
  protocolVersion?: string;
}

/**
 * The tape's client, server and protocol. A 2025 tape's header has them from initialize; a 2026
 * conversation has no initialize, so they come from its sessions as recorded, or from the
 * messages: the `_meta` every request carries and the server info every result carries.
 */
export function tapePeers(tape: TapeInfo, sessions: TapeSession[] = [], frames: TapeFrame[] = []): TapePeers {
  const peers: TapePeers = { clientInfo: tape.clientInfo, serverInfo: tape.serverInfo, protocolVersion: tape.protocolVersion };
  for (const session of sessions) {
    peers.clientInfo ??= session.clientInfo;
    peers.serverInfo ??= session.serverInfo;
    peers.protocolVersion ??= session.protocolVersion;
  }
  for (const frame of frames) {
    if (peers.clientInfo !== undefined && peers.serverInfo !== undefined && peers.protocolVersion !== undefined) break;
    if (frame.kind !== 'request' && frame.kind !== 'response') continue;
    const message = parseOrUndefined(frame.message);
    if (frame.direction === 'c2s') {
      const envelope = envelopeOf(message);
      peers.clientInfo ??= envelope?.clientInfo;
      peers.protocolVersion ??= envelope?.protocolVersion;
    } else {
      peers.serverInfo ??= serverInfoOf(message);
    }
  }
  return peers;
}

export function tapeHeader(tape: TapeInfo, color: ChalkInstance, peers: TapePeers = tape): string[] {
  const upstream = tape.upstream?.url ?? tape.upstream?.command?.join(' ') ?? '-';
  const lines = [
    color.bold(`tape ${tape.name}`),
    `  created    ${tape.createdAt}${tape.endedAt ? `  (ended ${tape.endedAt})` : ''}`,
    `  upstream   ${upstream}  [${tape.transport}]`,
    `  client     ${describePeer(peers.clientInfo)}`,
    `  server     ${describePeer(peers.serverInfo)}`,
    `  protocol   ${peers.protocolVersion ?? '-'}`,
    `  frames     ${tape.frameCount} in ${tape.sessionCount} session(s)`,
  ];
  const labels = Object.entries(tape.labels);
  if (labels.length > 0) lines.push(`  labels     ${labels.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const own = tape.redactions.filter((r) => !r.endsWith('(default)'));
  lines.push(`  redacted   ${own.length > 0 ? own.join(', ') : '-'}${tape.redactions.length > own.length ? ' + default secret keys' : ''}`);
  return lines;
}

/** The tool a tools/call frame names (requests carry it; responses do not). */
function toolOf(frame: TapeFrame, message: unknown): string | undefined {
  if (frame.method !== 'tools/call' || !isObject(message) || !isObject(message.params)) return undefined;
  return typeof message.params.name === 'string' ? message.params.name : undefined;
}

/** The start of a message that is not JSON-RPC (a server's stray output), quoted so control characters show. */
function preview(text: string, max = 60): string {
  const quoted = JSON.stringify(text);
  return quoted.length > max ? `${quoted.slice(0, max - 4)}..."` : quoted;
}

/** `answeredTool`: for a response, the tool its request called (responses do not name it). */
export function timelineLine(frame: TapeFrame, color: ChalkInstance, sessionTag?: string, answeredTool?: string): string {
  const message = parseOrUndefined(frame.message);
  const time = `+${(frame.tMs / 1000).toFixed(3)}s`.padStart(10);
  const arrow = frame.direction === 'c2s' ? color.cyan('→') : color.magenta('←');
  const tool = toolOf(frame, message) ?? answeredTool;
  const what = `${frame.method ?? ''}${tool ? ` ${tool}` : ''}`;
  const kindColor = frame.kind === 'error' || frame.kind === 'invalid' ? color.red : frame.kind === 'notification' ? color.dim : (s: string) => s;
  const parts = [color.dim(time), arrow, kindColor(frame.kind.padEnd(12)), color.bold(what || '-')];
  if (frame.id !== undefined) parts.push(color.dim(`#${frame.id}`));
  if (frame.latencyMs !== undefined) parts.push(color.yellow(`${frame.latencyMs.toFixed(1)} ms`));
  if (frame.action !== 'continue') parts.push(color.blue(`[${frame.action}]`));
  // `same-read` is how the bytes arrived, for replay to reproduce; not something to point out.
  const flags = frame.flags.filter((flag) => flag !== 'same-read');
  if (flags.length > 0) parts.push(color.red(`{${flags.join(', ')}}`));
  if (frame.kind === 'error' && isObject(message) && isObject(message.error)) parts.push(color.red(String(message.error.message)));
  if (frame.kind === 'invalid') parts.push(color.dim(preview(frame.message)));
  if (frame.note) parts.push(color.dim(`— ${frame.note}`));
  if (sessionTag) parts.push(color.dim(`(${sessionTag})`));
  return parts.join(' ');
}

/** The tape one line per frame (`tapes show --frames`). */
export function renderTimeline(tape: TapeInfo, frames: TapeFrame[], color: ChalkInstance, options: TimelineOptions = {}, sessions: TapeSession[] = []): string[] {
  const sessionNumbers = new Map<number, number>();
  for (const frame of frames) if (!sessionNumbers.has(frame.session)) sessionNumbers.set(frame.session, sessionNumbers.size + 1);
  const many = sessionNumbers.size > 1;
  const lines = [...tapeHeader(tape, color, tapePeers(tape, sessions, frames)), ''];
  const tools = new Map<string, string>();
  for (const frame of frames) {
    const key = `${frame.session}:${frame.direction === 'c2s' ? 's2c' : 'c2s'}:${frame.id}`;
    if (frame.kind === 'request' && frame.method === 'tools/call') {
      const tool = toolOf(frame, parseOrUndefined(frame.message));
      if (tool) tools.set(`${frame.session}:${frame.direction}:${frame.id}`, tool);
    }
    const answered = frame.kind === 'response' || frame.kind === 'error' ? tools.get(key) : undefined;
    lines.push(timelineLine(frame, color, many ? `s${sessionNumbers.get(frame.session)}` : undefined, answered));
    if (options.full) lines.push(...fullMessage(frame, color));
  }
  return lines;
}

/** A frame's message in full, pretty, under its line (and what it was before an edit). */
function fullMessage(frame: TapeFrame, color: ChalkInstance, indent = '      '): string[] {
  let pretty: string;
  try {
    pretty = JSON.stringify(JSON.parse(frame.message), null, 2);
  } catch {
    pretty = frame.message;
  }
  const lines = pretty.split('\n').map((l) => color.dim(`${indent}${l}`));
  if (frame.original !== undefined) lines.push(color.dim(`${indent}original: ${frame.original}`));
  return lines;
}

/** How an exchange ended, in the words of the wire where it has them. */
const OUTCOME_WORDS: Record<Exchange['outcome'], string> = {
  pending: 'pending',
  held: 'held',
  ok: 'ok',
  'tool-error': 'tool error',
  error: 'error',
  blocked: 'blocked',
  mocked: 'mocked',
  dropped: 'dropped',
  cancelled: 'cancelled',
  'input-required': 'input_required',
  open: 'open',
  closed: 'closed',
  unanswered: 'no answer',
};

function outcomeText(exchange: Exchange, color: ChalkInstance): string {
  const word = OUTCOME_WORDS[exchange.outcome];
  if (exchange.outcome === 'ok' || exchange.outcome === 'closed') return color.green(word);
  if (exchange.outcome === 'input-required' || exchange.outcome === 'mocked' || exchange.outcome === 'open') return color.yellow(word);
  if (exchange.outcome === 'pending') return color.dim(word);
  return color.red(word);
}

/** What belongs to an exchange besides its answer, counted: `3 progress, 1 log`. */
function extrasOf(exchange: Exchange): string[] {
  const counts = new Map<string, number>();
  for (const note of exchange.notifications) {
    if (note.direction !== 's2c' || note === exchange.stream?.acknowledged) continue;
    const what = note.method === 'notifications/progress' ? 'progress' : note.method === 'notifications/message' ? 'log' : exchange.stream ? 'notification' : (note.method ?? 'notification');
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  const out: string[] = [];
  for (const [what, n] of counts) out.push(`${n} ${what === 'notification' && n !== 1 ? 'notifications' : what}`);
  return out;
}

/** One exchange as a line: time, who asked, method and name, id, outcome, latency, what came with it. */
export function exchangeLine(exchange: Exchange, color: ChalkInstance, options: { sessionTag?: string; prefix?: string } = {}): string {
  const time = `+${(exchange.request.time / 1000).toFixed(3)}s`.padStart(10);
  const arrow = exchange.direction === 'c2s' ? color.cyan('→') : color.magenta('←');
  const what = `${exchange.method}${exchange.name === undefined ? '' : ` ${exchange.name}`}`;
  const parts = [color.dim(time), ...(options.prefix ? [options.prefix] : []), arrow, color.bold(what), color.dim(`#${describeId(exchange.id)}`), outcomeText(exchange, color)];
  if (exchange.error) parts.push(color.red(`${exchange.error.code} ${exchange.error.message}`));
  if (exchange.latencyMs !== undefined && !exchange.stream) parts.push(color.yellow(`${exchange.latencyMs.toFixed(1)} ms`));
  if (exchange.outcome === 'input-required') {
    const answer = answerReceived(exchange)?.message;
    const result = isObject(answer) && isObject(answer.result) ? answer.result : undefined;
    const asked = isObject(result?.inputRequests) ? Object.keys(result.inputRequests) : [];
    if (asked.length > 0) parts.push(color.dim(`asks ${asked.join(', ')}`));
  }
  if (exchange.stream) parts.push(color.dim(`stream ${exchange.stream.acknowledged ? 'acknowledged' : 'not acknowledged'}, ${exchange.stream.delivered} notification${exchange.stream.delivered === 1 ? '' : 's'}`));
  else {
    const extras = extrasOf(exchange);
    if (extras.length > 0) parts.push(color.dim(extras.join(', ')));
  }
  const marks = exchange.marks.filter((m) => m !== 'cancelled');
  if (marks.length > 0) parts.push(color.blue(`[${marks.join(', ')}]`));
  if (options.sessionTag) parts.push(color.dim(`(${options.sessionTag})`));
  return parts.join(' ');
}

/**
 * The tape one line per exchange (`tapes show`): every round of a multi round-trip call right
 * under its first round, the 2025 server requests under the call they were made during, and what
 * belongs to no request (a notification of its own, a line that is not JSON-RPC) as its frame.
 */
export function renderExchanges(tape: TapeInfo, frames: TapeFrame[], color: ChalkInstance, options: TimelineOptions = {}, sessions: TapeSession[] = []): string[] {
  const sessionNumbers = new Map<number, number>();
  for (const frame of frames) if (!sessionNumbers.has(frame.session)) sessionNumbers.set(frame.session, sessionNumbers.size + 1);
  const many = sessionNumbers.size > 1;
  const tagOf = (conversation: string) => (many ? `s${sessionNumbers.get(Number(conversation))}` : undefined);
  const bySeq = new Map(frames.map((frame) => [frame.seq, frame]));
  const log: ExchangeLog = tapeExchanges(frames);
  const lines = [...tapeHeader(tape, color, tapePeers(tape, sessions, frames)), ''];
  const full = (exchange: Exchange, indent: string) => {
    if (!options.full) return;
    for (const frame of [exchange.request, ...(exchange.answer ? [exchange.answer] : []), ...(exchange.delivered ? [exchange.delivered] : [])]) lines.push(...fullMessage(bySeq.get(frame.seq)!, color, indent));
  };
  const shown = new Set<string>();
  const show = (exchange: Exchange, prefix: string | undefined, depth: number) => {
    if (shown.has(exchange.key)) return;
    shown.add(exchange.key);
    lines.push(exchangeLine(exchange, color, { sessionTag: tagOf(exchange.conversation), prefix }));
    full(exchange, `${' '.repeat(6 + depth * 2)}`);
    for (const key of exchange.children) {
      const child = log.get(key);
      if (child) show(child, `${'  '.repeat(depth)}↳`, depth + 1);
    }
  };
  for (const item of log.items()) {
    if (item.type === 'event') {
      const frame = bySeq.get(item.frame.seq)!;
      lines.push(timelineLine(frame, color, tagOf(item.frame.conversation)));
      if (options.full) lines.push(...fullMessage(frame, color));
      continue;
    }
    const exchange = item.exchange;
    // A round after the first is shown with the first; a server request with its parent.
    if ((exchange.call && exchange.call.round > 1) || (exchange.parent !== undefined && log.get(exchange.parent))) continue;
    for (const round of log.rounds(exchange)) show(round, round === exchange ? undefined : color.dim(`↻ round ${round.call?.round ?? 2}`), 0);
  }
  return lines;
}
