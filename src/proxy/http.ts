/**
 * Runs the proxy as an HTTP server: clients connect over Streamable HTTP (/mcp), legacy SSE
 * (/sse) or WebSocket (/ws); each client session gets its own upstream (a spawned stdio server,
 * or a session with an HTTP/SSE/WS server), linked through the one Pipeline.
 */
import type { HttpMeta, TransportKind } from '../core/context.js';
import { HttpPolicyInterceptor, type HttpPolicyOptions } from '../interceptors/http-policy.js';
import { EventTracker, type EventLog } from '../session/event-tracker.js';
import { randomBytes } from 'node:crypto';
import { HttpListener, type ListenAddress, type ListenerLimits } from '../transports/http/listener.js';
import { HttpError, sendHttpError } from '../transports/http/body.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpEndpoint, SessionOpener, UpgradeEndpoint } from '../transports/http/endpoint.js';
import { StreamableHttpEndpoint } from '../transports/streamable-http/endpoint.js';
import { StatelessRelay } from '../transports/streamable-http/stateless.js';
import { WebSocketEndpoint } from '../transports/websocket/endpoint.js';
import { LegacySseEndpoint, MESSAGES_PATH } from '../transports/sse/endpoint.js';
import type { Transport } from '../transports/transport.js';
import type { Link } from '../core/pipeline.js';
import { createProxy, type Proxy, type ProxyOptions } from './create.js';
import { createUpstream, describeUpstream, type UpstreamSpec } from './upstream.js';
import { reinitialize } from '../transports/handshake.js';
import type { Session } from '../session/session.js';

export interface HttpProxyOptions extends ProxyOptions {
  listen: ListenAddress;
  upstream: UpstreamSpec;
  policy?: HttpPolicyOptions;
  /** SSE events kept per session for Last-Event-ID resumption. */
  eventBuffer?: number;
  /** Where SSE events are kept: in this process by default; a shared log lets another process resume. */
  events?: EventLog;
  /** How often WebSocket peers are pinged (a peer that misses a pong is dead). Default 30 s. */
  pingIntervalMs?: number;
  limits?: HttpLimits;
}

/** What keeps one client, or many, from taking the proxy down. */
export interface HttpLimits extends ListenerLimits {
  /**
   * Client sessions held at once, sessionless exchanges in flight included; more are refused
   * with 503. Default 10000 (64 with a stdio upstream, where each session is a process).
   */
  maxSessions?: number;
  /** Memory one session may hold for its client (SSE events kept for resumption, unread output). */
  sessionBufferBytes?: number;
  /** The same for all sessions together. */
  totalBufferBytes?: number;
}

export interface HttpProxy {
  readonly proxy: Proxy;
  readonly address: ListenAddress;
  readonly urls: { streamableHttp: string; sse: string; websocket: string };
  readonly events: EventLog;
  /** Live links by session id. */
  readonly links: ReadonlyMap<string, Link>;
  /**
   * Stops accepting, lets requests in flight finish (up to `drainTimeoutMs`), then ends the
   * sessions' connections, keeps the sessions in a persistent store, and flushes the tape.
   */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/** Extra client-facing endpoints (legacy SSE, WebSocket) are added here as they are built. */
export interface EndpointFactoryContext {
  opener: SessionOpener;
  events: EventLog;
  policy: HttpPolicyInterceptor;
  proxy: Proxy;
  pingIntervalMs?: number;
}

export async function startHttpProxy(options: HttpProxyOptions): Promise<HttpProxy> {
  const policy = new HttpPolicyInterceptor(options.policy);
  const proxy = createProxy({ ...options, interceptors: [policy, ...(options.interceptors ?? [])] });
  const { logger, sessions, pipeline } = proxy;
  const limits = options.limits ?? {};
  const maxSessions = limits.maxSessions ?? (options.upstream.kind === 'stdio' ? 64 : 10_000);
  const events: EventLog = options.events ?? new EventTracker(options.eventBuffer, { sessionBytes: limits.sessionBufferBytes, totalBytes: limits.totalBufferBytes });
  // With a shared log, stream ids carry a tag of this process, so they never collide.
  const streamTag = options.events ? randomBytes(3).toString('hex') : '';
  const links = new Map<string, Link>();

  let shuttingDown = false;
  /** Sessions opening or open, and sessionless exchanges in flight: what --max-sessions counts. */
  const counted = new Set<string>();
  let statelessInFlight = 0;
  const atCapacity = (): string | undefined => {
    const held = counted.size + statelessInFlight;
    return held >= maxSessions ? `Service Unavailable: the proxy holds ${held} sessions, its limit (--max-sessions ${maxSessions}); try again when one ends` : undefined;
  };

  /** Pairs a client session with a fresh upstream through the pipeline. */
  const attach = async (session: Session, downstream: Transport, resume: boolean): Promise<void> => {
    const sessionId = session.id;
    const upstream = createUpstream(options.upstream, { logger, forwardHeaders: (http) => policy.forwardedHeaders(http) });
    const end = (reason: string) => {
      if (!links.delete(sessionId)) return;
      counted.delete(sessionId);
      events.free(sessionId);
      // On shutdown a persistent store keeps the session, so a restarted proxy can resume it.
      if (shuttingDown) sessions.release(sessionId);
      else void sessions.cleanup(sessionId, reason);
    };
    await upstream.start();
    if (resume) await reinitialize(upstream, session);
    const link = pipeline.connect(session, downstream, upstream, {
      upstreamClosed: (info) => {
        logger.debug(`session ${sessionId}: ${info.reason}`);
        // The client learns the session is over (404 on its next request) and can start anew.
        void downstream.close();
        end(info.reason);
      },
      downstreamClosed: (info) => {
        logger.debug(`session ${sessionId}: ${info.reason}`);
        void upstream.close();
        end(info.reason);
      },
    });
    links.set(sessionId, link);
    await downstream.start();
  };

  /** Counts a session against the limit while it opens; once linked it stays counted until end(). */
  const admitted = async <T>(sessionId: string, work: () => Promise<T>): Promise<T> => {
    const refusal = atCapacity();
    if (refusal) {
      logger.warn(refusal);
      throw new HttpError(503, refusal, -32000);
    }
    counted.add(sessionId);
    try {
      return await work();
    } finally {
      if (!links.has(sessionId)) counted.delete(sessionId);
    }
  };

  const opener: SessionOpener = {
    atCapacity,
    open: (sessionId: string, downstream: Transport, kind: TransportKind, _http: HttpMeta): Promise<void> =>
      admitted(sessionId, async () => {
        const session = await sessions.create(kind, { id: sessionId, upstream: describeUpstream(options.upstream) });
        await attach(session, downstream, false);
        logger.debug(`session ${sessionId} opened (${kind} -> ${options.upstream.kind})`);
      }),
    restore: (sessionId: string, downstream: Transport, kind: TransportKind): Promise<boolean> =>
      admitted(sessionId, async () => {
        const session = await sessions.get(sessionId);
        if (!session || session.transport !== kind || links.has(sessionId)) return false;
        await attach(session, downstream, true);
        logger.info(`session ${sessionId} resumed from the ${sessions.store.kind} session store`);
        return true;
      }),
  };

  // Idle expiry ends both sides of the session.
  sessions.on('cleanup', (session, reason) => {
    const link = links.get(session.id);
    if (link && reason === 'idle') void link.downstream.close();
  });

  const context: EndpointFactoryContext = { opener, events, policy, proxy, pingIntervalMs: options.pingIntervalMs };
  const maxBodyBytes = policy.maxBodyBytes;
  const spec = options.upstream;
  const methods = new Map<string, string>();
  // Sessionless exchanges can only be relayed untouched to a server that speaks Streamable HTTP.
  const stateless =
    spec.kind === 'streamable'
      ? new LimitedStatelessRelay(atCapacity, (n) => (statelessInFlight += n), {
          url: spec.url,
          forwardHeaders: (http) => ({ ...policy.forwardedHeaders(http), ...spec.headers }),
          report: (frame) => {
            const method = frame.direction === 'c2s' ? undefined : methods.get(frame.exchangeId);
            if (frame.direction === 'c2s') {
              const requestMethod = summarizeMethod(frame.text);
              if (requestMethod) methods.set(frame.exchangeId, requestMethod);
            }
            pipeline.report({ sessionId: frame.exchangeId, transport: 'streamable-http', direction: frame.direction, text: frame.text, latencyMs: frame.latencyMs, requestMethod: method });
          },
          finished: (exchangeId) => methods.delete(exchangeId),
        })
      : undefined;
  const httpRoutes: Record<string, HttpEndpoint> = {
    '/mcp': new StreamableHttpEndpoint({ opener, events, streamTag, maxBodyBytes, logger, stateless }),
    ...extraHttpEndpoints(context),
  };
  const upgradeRoutes: Record<string, UpgradeEndpoint> = extraUpgradeEndpoints(context);
  const listener = new HttpListener({ http: httpRoutes, upgrade: upgradeRoutes }, policy, logger, {
    requestTimeoutMs: limits.requestTimeoutMs,
    headersTimeoutMs: limits.headersTimeoutMs,
    // Each session may hold a couple of connections (a POST and its GET stream); leave room for both.
    maxConnections: limits.maxConnections ?? maxSessions * 3 + 64,
  });
  const address = await listener.listen(options.listen);
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const base = `${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    proxy,
    address,
    urls: { streamableHttp: `http://${base}/mcp`, sse: `http://${base}/sse`, websocket: `ws://${base}/ws` },
    events,
    links,
    close: ({ drainTimeoutMs = 10_000 } = {}) =>
      (closing ??= (async () => {
        shuttingDown = true;
        listener.stopAccepting();
        const deadline = Date.now() + drainTimeoutMs;
        const owed = () => [...links.values()].reduce((n, link) => n + link.pending.c2s.size, 0) + pipeline.busy;
        while (owed() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        if (owed() > 0) logger.warn(`${owed()} request(s) still unanswered after ${drainTimeoutMs} ms; closing anyway`);
        await sessions.flush();
        await listener.close();
        await Promise.all([...links.values()].map((link) => link.upstream.close()));
        await events.close?.();
        await proxy.close();
      })()),
  };
}

/** Sessionless exchanges count against --max-sessions while they are in flight. */
class LimitedStatelessRelay extends StatelessRelay {
  constructor(
    private readonly atCapacity: () => string | undefined,
    private readonly hold: (n: number) => void,
    options: ConstructorParameters<typeof StatelessRelay>[0],
  ) {
    super(options);
  }

  override async relay(req: IncomingMessage, res: ServerResponse, body: Buffer, http: HttpMeta): Promise<void> {
    const refusal = this.atCapacity();
    if (refusal) return sendHttpError(res, 503, refusal);
    this.hold(1);
    try {
      await super.relay(req, res, body, http);
    } finally {
      this.hold(-1);
    }
  }
}

function summarizeMethod(text: string): string | undefined {
  try {
    const message = JSON.parse(text) as { method?: unknown };
    return typeof message.method === 'string' ? message.method : undefined;
  } catch {
    return undefined;
  }
}

/** The legacy HTTP+SSE endpoints: one object serves /sse and /messages, which share sessions. */
function extraHttpEndpoints(context: EndpointFactoryContext): Record<string, HttpEndpoint> {
  const legacy = new LegacySseEndpoint({ opener: context.opener, maxBodyBytes: context.policy.maxBodyBytes, logger: context.proxy.logger });
  return { '/sse': legacy, [MESSAGES_PATH]: legacy };
}

/** The WebSocket endpoint (/ws). */
function extraUpgradeEndpoints(context: EndpointFactoryContext): Record<string, UpgradeEndpoint> {
  // A frame is a message a client sends, as a POST body is: the same limit (--max-body-size).
  return { '/ws': new WebSocketEndpoint({ opener: context.opener, logger: context.proxy.logger, pingIntervalMs: context.pingIntervalMs, maxMessageBytes: context.policy.maxBodyBytes }) };
}
