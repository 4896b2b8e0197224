/**
 * A tape as an HTTP Archive (HAR 1.2), for the tools that read one (browser devtools, Charles,
 * Playwright's `routeFromHAR`, HAR viewers). A view of the exchange model (src/core/exchange.ts):
 * one entry per exchange, a request with the answer its requester got, timed from the tape. What
 * HAR has no field for goes in `_mcp` extension fields (HAR's own rule: custom fields start with
 * an underscore): the outcome, the rounds of a multi round-trip call, a listen stream, the
 * notifications that belong to the exchange, and on the log the messages that belong to none.
 *
 * Every exchange is written as the Streamable HTTP POST that carries it: to the recorded server's
 * URL when it was reached over the network, else (stdio) to a pseudo-URL under the reserved
 * `.invalid` domain, which never resolves. The tape keeps messages, not HTTP headers, so the
 * headers are the ones the protocol puts on the wire, derived from the recorded message (and so
 * redacted as it is); the entry's comment says so. Messages are the tape's text, redacted as
 * recorded: nothing hidden on the tape is shown here.
 */
import type { Entry, Har, Header, Page } from 'har-format';
import { answerReceived, answerStopped, type Exchange, type ExchangeFrame } from '../core/exchange.js';
import { headersFor } from '../core/era.js';
import { tapeExchanges, wallClock } from './exchanges.js';
import type { TapeFrame, TapeInfo, TapeSession } from './types.js';
import { parseOrUndefined } from '../core/jsonrpc.js';

/** Where a stdio tape's exchanges are said to go: a host under `.invalid` (RFC 2606), never reachable. */
export const STDIO_HOST = 'stdio.mcp-tap.invalid';

const HEADER_NOTE = 'headers as the protocol puts them on the wire, derived from the recorded message (a tape keeps messages, not HTTP headers)';

/** The URL a tape's exchanges are written against. */
export function harEndpoint(tape: Pick<TapeInfo, 'name' | 'upstream'>): string {
  return tape.upstream?.url ?? `http://${STDIO_HOST}/${encodeURIComponent(tape.name)}`;
}

export interface HarOptions {
  /** mcp-tap's version, for `log.creator`. */
  version: string;
}

function header(name: string, value: string): Header {
  return { name, value };
}

export function tapeToHar(tape: TapeInfo, sessions: TapeSession[], frames: TapeFrame[], options: HarOptions): Har {
  const log = tapeExchanges(frames);
  const bySeq = new Map(frames.map((frame) => [frame.seq, frame]));
  const sessionById = new Map(sessions.map((session) => [String(session.id), session]));
  const at = wallClock(tape);
  const url = harEndpoint(tape);
  const pageOf = new Map<string, string>();
  const pages: Page[] = [];
  const pageFor = (frame: ExchangeFrame): string => {
    let id = pageOf.get(frame.conversation);
    if (id === undefined) {
      id = `session-${pageOf.size + 1}`;
      pageOf.set(frame.conversation, id);
      const session = sessionById.get(frame.conversation);
      pages.push({ id, startedDateTime: at(frame.time), title: `${tape.name}: session ${session?.key ?? frame.conversation}${session ? ` (${session.transport})` : ''}`, pageTimings: {} });
    }
    return id;
  };
  const seqOf = (key: string | undefined) => (key === undefined ? undefined : log.get(key)?.request.seq);

  const entries: Entry[] = [];
  const events: Record<string, unknown>[] = [];
  for (const item of log.items()) {
    if (item.type === 'event') {
      const frame = bySeq.get(item.frame.seq)!;
      events.push(clean({ seq: frame.seq, time: at(frame.tMs), session: sessionById.get(String(frame.session))?.key, direction: frame.direction, kind: frame.kind, method: frame.method, ...messageOf(frame), action: frame.action, flags: frame.flags.length > 0 ? frame.flags : undefined, note: frame.note }));
      continue;
    }
    const exchange = item.exchange;
    const request = bySeq.get(exchange.request.seq)!;
    const received = answerReceived(exchange);
    const answer = received ? bySeq.get(received.seq) : undefined;
    const session = sessionById.get(exchange.conversation);
    const latency = exchange.latencyMs ?? 0;
    const requestHeaders = [header('Content-Type', 'application/json'), header('Accept', 'application/json, text/event-stream'), ...protocolHeaders(exchange, session)];
    entries.push({
      pageref: pageFor(exchange.request),
      startedDateTime: at(exchange.request.time),
      time: latency,
      request: {
        method: 'POST',
        url,
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: requestHeaders,
        queryString: [],
        postData: { mimeType: 'application/json', text: request.message },
        headersSize: -1,
        bodySize: Buffer.byteLength(request.message),
        comment: HEADER_NOTE,
      },
      response: answer
        ? {
            status: answer.flags.includes('header-mismatch') ? 400 : 200,
            statusText: answer.flags.includes('header-mismatch') ? 'Bad Request' : 'OK',
            httpVersion: 'HTTP/1.1',
            cookies: [],
            headers: [header('Content-Type', 'application/json')],
            content: { size: Buffer.byteLength(answer.message), mimeType: 'application/json', text: answer.message },
            redirectURL: '',
            headersSize: -1,
            bodySize: Buffer.byteLength(answer.message),
            comment: HEADER_NOTE,
          }
        : {
            // No answer (still open, cancelled, never answered): HAR's way of saying nothing came back.
            status: 0,
            statusText: '',
            httpVersion: 'HTTP/1.1',
            cookies: [],
            headers: [],
            content: { size: 0, mimeType: 'x-unknown' },
            redirectURL: '',
            headersSize: -1,
            bodySize: 0,
          },
      cache: {},
      timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: latency, receive: 0 },
      _mcp: mcpFields(exchange, request, answer, session, bySeq, at, seqOf),
    } as Entry);
  }

  return {
    log: {
      version: '1.2',
      creator: { name: 'mcp-tap', version: options.version },
      pages,
      entries,
      comment: `MCP tape "${tape.name}" (${String(tape.transport)}), recorded ${tape.createdAt}`,
      _mcp: clean({
        tape: clean({ name: tape.name, createdAt: tape.createdAt, endedAt: tape.endedAt, upstream: tape.upstream, transport: String(tape.transport), protocolVersion: tape.protocolVersion, redactions: tape.redactions }),
        events,
      }),
    } as Har['log'],
  };
}

/** The MCP headers of the request: the modern era's from its body; a 2025 request after initialize names the negotiated version. */
function protocolHeaders(exchange: Exchange, session: TapeSession | undefined): Header[] {
  const derived = headersFor(exchange.request.message);
  const names: Record<string, string> = { 'mcp-protocol-version': 'MCP-Protocol-Version', 'mcp-method': 'Mcp-Method', 'mcp-name': 'Mcp-Name' };
  const out = Object.entries(derived).map(([name, value]) => header(names[name] ?? name, value));
  if (out.length === 0 && exchange.method !== 'initialize' && exchange.direction === 'c2s' && session?.protocolVersion) out.push(header('MCP-Protocol-Version', session.protocolVersion));
  return out;
}

/** A stored message as a document value: parsed JSON, or the text when it is not JSON. */
function messageOf(frame: TapeFrame): { message?: unknown; text?: string } {
  const message = parseOrUndefined(frame.message);
  return message === undefined ? { text: frame.message } : { message };
}

function mcpFields(
  exchange: Exchange,
  request: TapeFrame,
  answer: TapeFrame | undefined,
  session: TapeSession | undefined,
  bySeq: Map<number, TapeFrame>,
  at: (tMs: number) => string,
  seqOf: (key: string | undefined) => number | undefined,
): Record<string, unknown> {
  const redacted = [...new Set([...request.redacted, ...(answer?.redacted ?? [])])];
  const original = (frame: TapeFrame | undefined) => (frame?.original === undefined ? undefined : (parseOrUndefined(frame.original) ?? frame.original));
  return clean({
    seq: exchange.request.seq,
    direction: exchange.direction,
    method: exchange.method,
    name: exchange.name,
    id: exchange.id,
    era: exchange.era,
    outcome: exchange.outcome,
    error: exchange.error,
    latencyMs: exchange.latencyMs,
    session: session?.key,
    transport: session?.transport,
    action: request.action === 'continue' && (!answer || answer.action === 'continue') ? undefined : { request: request.action, answer: answer?.action },
    marks: exchange.marks.length > 0 ? exchange.marks : undefined,
    parentSeq: seqOf(exchange.parent),
    childSeqs: exchange.children.length > 0 ? exchange.children.map((key) => seqOf(key)).filter((seq) => seq !== undefined) : undefined,
    call: exchange.call ? clean({ firstSeq: seqOf(exchange.call.callKey), round: exchange.call.round, previousSeq: seqOf(exchange.call.previous), nextSeq: seqOf(exchange.call.next) }) : undefined,
    stream: exchange.stream ? { subscriptionId: exchange.stream.subscriptionId, acknowledged: exchange.stream.acknowledged !== undefined, delivered: exchange.stream.delivered } : undefined,
    notifications:
      exchange.notifications.length > 0
        ? exchange.notifications.map((note) => {
            const frame = bySeq.get(note.seq)!;
            return clean({ seq: frame.seq, time: at(frame.tMs), direction: frame.direction, method: frame.method, ...messageOf(frame) });
          })
        : undefined,
    stopped: answerStopped(exchange) ? { seq: answerStopped(exchange)!.seq, ...messageOf(bySeq.get(answerStopped(exchange)!.seq)!) } : undefined,
    originalRequest: original(request),
    originalAnswer: original(answer),
    redacted: redacted.length > 0 ? redacted : undefined,
    note: [request.note, answer?.note].filter((n) => n !== undefined).join('; ') || undefined,
  });
}

/** Drops undefined fields. */
function clean<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
