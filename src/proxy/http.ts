/**
 * Runs the proxy as an HTTP server: clients connect over Streamable HTTP (/mcp), legacy SSE
 * (/sse) or WebSocket (/ws); each client session gets its own upstream (a spawned stdio server,
 * or a session with an HTTP/SSE/WS server), linked through the one Pipeline.
 */
import type { HttpMeta, TransportKind } from '../core/context.js';
import { HttpPolicyInterceptor, type HttpPolicyOptions } from '../interceptors/http-policy.js';
import { EventTracker, type EventLog } from '../session/event-tracker.js';
import { createHash, randomBytes } from 'node:crypto';
import { envelopeOf } from '../core/era.js';
import { frameEventFor } from '../core/frame-event.js';
import { ToolHeaderBook } from '../core/tool-headers.js';
import { ModernConversation } from '../transports/streamable-http/conversation.js';
import type { ModernRouter } from '../transports/streamable-http/endpoint.js';
import type { IncomingMessage as PostedMessage } from '../transports/streamable-http/session.js';
import { ChildProcessTransport } from '../transports/stdio.js';
import { SharedStdioServer } from '../transports/shared-stdio.js';
import { HttpListener, type ListenAddress, type ListenerLimits } from '../transports/http/listener.js';
import { HttpError, sendHttpError } from '../transports/http/body.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpEndpoint, SessionOpener, UpgradeEndpoint } from '../transports/http/endpoint.js';
import { StreamableHttpEndpoint } from '../transports/streamable-http/endpoint.js';
import { StatelessRelay } from '../transports/streamable-http/stateless.js';
import { WebSocketEndpoint } from '../transports/websocket/endpoint.js';
import { LegacySseEndpoint, MESSAGES_PATH } from '../transports/sse/endpoint.js';
import type { Transport } from '../core/transport.js';
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
   * Client sessions (modern conversations included) held at once, sessionless exchanges in
   * flight counted too; more are refused with 503. Default 10000 (64 with a stdio upstream,
   * where each session is a process).
   */
  maxSessions?: number;
  /** Memory one session may hold for its client (SSE events kept for resumption). */
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
  const toolHeaders = new ToolHeaderBook();
  const proxy = createProxy({ ...options, interceptors: [policy, toolHeaders, ...(options.interceptors ?? [])] });
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

  const upstreamContext = { logger, forwardHeaders: (http: HttpMeta | undefined) => policy.forwardedHeaders(http), paramHeaders: (tool: unknown) => toolHeaders.of(tool) };
  /** Pairs a client session with a fresh upstream through the pipeline. */
  const attach = async (session: Session, downstream: Transport, resume: boolean, upstream: Transport = createUpstream(options.upstream, upstreamContext)): Promise<void> => {
    const sessionId = session.id;
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

  // Modern conversations: one per client identity. On a stdio upstream they share one child
  // process (the era keeps no session state), with ids kept apart by the multiplexer.
  const spec0 = options.upstream;
  const shared = spec0.kind === 'stdio' ? new SharedStdioServer(() => new ChildProcessTransport({ command: spec0.command, args: spec0.args, stderr: spec0.stderr, maxMessageBytes: spec0.maxMessageBytes })) : undefined;
  const conversations = new Map<string, ModernConversation>();
  const opening = new Map<string, Promise<ModernConversation>>();
  const sockets = new WeakMap<object, string>();
  const modern: ModernRouter = {
    paramHeaders: (tool) => toolHeaders.of(tool),
    refused(messages, answer, http) {
      const sessionId = `conversation-${identityOf(messages, http)}`;
      for (const message of messages) pipeline.report({ sessionId, transport: 'streamable-http', direction: 'c2s', text: message.text });
      proxy.chain.notify({ ...frameEventFor({ sessionId, transport: 'streamable-http', direction: 's2c', text: answer }, { action: 'block', flags: ['synthesized', 'header-mismatch'], requestMethod: messages[0]?.summary.method }) });
    },
    async conversation(messages, _http, socket) {
      const identity = identityOf(messages, _http);
      // One client run is one conversation, whatever connections it uses; a second client with
      // the same identity shows itself by reusing an id still open in the first (the connection
      // it came on is the hint that it is another client).
      let key = sockets.get(socket);
      if (!key || !key.startsWith(identity)) {
        key = identity;
        for (let n = 2; conversations.get(key) && messages.some((m) => m.summary.kind === 'request' && conversations.get(key!)!.has(m.summary.id)); n++) key = `${identity}-${n}`;
        sockets.set(socket, key);
      }
      const live = conversations.get(key);
      if (live) return live;
      const pending = opening.get(key);
      if (pending) return pending;
      const id = `conversation-${key}`;
      // A new conversation counts against --max-sessions like a session.
      const open = admitted(id, async () => {
        const conversation = new ModernConversation(id);
        const session = await sessions.create('streamable-http', { id, upstream: describeUpstream(options.upstream) });
        conversation.onclose = () => conversations.delete(key!);
        await attach(session, conversation, false, shared ? shared.view() : createUpstream(options.upstream, upstreamContext));
        conversations.set(key!, conversation);
        logger.debug(`conversation ${id} opened (modern -> ${options.upstream.kind})`);
        return conversation;
      });
      opening.set(key, open);
      try {
        return await open;
      } finally {
        opening.delete(key);
      }
    },
  };

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
    '/mcp': new StreamableHttpEndpoint({ opener, events, streamTag, maxBodyBytes, logger, stateless, modern }),
    ...extraHttpEndpoints(context),
  };
  const upgradeRoutes: Record<string, UpgradeEndpoint> = extraUpgradeEndpoints(context);
  const listener = new HttpListener({ http: httpRoutes, upgrade: upgradeRoutes }, policy, logger, {
    requestTimeoutMs: limits.requestTimeoutMs,
    headersTimeoutMs: limits.headersTimeoutMs,
    // Each session may hold a couple of connections (a POST and its GET stream); leave room for both.
    maxConnections: limits.maxConnections ?? maxSessions * 3 + 64,
  });
  let address: ListenAddress;
  try {
    address = await listener.listen(options.listen);
  } catch (error) {
    // Nothing was served: the control channel and the tape go too, so nothing keeps the process
    // alive and no empty tape is left behind.
    await proxy.close();
    const tape = proxy.recorder?.openedTape;
    if (tape && options.record!.store.getTape(tape.name)?.frameCount === 0) options.record!.store.deleteTape(tape.name);
    throw listenError(options.listen, error as NodeJS.ErrnoException);
  }
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const base = `${host}:${address.port}`;
  proxy.control?.annotate({ listen: `http://${base}` });

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
        // An open subscriptions/listen stream is never "in flight": it ends only when closed, so shutdown does not wait for it.
        const owedBy = (link: Link) => [...link.pending.c2s.values()].filter((r) => r.method !== 'subscriptions/listen').length;
        const owed = () => [...links.values()].reduce((n, link) => n + owedBy(link), 0) + pipeline.busy;
        while (owed() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        if (owed() > 0) logger.warn(`${owed()} request(s) still unanswered after ${drainTimeoutMs} ms; closing anyway`);
        await sessions.flush();
        await listener.close();
        await Promise.all([...conversations.values()].map((c) => c.close({ reason: 'proxy shutting down' })));
        await Promise.all([...links.values()].map((link) => link.upstream.close()));
        await shared?.close();
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

/**
 * Who sends a modern POST, as the wire shows it: the client info and capabilities in its
 * `_meta`, and the principal behind `Authorization` (hashed: the credential is never kept).
 */
function identityOf(messages: PostedMessage[], http: HttpMeta): string {
  const envelope = messages.map((m) => envelopeOf(m.parsed)).find((e) => e !== undefined);
  const authorization = http.headers.authorization;
  const principal = authorization === undefined ? '' : createHash('sha256').update(String(authorization)).digest('hex');
  const client = envelope?.clientInfo;
  const name = typeof client?.name === 'string' ? client.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40) : 'client';
  const digest = createHash('sha256').update(JSON.stringify([client ?? null, envelope?.clientCapabilities ?? null, principal])).digest('hex').slice(0, 12);
  return `${name}-${digest}`;
}

/** Why listening failed, in the same words whichever command asked. */
export function listenError(address: ListenAddress, error: NodeJS.ErrnoException): Error {
  const where = `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  const reasons: Record<string, string> = {
    EADDRINUSE: 'the port is already in use; pick another --listen port',
    EADDRNOTAVAIL: `${address.host} is not an address of this host`,
    ENOTFOUND: `${address.host} is not a known host name`,
    EACCES: 'permission denied (ports below 1024 need privileges)',
  };
  const wrapped = new Error(`cannot listen on ${where}: ${reasons[error.code ?? ''] ?? error.message}`);
  (wrapped as NodeJS.ErrnoException).code = error.code;
  return wrapped;
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
