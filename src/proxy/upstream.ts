/**
 * Where a proxy forwards to, as data, and the Transport that reaches it. One place decides how
 * each kind of server is reached, whichever kind of client is on the other side.
 */
import type { HttpMeta } from '../core/context.js';
import type { Logger } from '../core/log.js';
import { ChildProcessTransport } from '../transports/stdio.js';
import { StreamableHttpUpstream } from '../transports/streamable-http/upstream.js';
import { WebSocketUpstream } from '../transports/websocket/upstream.js';
import { LegacySseUpstream } from '../transports/sse/upstream.js';
import type { Transport } from '../transports/transport.js';
import { redactArgv, redactUrl } from '../core/secrets.js';

export type UpstreamKind = 'stdio' | 'streamable' | 'sse' | 'ws' | 'replay';

export type UpstreamSpec =
  | { kind: 'stdio'; command: string; args: string[]; stderr?: 'inherit' | 'ignore'; maxMessageBytes?: number }
  | { kind: 'streamable' | 'sse' | 'ws'; url: string; headers?: Record<string, string>; maxMessageBytes?: number }
  /** A tape standing in for the server: each session gets its own ReplayTransport. */
  | { kind: 'replay'; tape: string; create: () => Transport };

/** A real server, as opposed to a tape. */
export type LiveUpstreamSpec = Exclude<UpstreamSpec, { kind: 'replay' }>;

export interface UpstreamContext {
  logger: Logger;
  /** The client headers to pass on (from the HTTP policy). */
  forwardHeaders?: (http: HttpMeta | undefined) => Record<string, string>;
}

/** The transport kind for a URL: ws(s):// is WebSocket, a path ending in /sse is legacy SSE, else Streamable HTTP. */
export function guessUpstreamKind(url: string): Exclude<UpstreamKind, 'stdio'> {
  const parsed = new URL(url);
  if (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') return 'ws';
  if (/\/sse\/?$/.test(parsed.pathname)) return 'sse';
  return 'streamable';
}

/** The upstream as it may be shown and stored (on sessions): its credentials hidden. */
export function describeUpstream(spec: UpstreamSpec): string {
  if (spec.kind === 'stdio') return redactArgv([spec.command, ...spec.args]).join(' ');
  if (spec.kind === 'replay') return `tape ${spec.tape}`;
  return redactUrl(spec.url);
}

/** How each kind of upstream is reached: one entry per transport. */
const factories: Partial<Record<UpstreamKind, (spec: UpstreamSpec, ctx: UpstreamContext) => Transport>> = {
  stdio: (spec, _ctx) => {
    if (spec.kind !== 'stdio') throw new Error('not a stdio upstream');
    return new ChildProcessTransport({ command: spec.command, args: spec.args, stderr: spec.stderr, maxMessageBytes: spec.maxMessageBytes });
  },
  replay: (spec) => {
    if (spec.kind !== 'replay') throw new Error('not a replay upstream');
    return spec.create();
  },
  sse: (spec, ctx) => {
    if (spec.kind !== 'sse') throw new Error('not a legacy SSE upstream');
    return new LegacySseUpstream({ url: spec.url, headers: spec.headers, forwardHeaders: ctx.forwardHeaders, logger: ctx.logger });
  },
  ws: (spec, ctx) => {
    if (spec.kind !== 'ws') throw new Error('not a WebSocket upstream');
    return new WebSocketUpstream({ url: spec.url, headers: spec.headers, forwardHeaders: ctx.forwardHeaders, logger: ctx.logger, maxMessageBytes: spec.maxMessageBytes });
  },
  streamable: (spec, ctx) => {
    if (spec.kind !== 'streamable') throw new Error('not a Streamable HTTP upstream');
    return new StreamableHttpUpstream({ url: spec.url, headers: spec.headers, forwardHeaders: ctx.forwardHeaders, logger: ctx.logger });
  },
};

export function createUpstream(spec: UpstreamSpec, ctx: UpstreamContext): Transport {
  const factory = factories[spec.kind];
  if (!factory) throw new Error(`the ${spec.kind} upstream transport is not available`);
  return factory(spec, ctx);
}
