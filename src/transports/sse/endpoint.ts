/** The proxy's legacy HTTP+SSE endpoints: GET /sse opens a session, POST /messages feeds it. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpMeta } from '../../core/context.js';
import { describeParseError, ErrorCode, summarize } from '../../core/jsonrpc.js';
import type { Logger } from '../../core/log.js';
import { accepts, HttpError, isJsonContentType, readBody, sendHttpError } from '../http/body.js';
import type { HttpEndpoint, SessionOpener } from '../http/endpoint.js';
import { SseStream } from '../http/sse.js';
import { LegacySseSession } from './session.js';

export const MESSAGES_PATH = '/messages';

export interface LegacySseOptions {
  opener: SessionOpener;
  maxBodyBytes: number;
  logger: Logger;
}

/** Both paths share the sessions, so one object serves them. */
export class LegacySseEndpoint implements HttpEndpoint {
  private readonly sessions = new Map<string, LegacySseSession>();

  constructor(private readonly options: LegacySseOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path === MESSAGES_PATH) {
        if (req.method !== 'POST') throw new HttpError(405, 'Method Not Allowed: POST messages here');
        return await this.post(req, res, http);
      }
      if (req.method !== 'GET') throw new HttpError(405, 'Method Not Allowed: GET /sse opens a stream');
      return await this.open(req, res, http);
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error.status, error.message, error.rpcCode);
      this.options.logger.error(`legacy SSE: ${(error as Error).message}`);
      sendHttpError(res, 500, 'Internal error in the proxy', ErrorCode.InternalError);
    }
  }

  private async open(req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void> {
    if (!accepts(req, 'text/event-stream')) throw new HttpError(406, 'Not Acceptable: the client must accept text/event-stream');
    // Refused before the stream's headers go out, while a status can still say so.
    const full = this.options.opener.atCapacity?.();
    if (full) throw new HttpError(503, full);
    const id = randomUUID();
    const stream = new SseStream(res);
    const session = new LegacySseSession(id, stream);
    session.onended = () => this.sessions.delete(id);
    this.sessions.set(id, session);
    try {
      await this.options.opener.open(id, session, 'sse', http);
    } catch (error) {
      this.sessions.delete(id);
      stream.send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'error', data: `cannot reach the upstream server: ${(error as Error).message}` } }));
      stream.end();
      return;
    }
    // The first event tells the client where to POST (relative, so any host name works).
    stream.send(`${MESSAGES_PATH}?sessionId=${id}`, undefined, 'endpoint');
  }

  private async post(req: IncomingMessage, res: ServerResponse, http: HttpMeta): Promise<void> {
    const id = new URL(req.url ?? '/', 'http://localhost').searchParams.get('sessionId');
    if (!id) throw new HttpError(400, 'Bad Request: sessionId is required');
    const session = this.sessions.get(id);
    if (!session || session.isClosed) throw new HttpError(404, 'Session not found', -32001);
    if (!isJsonContentType(req)) throw new HttpError(415, 'Unsupported Media Type: the body must be application/json');
    const body = (await readBody(req, this.options.maxBodyBytes)).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      throw new HttpError(400, `Parse error: ${describeParseError(error)}`, ErrorCode.ParseError);
    }
    const items = Array.isArray(parsed) ? parsed : [parsed];
    if (items.some((item) => summarize(item).kind === 'invalid')) throw new HttpError(400, 'Invalid Request: not a JSON-RPC 2.0 message', ErrorCode.InvalidRequest);
    res.writeHead(202, { 'content-type': 'text/plain' }).end('Accepted');
    session.receive(Array.isArray(parsed) ? items.map((item) => JSON.stringify(item)) : [body], http);
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.close({ reason: 'proxy shutting down' })));
  }
}
