/**
 * Where a proxy forwards to, as data, and the Transport that reaches it. One place decides how
 * each kind of server is reached, whichever kind of client is on the other side.
 */
import type { HttpMeta } from '../core/context.js';
import type { Logger } from '../core/log.js';
import { ChildProcessTransport } from '../transports/stdio.js';
import { StreamableHttpUpstream } from '../transports/streamable-http/upstream.js';
import type { Transport } from '../transports/transport.js';

export type UpstreamKind = 'stdio' | 'streamable' | 'sse' | 'ws';

export type UpstreamSpec =
  | { kind: 'stdio'; command: string; args: string[]; stderr?: 'inherit' | 'ignore'; maxMessageBytes?: number }
  | { kind: 'streamable' | 'sse' | 'ws'; url: string; headers?: Record<string, string> };

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

export function describeUpstream(spec: UpstreamSpec): string {
  return spec.kind === 'stdio' ? [spec.command, ...spec.args].join(' ') : spec.url;
}

/** How each kind of upstream is reached: one entry per transport. */
const factories: Partial<Record<UpstreamKind, (spec: UpstreamSpec, ctx: UpstreamContext) => Transport>> = {
  stdio: (spec, _ctx) => {
    if (spec.kind !== 'stdio') throw new Error('not a stdio upstream');
    return new ChildProcessTransport({ command: spec.command, args: spec.args, stderr: spec.stderr, maxMessageBytes: spec.maxMessageBytes });
  },
  streamable: (spec, ctx) => {
    if (spec.kind === 'stdio') throw new Error('not an HTTP upstream');
    return new StreamableHttpUpstream({ url: spec.url, headers: spec.headers, forwardHeaders: ctx.forwardHeaders, logger: ctx.logger });
  },
};

export function createUpstream(spec: UpstreamSpec, ctx: UpstreamContext): Transport {
  const factory = factories[spec.kind];
  if (!factory) throw new Error(`the ${spec.kind} upstream transport is not available`);
  return factory(spec, ctx);
}
