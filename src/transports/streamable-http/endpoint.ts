/**
 * The proxy's Streamable HTTP endpoint (MCP 2025-03-26 and later): POST, GET and DELETE on one
 * path, sessions by `Mcp-Session-Id`. The proxy issues its own session ids; whatever the upstream
 * uses stays between the proxy and the upstream.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpMeta } from '../../core/context.js';
import { checkRequestHeaders, isModernVersion, ModernErrorCode, requestEra, type ParamHeader } from '../../core/era.js';
import { describeParseError, ErrorCode, errorResponse, isObject, summarize } from '../../core/jsonrpc.js';
import type { Logger } from '../../core/log.js';
import type { EventLog } from '../../session/event-tracker.js';
import { accepts, header, HttpError, isJsonContentType, readBody, sendHttpError } from '../http/body.js';
import type { HttpEndpoint, SessionOpener } from '../http/endpoint.js';
import { StreamableHttpSession, type IncomingMessage as SessionMessage } from './session.js';
import type { StatelessRelay } from './stateless.js';
import type { ModernConversation } from './conversation.js';

/** Serves modern (2026-07-28) POSTs: no session, grouped into conversations by who sends them. */
export interface ModernRouter {
  /** The conversation these messages belong to, opened when new. */
  conversation(messages: SessionMessage[], http: HttpMeta, socket: object): Promise<ModernConversation>;
  /** A POST refused before any conversation saw it (its headers disagree with its body): for the tape. */
  refused(messages: SessionMessage[], answer: string, http: HttpMeta): void;
  /** The tool's arguments mirrored in Mcp-Param-* headers, when known. */
  paramHeaders(tool: unknown): ParamHeader[] | undefined;
}

export interface StreamableHttpEndpointOptions {
  opener: SessionOpener;
  events: EventLog;
  /** Prefix for stream ids, unique per process when several share the event log. */
  streamTag?: string;
  maxBodyBytes: number;
  logger: Logger;
  /** Relays sessionless 2025 exchanges (no initialize, no Mcp-Session-Id); without it they get 400. */
  stateless?: StatelessRelay;
  /** Serves modern POSTs through the pipeline; without it they are treated as sessionless. */
  modern?: ModernRouter;
}

export class StreamableHttpEndpoint implements HttpEndpoint {
  private readonly sessions = new Map<string, StreamableHttpSession>();
  /** Resumptions under way, so concurrent requests for one session resume it once. */
  private readonly restoring = new Map<string, Promise<StreamableHttpSession | undefined>>();

  constructor(private readonly options: StreamableHttpEndpointOptions) {}

  get sessionCount(): number {
    return this.sessions.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void> {
    try {
      switch (req.method) {
        case 'POST':
          return await this.post(req, res, http);
        case 'GET':
          return await this.get(req, res, http);
        case 'DELETE':
          return await this.delete(req, res, http);
        default:
          res.setHeader('allow', 'GET, POST, DELETE');
          throw new HttpError(405, `Method Not Allowed: ${req.method}`);
      }
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error.status, error.message, error.rpcCode);
      this.options.logger.error(`streamable HTTP: ${(error as Error).message}`);
      sendHttpError(res, 500, 'Internal error in the proxy', ErrorCode.InternalError);
    }
  }

  private async post(req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void> {
    if (!accepts(req, 'application/json') || !accepts(req, 'text/event-stream')) {
      throw new HttpError(406, 'Not Acceptable: the client must accept both application/json and text/event-stream');
    }
    if (!isJsonContentType(req)) {
      throw new HttpError(415, 'Unsupported Media Type: the body must be application/json');
    }
    const body = await readBody(req, this.options.maxBodyBytes);
    const messages = parseMessages(body.toString('utf8'));
    const initialize = messages.some((m) => m.summary.kind === 'request' && m.summary.method === 'initialize');
    let session: StreamableHttpSession;
    if (initialize) {
      if (messages.length > 1) throw new HttpError(400, 'Invalid Request: initialize must be sent on its own', ErrorCode.InvalidRequest);
      session = await this.openSession(http);
    } else if (!header(req, 'mcp-session-id') && this.options.modern && isModernPost(messages, header(req, 'mcp-protocol-version'))) {
      return this.modernPost(messages, req, res, http);
    } else if (!header(req, 'mcp-session-id') && this.options.stateless) {
      return this.options.stateless.relay(req, res, body, http);
    } else {
      session = await this.requireSession(req, http);
    }
    session.acceptPost(messages, res, http);
  }

  /**
   * A modern POST: its routing headers are checked against its body (a disagreement is the 400
   * HeaderMismatch the specification prescribes, and goes on the tape), then it joins its
   * conversation, whose pipeline sees it like any other message.
   */
  private async modernPost(messages: SessionMessage[], req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void> {
    const modern = this.options.modern!;
    for (const message of messages) {
      const params = isObject(message.parsed) && isObject(message.parsed.params) ? message.parsed.params : undefined;
      const mismatch = checkRequestHeaders(message.parsed, req.headers, message.summary.method === 'tools/call' ? modern.paramHeaders(params?.name) : undefined);
      if (!mismatch) continue;
      const answer = JSON.stringify(errorResponse(message.summary.id ?? null, ModernErrorCode.HeaderMismatch, `Header mismatch: ${mismatch.message}`, { mismatch: { header: mismatch.header, ...(mismatch.got === undefined ? {} : { got: mismatch.got }), expected: mismatch.expected } }));
      this.options.logger.warn(`refused a ${message.summary.method} POST: ${mismatch.message}`);
      modern.refused(messages, answer, http);
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) }).end(answer);
      return;
    }
    let conversation: ModernConversation;
    try {
      conversation = await modern.conversation(messages, http, req.socket);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if ((error as Error).name === 'SessionStoreError') throw new HttpError(503, `Service Unavailable: ${(error as Error).message}`, ErrorCode.InternalError);
      throw new HttpError(502, `Bad Gateway: cannot reach the upstream server: ${(error as Error).message}`, ErrorCode.UpstreamClosed);
    }
    conversation.acceptPost(messages, res, http);
  }

  private async get(req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void> {
    if (!accepts(req, 'text/event-stream')) throw new HttpError(406, 'Not Acceptable: the client must accept text/event-stream');
    const session = await this.requireSession(req, http);
    const refused = await session.openGet(res, header(req, 'last-event-id'));
    if (refused) throw new HttpError(refused.status, refused.message);
  }

  private async delete(req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void> {
    const session = await this.requireSession(req, http);
    await session.close({ reason: 'client ended the session (DELETE)' });
    res.writeHead(200).end();
  }

  /**
   * The session a request names: one this process holds, or one the session store still knows
   * (after a restart, or created by another process sharing the store), re-established here.
   */
  private async requireSession(req: IncomingMessage, http: HttpMeta): Promise<StreamableHttpSession> {
    const id = header(req, 'mcp-session-id');
    if (!id) throw new HttpError(400, 'Bad Request: Mcp-Session-Id header is required');
    const session = this.sessions.get(id);
    if (session && !session.isClosed) return session;
    const restoring = this.restoring.get(id) ?? this.restore(id, http);
    this.restoring.set(id, restoring);
    try {
      const restored = await restoring;
      if (restored) return restored;
    } finally {
      this.restoring.delete(id);
    }
    throw new HttpError(404, 'Session not found', -32001);
  }

  private async restore(id: string, http: HttpMeta): Promise<StreamableHttpSession | undefined> {
    if (!this.options.opener.restore) return undefined;
    const session = new StreamableHttpSession(id, this.options.events, this.options.streamTag);
    session.onended = () => this.sessions.delete(id);
    try {
      if (!(await this.options.opener.restore(id, session, 'streamable-http', http))) return undefined;
    } catch (error) {
      if (error instanceof HttpError) throw error;
      // The store being away is not the client's fault: say so rather than claim the session is gone.
      if ((error as Error).name === 'SessionStoreError') throw new HttpError(503, `Service Unavailable: ${(error as Error).message}`, ErrorCode.InternalError);
      this.options.logger.warn(`session ${id} could not be resumed: ${(error as Error).message}`);
      return undefined;
    }
    this.sessions.set(id, session);
    return session;
  }

  private async openSession(http: HttpMeta): Promise<StreamableHttpSession> {
    const id = randomUUID();
    const session = new StreamableHttpSession(id, this.options.events, this.options.streamTag);
    session.onended = () => this.sessions.delete(id);
    this.sessions.set(id, session);
    try {
      await this.options.opener.open(id, session, 'streamable-http', http);
    } catch (error) {
      this.sessions.delete(id);
      if (error instanceof HttpError) throw error;
      if ((error as Error).name === 'SessionStoreError') throw new HttpError(503, `Service Unavailable: ${(error as Error).message}`, ErrorCode.InternalError);
      throw new HttpError(502, `Bad Gateway: cannot reach the upstream server: ${(error as Error).message}`, ErrorCode.UpstreamClosed);
    }
    return session;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close({ reason: 'proxy shutting down' })));
  }
}

/** A POST of the modern era: a message names a modern protocol version in its `_meta`, or the header does. */
function isModernPost(messages: SessionMessage[], versionHeader: string | undefined): boolean {
  return messages.some((m) => requestEra(m.parsed) === 'modern') || isModernVersion(versionHeader?.trim());
}

/** A POST body: one JSON-RPC message or an array of them. */
function parseMessages(text: string): SessionMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `Parse error: ${describeParseError(error)}`, ErrorCode.ParseError);
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0) throw new HttpError(400, 'Invalid Request: empty batch', ErrorCode.InvalidRequest);
  return items.map((item) => {
    const summary = summarize(item);
    if (summary.kind === 'invalid' || summary.kind === 'batch') {
      throw new HttpError(400, 'Invalid Request: not a JSON-RPC 2.0 message', ErrorCode.InvalidRequest);
    }
    // A lone message is passed on as the exact text received; batch items are re-serialised.
    return { text: Array.isArray(parsed) ? JSON.stringify(item) : text, summary, parsed: item };
  });
}
