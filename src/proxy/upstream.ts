/**
 * Where a proxy forwards to, as data, and the Transport that reaches it. One place decides how
 * each kind of server is reached, whichever kind of client is on the other side.
 */
import { connect } from 'node:net';
import type { HttpMeta } from '../core/context.js';
import type { ParamHeader } from '../core/era.js';
import type { Logger } from '../core/log.js';
import { ChildProcessTransport } from '../transports/stdio.js';
import type { ServerProcess } from '../transports/server-process.js';
import { StreamableHttpUpstream } from '../transports/streamable-http/upstream.js';
import { WebSocketUpstream } from '../transports/websocket/upstream.js';
import { LegacySseUpstream } from '../transports/sse/upstream.js';
import type { Transport } from '../core/transport.js';
import { redactArgv, redactText, redactUrl } from '../core/secrets.js';

export type UpstreamKind = 'stdio' | 'streamable' | 'sse' | 'ws' | 'replay';

export type UpstreamSpec =
  /** `started`: this very server already spawned (the command line starts it first), used instead of spawning it again. */
  | { kind: 'stdio'; command: string; args: string[]; stderr?: 'inherit' | 'ignore'; maxMessageBytes?: number; started?: ServerProcess }
  | { kind: 'streamable' | 'sse' | 'ws'; url: string; headers?: Record<string, string>; maxMessageBytes?: number }
  /** A tape standing in for the server: each session gets its own ReplayTransport. */
  | { kind: 'replay'; tape: string; create: () => Transport };

/** A real server, as opposed to a tape. */
export type LiveUpstreamSpec = Exclude<UpstreamSpec, { kind: 'replay' }>;

export interface UpstreamContext {
  logger: Logger;
  /** The client headers to pass on (from the HTTP policy). */
  forwardHeaders?: (http: HttpMeta | undefined) => Record<string, string>;
  /** A tool's arguments mirrored in Mcp-Param-* headers, when the proxy has seen its tools/list entry. */
  paramHeaders?: (tool: unknown) => ParamHeader[] | undefined;
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
    return new ChildProcessTransport({ command: spec.command, args: spec.args, stderr: spec.stderr, maxMessageBytes: spec.maxMessageBytes, started: spec.started });
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
    return new StreamableHttpUpstream({ url: spec.url, headers: spec.headers, forwardHeaders: ctx.forwardHeaders, paramHeaders: ctx.paramHeaders, logger: ctx.logger, maxMessageBytes: spec.maxMessageBytes });
  },
};

export function createUpstream(spec: UpstreamSpec, ctx: UpstreamContext): Transport {
  const factory = factories[spec.kind];
  if (!factory) throw new Error(`the ${spec.kind} upstream transport is not available`);
  return factory(spec, ctx);
}

/** The URL schemes each network upstream is reached by. */
const SCHEMES: Record<'streamable' | 'sse' | 'ws', string[]> = {
  streamable: ['http:', 'https:'],
  sse: ['http:', 'https:'],
  ws: ['ws:', 'wss:', 'http:', 'https:'],
};

/** Why a URL cannot be an upstream of this kind, or undefined when it can. */
export function urlProblem(kind: 'streamable' | 'sse' | 'ws', url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${redactText(url)}" is not a URL`;
  }
  if (!SCHEMES[kind].includes(parsed.protocol)) return `${parsed.protocol}// is not a scheme mcp-tap can reach a server by (${kind === 'ws' ? 'ws://, wss://' : 'http://, https://'})`;
  return undefined;
}

/**
 * Resolves once something accepts a TCP connection at the URL's host and port; rejects with a
 * one-line reason otherwise, so a proxy never starts in front of a server it cannot reach.
 */
export function checkReachable(url: string, timeoutMs = 5000): Promise<void> {
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:' || parsed.protocol === 'wss:';
  const port = parsed.port ? Number(parsed.port) : secure ? 443 : 80;
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new Error(`cannot reach ${redactUrl(url)}: ${why}`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer within ${timeoutMs / 1000} s`));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const reasons: Record<string, string> = { ECONNREFUSED: 'nothing listens there (connection refused)', ENOTFOUND: `no such host "${host}"`, EHOSTUNREACH: 'the host is unreachable', ENETUNREACH: 'the network is unreachable' };
      fail(reasons[error.code ?? ''] ?? error.code ?? error.message);
    });
  });
}
