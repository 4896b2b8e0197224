/**
 * `mcp-tap check TAPE`: a tape held up against what a healthy MCP conversation looks like, for
 * CI. Read through the exchange model (src/core/exchange.ts), exchange by exchange: JSON-RPC
 * errors, tool results with `isError`, lines that were not JSON-RPC, what the proxy flagged as a
 * protocol problem, requests never answered, calls slower than allowed, tools that had to be (or
 * must not be) called, and features the conversation's protocol revision deprecates or removed.
 */
import { answerReceived, type Exchange, type ExchangeLog } from '../core/exchange.js';
import { isModernVersion, META, metaOf, resultTypeOf } from '../core/era.js';
import { describeId, isObject, type JsonObject } from '../core/jsonrpc.js';
import { tapeExchanges } from './exchanges.js';
import type { TapeFrame, TapeInfo, TapeSession } from './types.js';

import type { CheckRule } from './check-rules.js';

export { CHECK_RULES, type CheckRule } from './check-rules.js';

export interface CheckOptions {
  /** Calls that took longer fail (`slow`). */
  maxDurationMs?: number;
  /** Each must have been called, and answered without an error, at least once. */
  expectTools?: string[];
  /** None of these may have been called. */
  forbidTools?: string[];
  /** JSON-RPC error codes that are expected (they do not fail). */
  allowErrors?: number[];
  /** Rules not checked. */
  skip?: CheckRule[];
}

export interface CheckProblem {
  rule: CheckRule;
  message: string;
}

export interface CheckedItem {
  /** What was checked, as a person reads it: `tools/call echo #2`, or `tape` for the tape as a whole. */
  subject: string;
  /** The method (`tools/call`), `frame` for a message of no exchange, `tape` for tape-wide rules. */
  group: string;
  seq?: number;
  latencyMs?: number;
  problems: CheckProblem[];
}

export interface CheckReport {
  tape: string;
  protocolVersion?: string;
  /** One per exchange, then messages of no exchange that have problems, then tape-wide rules. */
  items: CheckedItem[];
  problems: number;
}

/** Flags the proxy leaves on frames that show a protocol problem. */
const PROTOCOL_FLAGS: Record<string, string> = {
  'unknown-response-id': 'an answer to an id no request had',
  'header-mismatch': 'HTTP headers that disagree with the body (refused with HeaderMismatch)',
  oversized: 'a message over the size limit (discarded)',
  'invalid-request': 'JSON that is not a JSON-RPC 2.0 message',
  'parse-error': 'text that is not JSON',
  'non-jsonrpc-output': 'server output that is not JSON-RPC (a stray stdout line)',
};

/** What MCP 2026-07-28 removed: a conversation of that revision should not use it. */
const REMOVED_IN_2026: Record<string, string> = {
  ping: 'ping was removed in 2026-07-28',
  'logging/setLevel': 'logging/setLevel was removed in 2026-07-28 (the log level goes in each request\'s _meta io.modelcontextprotocol/logLevel)',
  'resources/subscribe': 'resources/subscribe was replaced by subscriptions/listen in 2026-07-28',
  'resources/unsubscribe': 'resources/unsubscribe was replaced by subscriptions/listen in 2026-07-28',
  initialize: 'initialize was removed in 2026-07-28 (every request carries its protocol version in _meta)',
  'notifications/initialized': 'notifications/initialized was removed in 2026-07-28',
  'notifications/roots/list_changed': 'notifications/roots/list_changed was removed in 2026-07-28',
  'notifications/elicitation/complete': 'notifications/elicitation/complete was removed in 2026-07-28',
  'tasks/result': 'tasks/result was removed in 2026-07-28 (the tasks extension polls with tasks/get)',
  'tasks/list': 'tasks/list was removed in 2026-07-28',
};

/** Features 2026-07-28 deprecates (they still work, and are scheduled for removal). */
const DEPRECATED_IN_2026: Record<string, string> = {
  'roots/list': 'Roots are deprecated in 2026-07-28 (pass directories as tool parameters or resource URIs)',
  'sampling/createMessage': 'Sampling is deprecated in 2026-07-28 (integrate with the LLM provider directly)',
  'notifications/message': 'Logging is deprecated in 2026-07-28 (log to stderr, or use OpenTelemetry)',
};

function paramsOf(message: unknown): Record<string, unknown> | undefined {
  return isObject(message) && isObject(message.params) ? message.params : undefined;
}

function describeExchange(exchange: Exchange): string {
  return `${exchange.method}${exchange.name === undefined ? '' : ` ${exchange.name}`} #${describeId(exchange.id)}`;
}

/** The protocol revision each conversation spoke: a modern envelope's version, else initialize's. */
function conversationVersions(log: ExchangeLog, sessions: TapeSession[]): Map<string, string> {
  const versions = new Map<string, string>();
  for (const session of sessions) if (session.protocolVersion) versions.set(String(session.id), session.protocolVersion);
  for (const exchange of log.exchanges()) {
    if (exchange.era === 'modern' && !versions.has(exchange.conversation)) {
      const version = metaOf(exchange.request.message)?.[META.protocolVersion];
      if (typeof version === 'string') versions.set(exchange.conversation, version);
    }
  }
  return versions;
}

export function checkTape(tape: TapeInfo, sessions: TapeSession[], frames: TapeFrame[], options: CheckOptions = {}): CheckReport {
  const log = tapeExchanges(frames);
  const skip = new Set(options.skip ?? []);
  const allowed = new Set(options.allowErrors ?? []);
  const versions = conversationVersions(log, sessions);
  const modern = (conversation: string) => isModernVersion(versions.get(conversation));
  const items: CheckedItem[] = [];
  const flagged = (flags: readonly string[]) => flags.filter((f) => f in PROTOCOL_FLAGS).map((f) => PROTOCOL_FLAGS[f]!);
  const bySeq = new Map(frames.map((f) => [f.seq, f]));

  for (const item of log.items()) {
    if (item.type === 'event') {
      const frame = bySeq.get(item.frame.seq)!;
      const problems: CheckProblem[] = [];
      if (frame.kind === 'invalid') problems.push({ rule: 'invalid', message: `not a JSON-RPC message${frame.note ? ` (${frame.note})` : ''}: ${frame.message.slice(0, 200)}` });
      else for (const what of flagged(frame.flags)) problems.push({ rule: 'protocol', message: what });
      if (frame.kind === 'batch' && !modern(String(frame.session))) {
        const version = versions.get(String(frame.session));
        if (version !== undefined && version >= '2025-06-18') problems.push({ rule: 'deprecated', message: `a JSON-RPC batch, which ${version} does not allow (batching was removed in 2025-06-18)` });
      }
      if (frame.kind === 'notification' && modern(String(frame.session)) && frame.method !== undefined) {
        const removed = REMOVED_IN_2026[frame.method] ?? DEPRECATED_IN_2026[frame.method];
        if (removed) problems.push({ rule: 'deprecated', message: removed });
      }
      const kept = problems.filter((p) => !skip.has(p.rule));
      if (kept.length > 0) items.push({ subject: `${frame.direction === 'c2s' ? '→' : '←'} ${frame.kind}${frame.method ? ` ${frame.method}` : ''} (seq ${frame.seq})`, group: 'frame', seq: frame.seq, problems: kept });
      continue;
    }
    const exchange = item.exchange;
    items.push({ subject: describeExchange(exchange), group: exchange.method, seq: exchange.request.seq, latencyMs: exchange.stream ? undefined : exchange.latencyMs, problems: exchangeProblems(exchange, { ...options, allowed, modern: modern(exchange.conversation), version: versions.get(exchange.conversation), flagged }).filter((p) => !skip.has(p.rule)) });
  }

  const tapeWide: CheckProblem[] = [];
  const calls = log.exchanges().filter((e) => e.direction === 'c2s' && e.method === 'tools/call');
  for (const tool of options.expectTools ?? []) {
    const made = calls.filter((c) => c.name === tool);
    if (made.length === 0) tapeWide.push({ rule: 'expect-tool', message: `expected a call to tool "${tool}": the tape has none` });
    else if (!made.some((c) => c.outcome === 'ok')) tapeWide.push({ rule: 'expect-tool', message: `expected a call to tool "${tool}" to succeed: all ${made.length} failed (${[...new Set(made.map((c) => c.outcome))].join(', ')})` });
  }
  for (const tool of options.forbidTools ?? []) {
    const made = calls.filter((c) => c.name === tool);
    if (made.length > 0) tapeWide.push({ rule: 'forbid-tool', message: `tool "${tool}" must not be called: called ${made.length} time(s), first #${describeId(made[0]!.id)}` });
  }
  const transports = new Set([String(tape.transport), ...sessions.map((s) => s.transport)]);
  if (transports.has('sse')) tapeWide.push({ rule: 'deprecated', message: 'the HTTP+SSE transport is deprecated (since 2025-03-26; use Streamable HTTP)' });
  const kept = tapeWide.filter((p) => !skip.has(p.rule));
  items.push({ subject: 'tape', group: 'tape', problems: kept });

  const protocolVersion = tape.protocolVersion ?? [...versions.values()][0];
  return { tape: tape.name, protocolVersion, items, problems: items.reduce((n, i) => n + i.problems.length, 0) };
}

interface ExchangeRules extends CheckOptions {
  allowed: Set<number>;
  modern: boolean;
  version?: string;
  flagged: (flags: readonly string[]) => string[];
}

function exchangeProblems(exchange: Exchange, rules: ExchangeRules): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const { outcome } = exchange;
  // A dual-era client's probe of a 2025 server: "method not found" is how the fallback begins.
  const fallback = exchange.method === 'server/discover' && exchange.error?.code === -32601;
  if ((outcome === 'error' || outcome === 'blocked' || outcome === 'dropped') && !fallback && !(exchange.error && rules.allowed.has(exchange.error.code))) {
    const by = outcome === 'error' ? (exchange.marks.includes('synthesized') ? ' (made by mcp-tap)' : '') : ` (${outcome} by mcp-tap)`;
    problems.push({ rule: 'error', message: `JSON-RPC error${exchange.error ? ` ${exchange.error.code} ${exchange.error.message}` : ''}${by}` });
  }
  if (outcome === 'tool-error') {
    const result = resultOfAnswer(exchange);
    const content = Array.isArray(result?.content) ? result.content.find((c) => isObject(c) && typeof c.text === 'string') : undefined;
    problems.push({ rule: 'tool-error', message: `the tool reported an error (isError)${isObject(content) ? `: ${String(content.text).slice(0, 200)}` : ''}` });
  }
  if (outcome === 'unanswered') problems.push({ rule: 'unanswered', message: 'never answered' });
  if (rules.maxDurationMs !== undefined && !exchange.stream && exchange.latencyMs !== undefined && exchange.latencyMs > rules.maxDurationMs) {
    problems.push({ rule: 'slow', message: `took ${exchange.latencyMs.toFixed(1)} ms, over --max-duration ${rules.maxDurationMs} ms` });
  }
  for (const frame of [exchange.request, ...(exchange.answer ? [exchange.answer] : []), ...(exchange.delivered ? [exchange.delivered] : [])]) for (const what of rules.flagged(frame.flags)) problems.push({ rule: 'protocol', message: what });
  if (rules.modern && answerReceived(exchange)?.kind === 'response' && exchange.direction === 'c2s' && typeof resultOfAnswer(exchange)?.resultType !== 'string' && resultOfAnswer(exchange) !== undefined) {
    problems.push({ rule: 'protocol', message: 'a 2026-07-28 result without resultType (every result must name it)' });
  }
  problems.push(...deprecations(exchange, rules));
  return problems;
}

/** What the conversation's revision deprecates or removed that this exchange uses. */
function deprecations(exchange: Exchange, rules: ExchangeRules): CheckProblem[] {
  const out: CheckProblem[] = [];
  const say = (message: string) => out.push({ rule: 'deprecated', message });
  const params = paramsOf(exchange.request.message);
  if (rules.modern) {
    const removed = REMOVED_IN_2026[exchange.method];
    if (removed) say(removed);
    if (exchange.direction === 's2c') say(`a server-to-client request (${exchange.method}): 2026-07-28 replaces them with multi round-trip requests (input_required)`);
    const deprecated = DEPRECATED_IN_2026[exchange.method];
    if (deprecated) say(deprecated);
    if (metaOf(exchange.request.message)?.[META.logLevel] !== undefined) say('the request asks for log messages (io.modelcontextprotocol/logLevel): Logging is deprecated in 2026-07-28');
    for (const note of exchange.notifications) if (note.method === 'notifications/message') say(DEPRECATED_IN_2026['notifications/message']!);
    // What a multi round-trip call asks for instead of a server request.
    if (resultTypeOf(answerReceived(exchange)?.message) === 'input_required') {
      const result = resultOfAnswer(exchange);
      for (const request of Object.values(isObject(result?.inputRequests) ? result.inputRequests : {})) {
        const method = isObject(request) ? request.method : undefined;
        if (typeof method === 'string' && DEPRECATED_IN_2026[method]) say(`input requested with ${method}: ${DEPRECATED_IN_2026[method]}`);
      }
    }
  }
  const includeContext = exchange.method === 'sampling/createMessage' ? params?.includeContext : undefined;
  if ((includeContext === 'thisServer' || includeContext === 'allServers') && (rules.modern || (rules.version ?? '') >= '2025-11-25')) {
    say(`sampling with includeContext "${includeContext}" is deprecated (since 2025-11-25; omit it or use "none")`);
  }
  return [...new Set(out.map((p) => p.message))].map((message) => ({ rule: 'deprecated', message }));
}

/** The result the requester got, when it got one. */
function resultOfAnswer(exchange: Exchange): JsonObject | undefined {
  const message = answerReceived(exchange)?.message;
  return isObject(message) && isObject(message.result) ? message.result : undefined;
}
