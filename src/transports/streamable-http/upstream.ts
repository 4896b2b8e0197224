/**
 * The proxy as a Streamable HTTP client of the upstream server: each message is POSTed; answers
 * come back as JSON or as an SSE stream relayed event by event; after initialization a GET
 * stream carries the server's own messages. A stream that drops before its answer is resumed
 * with `Last-Event-ID`, after the `retry:` delay the server asked for; one that cannot be resumed
 * answers its request with an error, so no request waits forever. Requests go over `node:http`
 * on a keep-alive pool (headers and body leave in one write, the answer is read from the socket's
 * stream); a redirect and the closing DELETE use fetch.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage as HttpResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { StringDecoder } from 'node:string_decoder';
import type { EventSourceMessage } from 'eventsource-parser';
import { headersFor, META, type ParamHeader } from '../../core/era.js';
import { idKey, isObject, parseOrUndefined, summarize, type JsonRpcId } from '../../core/jsonrpc.js';
import { scanEnvelope } from '../../core/envelope.js';
import { ToolHeaderBook } from '../../core/tool-headers.js';
import type { HttpMeta } from '../../core/context.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { redactUrl } from '../../core/secrets.js';
import { MessageTooLargeError, readSse, readSseNode } from '../http/sse-reader.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../core/framing.js';
import type { CloseInfo, SendMeta, Transport } from '../../core/transport.js';

export interface StreamableHttpUpstreamOptions {
  url: string;
  /** Headers sent with every upstream request (e.g. from --header). */
  headers?: Record<string, string>;
  /** The client headers to pass on for a message (the HTTP policy decides). */
  forwardHeaders?: (http: HttpMeta | undefined) => Record<string, string>;
  /** A tool's Mcp-Param-* arguments as the proxy knows them; without it, from the tools/list answers this upstream relays. */
  paramHeaders?: (tool: unknown) => ParamHeader[] | undefined;
  logger?: Logger;
  /** Resumption attempts for a dropped stream before giving up. Default 5. */
  maxReconnects?: number;
  /** First reconnection delay, doubled each time. Default 250 ms. */
  reconnectDelayMs?: number;
  /** The largest message (an SSE event, a JSON answer) read from the server (--max-message-size). */
  maxMessageBytes?: number;
}

/** Keep-alive connection pools for the POSTs, shared by every upstream session in the process. */
const pools = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

const preview = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}...` : text);

export class StreamableHttpUpstream implements Transport {
  readonly kind = 'streamable-http' as const;
  onmessage?: Transport['onmessage'];
  ondeliveryfailed?: Transport['ondeliveryfailed'];
  onunanswered?: Transport['onunanswered'];
  onoversized?: Transport['onoversized'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  /** The upstream's session id: kept here, never shown to the client. */
  sessionId?: string;
  protocolVersion?: string;
  private initializeKey?: string;
  /** The server answered initialize with an error: there is no session to go on with. */
  private initializeRefused?: string;
  /** The server's last `retry:` (ms): how long it asks to wait before a stream is reopened. */
  private retryMs?: number;
  private readonly answered = new Set<string>();
  private readonly inFlight = new Set<{ abort(): void }>();
  private getStreamOpen = false;
  /** Open subscriptions/listen POSTs: closing one (the client cancelled it) closes the stream. */
  private readonly listens = new Map<string, PostHandle>();
  private readonly closedListens = new Set<string>();
  private readonly tools = new ToolHeaderBook();
  private toolsListKey?: string;
  private closed = false;
  private ended = false;
  private readonly logger: Logger;

  /** The URL as it may be shown: credentials and secret-looking query values hidden. */
  private readonly shownUrl: string;

  constructor(private readonly options: StreamableHttpUpstreamOptions) {
    this.logger = options.logger ?? silentLogger;
    this.shownUrl = redactUrl(options.url);
  }

  async start(): Promise<void> {}

  send(text: string, meta?: SendMeta): void {
    void this.post(text, meta).catch((error: unknown) => this.onerror?.(error as Error));
  }

  private headers(meta: SendMeta | undefined, accept: string): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.forwardHeaders?.(meta?.http), ...this.options.headers, accept };
    if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion) headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  /**
   * The routing headers a modern message needs, derived from the body as sent (after any rule or
   * person changed it): MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Param-*.
   */
  private routingHeaders(text: string): { headers: Record<string, string>; message?: unknown } {
    if (!text.includes(META.protocolVersion)) return { headers: {} };
    const message = parseOrUndefined(text);
    if (message === undefined) return { headers: {} };
    const tool = isObject(message) && isObject(message.params) ? message.params.name : undefined;
    const params = this.options.paramHeaders?.(tool) ?? this.tools.of(tool);
    return { headers: headersFor(message, params), message };
  }

  private async post(text: string, meta: SendMeta | undefined): Promise<void> {
    const summary = meta?.summary ?? summarize(JSON.parse(text));
    const initialize = summary.kind === 'request' && summary.method === 'initialize';
    if (initialize) this.initializeKey = idKey(summary.id);
    // Only learnt here when the proxy does not already know the tools' parameter headers.
    if (summary.kind === 'request' && summary.method === 'tools/list' && !this.options.paramHeaders) this.toolsListKey = idKey(summary.id);
    const awaited = summary.kind === 'request' ? idKey(summary.id) : undefined;
    const routing = this.routingHeaders(text);
    if (summary.method === 'notifications/cancelled') this.closeListen(routing.message ?? parseOrUndefined(text));
    const headers = { ...this.headers(meta, 'application/json, text/event-stream'), ...routing.headers, 'content-type': 'application/json' };
    const controller = new PostHandle();
    this.inFlight.add(controller);
    if (summary.kind === 'request' && summary.method === 'subscriptions/listen') this.listens.set(idKey(summary.id), controller);
    try {
      let res: PostAnswer;
      try {
        res = await post(this.options.url, headers, text, controller, this.maxMessageBytes);
      } catch (error) {
        if (this.closed || controller.aborted) return;
        this.ondeliveryfailed?.(text, `upstream ${this.shownUrl} is unreachable: ${causeOf(error)}`);
        if (initialize) this.initializeFailed(`the upstream ${this.shownUrl} could not be reached for initialize: ${causeOf(error)}`);
        return;
      }
      // A session is only one the server opened: never one named by a refusal (4xx, 5xx).
      const sessionId = res.header('mcp-session-id');
      if (sessionId && !this.sessionId && res.status >= 200 && res.status <= 299) this.sessionId = sessionId;
      if (res.status === 404 && this.sessionId) {
        res.discard();
        this.ondeliveryfailed?.(text, 'the upstream session has expired (404 Not Found)');
        this.finish({ reason: 'the upstream session expired (404 Not Found)', exitCode: 1 });
        return;
      }
      if (res.status < 200 || res.status > 299) {
        const body = await res.text().catch(() => '');
        const why = `upstream answered ${res.status} ${res.statusText}${body ? `: ${preview(body)}` : ''}`;
        // A modern server answers some errors with an HTTP error status and the JSON-RPC error in
        // the body (400 for invalid params or an unsupported version, 404 for an unknown method):
        // that error is the server's answer, and the client gets it as the server wrote it.
        const answer = summary.kind === 'request' ? errorAnswerIn(body, summary.id ?? null) : undefined;
        if (answer !== undefined) this.received(answer, summary.id ?? undefined);
        else this.ondeliveryfailed?.(text, why);
        // A session whose initialize failed upstream has nothing behind it: end it, so the client
        // starts again (404 on its next request) instead of meeting 400s forever.
        if (initialize) this.initializeFailed(`the upstream refused initialize: ${why}`);
        return;
      }
      if (res.status === 202 || !res.hasBody) {
        res.discard();
        if (summary.method === 'notifications/initialized') this.openGetStream();
        if (awaited) this.unanswered(text, awaited, `the upstream answered ${res.status} with no body`);
        return;
      }
      const related = summary.kind === 'request' ? summary.id : undefined;
      try {
        if ((res.header('content-type') ?? '').includes('text/event-stream')) {
          await this.relayStream(res.events((ms) => (this.retryMs = ms)), related, awaited);
        } else {
          this.relayJson(await res.text(), related);
        }
      } catch (error) {
        if (this.closed) return;
        if (error instanceof MessageTooLargeError) this.answerTooLarge(error, related, awaited);
        else this.logger.debug(`upstream answer to ${summary.method ?? summary.kind} broke off: ${causeOf(error)}`);
      }
      // A listen stream the client cancelled ends with no answer, as it should.
      if (awaited && !this.closedListens.delete(awaited)) this.unanswered(text, awaited, 'the upstream closed the answer stream and it could not be resumed');
      if (this.initializeRefused !== undefined) this.initializeFailed(this.initializeRefused);
    } finally {
      this.inFlight.delete(controller);
      if (awaited) this.answered.delete(awaited);
      if (awaited && this.listens.get(awaited) === controller) this.listens.delete(awaited);
    }
  }

  /** The client closed a listen stream (notifications/cancelled naming it): the upstream stream is closed too. */
  private closeListen(message: unknown): void {
    const requestId = isObject(message) && isObject(message.params) ? message.params.requestId : undefined;
    if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
    const handle = this.listens.get(idKey(requestId));
    if (!handle) return;
    this.listens.delete(idKey(requestId));
    this.closedListens.add(idKey(requestId));
    handle.abort();
  }

  private get maxMessageBytes(): number {
    return this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  /**
   * The POST's answer grew past the limit and was cut off. The pipeline notes it on the tape and
   * answers the request it was for (known from the POST, not from the message, which was never
   * read whole) with a message-too-large error.
   */
  private answerTooLarge(error: MessageTooLargeError, related: JsonRpcId | undefined, awaited: string | undefined): void {
    if (awaited !== undefined) this.answered.add(awaited);
    const ends = related === undefined ? undefined : { head: `{"jsonrpc":"2.0","id":${JSON.stringify(related)},"result":`, tail: '' };
    this.onoversized?.(error.bytes, error.limit, ends);
  }

  /** A request whose answer did not come with its POST (nor any resumption of it) is answered with an error. */
  private unanswered(text: string, key: string, reason: string): void {
    if (this.closed || this.answered.has(key)) return;
    (this.onunanswered ?? this.ondeliveryfailed)?.(text, reason);
  }

  private initializeFailed(reason: string): void {
    this.logger.warn(reason);
    this.finish({ reason, exitCode: 1 });
  }

  private relayJson(body: string, related: JsonRpcId | undefined): void {
    if (body.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      this.received(body); // not JSON: the pipeline flags it as such
      return;
    }
    if (Array.isArray(parsed)) for (const item of parsed) this.received(JSON.stringify(item), related);
    else this.received(body, related);
  }

  /**
   * Relays an SSE stream; if it ends before the answer to `awaited` came, resumes it with
   * Last-Event-ID (when the server gave ids), after the server's `retry:` delay, until it does or
   * resumption fails `maxReconnects` times in a row.
   */
  private async relayStream(body: AsyncIterable<EventSourceMessage>, related: JsonRpcId | undefined, awaited: string | undefined): Promise<void> {
    let lastEventId: string | undefined;
    let stream: AsyncIterable<EventSourceMessage> | undefined = body;
    let resumed = false;
    for (let attempt = 0; stream && !this.closed; ) {
      try {
        for await (const event of stream) {
          // A stream that delivers something is alive: polling (close, retry, resume) may go on.
          attempt = 0;
          if (event.id) lastEventId = event.id;
          if ((event.event === undefined || event.event === 'message') && event.data) this.received(event.data, related);
          // A resumed stream is a GET the server may keep open once the answer came: done with it.
          if (resumed && awaited !== undefined && this.answered.has(awaited)) break;
        }
      } catch (error) {
        if (this.closed) return;
        if (error instanceof MessageTooLargeError) throw error;
        this.logger.debug(`upstream stream dropped: ${causeOf(error)}`);
      }
      if (awaited === undefined || this.answered.has(awaited) || !lastEventId || this.closed || this.closedListens.has(awaited)) break;
      if (attempt++ >= (this.options.maxReconnects ?? 5)) {
        this.logger.warn('upstream stream dropped before its answer and could not be resumed');
        break;
      }
      await delay(this.retryMs ?? (this.options.reconnectDelayMs ?? 250) * 2 ** (attempt - 1));
      const again = await this.resume(lastEventId);
      // 404/405: the server cannot resume this stream; trying again will not change that.
      if (again === 'refused') break;
      stream = again ?? emptyStream();
      resumed = true;
    }
  }

  /** A GET with Last-Event-ID: the rest of a stream; 'refused' when the server will not resume it. */
  private async resume(lastEventId: string): Promise<AsyncIterable<EventSourceMessage> | 'refused' | undefined> {
    const handle = new PostHandle();
    this.inFlight.add(handle);
    let res: HttpResponse;
    try {
      res = await request('GET', this.options.url, { ...this.headers(undefined, 'text/event-stream'), 'last-event-id': lastEventId }, undefined, handle);
    } catch {
      this.inFlight.delete(handle);
      return undefined;
    }
    if (res.statusCode !== 200) {
      res.resume();
      this.inFlight.delete(handle);
      return res.statusCode === 404 || res.statusCode === 405 || res.statusCode === 400 ? 'refused' : undefined;
    }
    // Closing the transport stops the resumed stream too, for as long as it is read.
    const events = readSseNode(res, (ms) => (this.retryMs = ms), this.maxMessageBytes);
    const inFlight = this.inFlight;
    return (async function* () {
      try {
        yield* events;
      } finally {
        // Left early (the answer came) or ended: either way the GET is done.
        handle.abort();
        inFlight.delete(handle);
      }
    })();
  }

  /** The server's own stream. Optional in the spec: 405 means the server has none. */
  private openGetStream(): void {
    if (this.getStreamOpen || this.closed) return;
    this.getStreamOpen = true;
    void (async () => {
      let lastEventId: string | undefined;
      for (let failures = 0; !this.closed && failures <= (this.options.maxReconnects ?? 5); ) {
        const handle = new PostHandle();
        this.inFlight.add(handle);
        try {
          const headers = this.headers(undefined, 'text/event-stream');
          if (lastEventId) headers['last-event-id'] = lastEventId;
          const res = await request('GET', this.options.url, headers, undefined, handle);
          if (res.statusCode === 405 || res.statusCode === 404) {
            res.resume();
            return;
          }
          if (res.statusCode !== 200) {
            res.resume();
            throw new Error(`GET answered ${res.statusCode}`);
          }
          failures = 0;
          for await (const event of readSseNode(res, (ms) => (this.retryMs = ms), this.maxMessageBytes)) {
            if (event.id) lastEventId = event.id;
            if ((event.event === undefined || event.event === 'message') && event.data) this.received(event.data);
          }
        } catch (error) {
          if (this.closed) return;
          if (error instanceof MessageTooLargeError) this.onoversized?.(error.bytes, error.limit);
          failures++;
          this.logger.debug(`upstream GET stream: ${causeOf(error)}`);
        } finally {
          this.inFlight.delete(handle);
        }
        if (this.closed) return;
        // The server's retry: is what it asked for (SEP-1699); without one, back off.
        const base = this.options.reconnectDelayMs ?? 250;
        await delay(this.retryMs !== undefined ? this.retryMs * 2 ** Math.max(0, failures - 1) : base * 2 ** Math.min(failures, 6));
      }
      if (!this.closed) this.logger.warn(`the upstream's GET stream (${this.shownUrl}) failed ${(this.options.maxReconnects ?? 5) + 1} times in a row; its own messages will not reach the client`);
    })().finally(() => {
      this.getStreamOpen = false;
    });
  }

  private received(text: string, related?: JsonRpcId): void {
    let parsed: unknown;
    if (this.initializeKey !== undefined || related !== undefined || this.toolsListKey !== undefined) {
      // Which answer it is, from its envelope; the body is parsed only for the answers read here.
      const summary = scanEnvelope(text)?.summary ?? summarize((parsed = parseOrUndefined(text)));
      if ((summary.kind === 'response' || summary.kind === 'error') && summary.hasId) {
        const key = idKey(summary.id);
        this.answered.add(key);
        if (key === this.toolsListKey) {
          this.toolsListKey = undefined;
          this.tools.learn((parsed ??= parseOrUndefined(text)));
        }
        if (key === this.initializeKey) {
          this.initializeKey = undefined;
          parsed ??= parseOrUndefined(text);
          if (summary.kind === 'error') this.initializeRefused = `the upstream answered initialize with an error: ${preview(text)}`;
          const version = (parsed as { result?: { protocolVersion?: unknown } })?.result?.protocolVersion;
          if (typeof version === 'string') this.protocolVersion = version;
        }
      }
    }
    // What was parsed here is handed on, so the pipeline does not parse it again.
    if (related === undefined && parsed === undefined) this.onmessage?.(text);
    else this.onmessage?.(text, { relatedRequestId: related, parsed });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    if (this.sessionId) {
      // Ending the upstream session is a courtesy; a server may refuse it (405) or be gone.
      await fetch(this.options.url, { method: 'DELETE', headers: this.headers(undefined, 'application/json, text/event-stream'), signal: AbortSignal.timeout(2000) })
        .then((res) => res.body?.cancel())
        .catch(() => undefined);
    }
    this.finish({ reason: 'closed by the proxy', exitCode: 0 });
  }

  private finish(info: CloseInfo): void {
    if (this.ended) return;
    this.ended = true;
    this.closed = true;
    for (const controller of this.inFlight) controller.abort();
    this.onclose?.(info);
  }
}

/**
 * The JSON-RPC error answering request `id` in an HTTP error's body, as text to relay: the body as
 * it came when it names that id, or with the id put in when the server left it out (an error
 * "that has no id" is what the spec allows when the id could not be read).
 */
function errorAnswerIn(body: string, id: JsonRpcId): string | undefined {
  const parsed = parseOrUndefined(body.trim());
  if (!isObject(parsed) || parsed.jsonrpc !== '2.0' || !isObject(parsed.error) || typeof parsed.error.code !== 'number') return undefined;
  if (!('id' in parsed) || parsed.id === null) return JSON.stringify({ ...parsed, id });
  return idKey(parsed.id as JsonRpcId) === idKey(id) ? body.trim() : undefined;
}

/** Why a request failed: fetch puts the network error in `cause`; node:http throws it as is. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as { code?: string }).code ?? (error as Error).message ?? String(error);
}

/**
 * Stops a POST in flight (its request, and its answer's stream) when the transport closes; a
 * plain object rather than an AbortSignal, which costs listeners on every request.
 */
class PostHandle {
  aborted = false;
  req?: ClientRequest;
  /** For the fetch that follows a redirect. */
  controller?: AbortController;

  abort(): void {
    this.aborted = true;
    // Without an error: a socket whose answer is being read has no one listening for one, and
    // the AbortError went unhandled. An answer still streaming just ends, as its reader expects.
    this.req?.destroy();
    this.controller?.abort();
  }
}

function abortError(): Error {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** An upstream's answer to a POST, whichever client fetched it. */
interface PostAnswer {
  status: number;
  statusText: string;
  /** False when the status has no body (204, 205, 304), as fetch has it. */
  hasBody: boolean;
  header(name: string): string | undefined;
  text(): Promise<string>;
  /** The body as SSE events; `onRetry` hears the server's `retry:` field. */
  events(onRetry?: (ms: number) => void): AsyncIterable<EventSourceMessage>;
  discard(): void;
}

/**
 * POSTs `body`; resolves once the answer's headers are in. A network failure rejects (as fetch
 * does), and so does the signal. Over `node:http`, so headers and body leave in one write and the
 * answer is read from the socket's stream; a redirect is left to fetch, which follows it as before.
 */
async function post(url: string, headers: Record<string, string>, body: string, handle: PostHandle, maxMessageBytes: number): Promise<PostAnswer> {
  const res = await request('POST', url, headers, body, handle);
  const status = res.statusCode ?? 0;
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume();
    handle.controller = new AbortController();
    if (handle.aborted) handle.controller.abort();
    return fromFetch(await fetch(url, { method: 'POST', headers, body, signal: handle.controller.signal }));
  }
  return {
    status,
    statusText: res.statusMessage ?? '',
    hasBody: status !== 204 && status !== 205 && status !== 304,
    header: (name) => {
      const value = res.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    text: () => readText(res, maxMessageBytes),
    events: (onRetry) => readSseNode(res, onRetry, maxMessageBytes),
    discard: () => void res.resume(),
  };
}

function fromFetch(res: Response): PostAnswer {
  return {
    status: res.status,
    statusText: res.statusText,
    hasBody: res.body !== null,
    header: (name) => res.headers.get(name) ?? undefined,
    text: () => res.text(),
    events: (onRetry) => readSse(res.body!, onRetry),
    discard: () => void res.body?.cancel().catch(() => undefined),
  };
}

/**
 * One request over the keep-alive pool; resolves once the answer's headers are in. A socket the
 * pool reused may have been closed by the server as it was taken (its keep-alive timeout ran
 * out): a request that fails so, before any byte of an answer, never reached the server and is
 * sent once more on a fresh socket.
 */
async function request(method: string, url: string, headers: Record<string, string>, body: string | undefined, handle: PostHandle): Promise<HttpResponse> {
  try {
    return await requestOnce(method, url, headers, body, handle);
  } catch (error) {
    if (handle.aborted || !(error as StaleSocketError).staleSocket) throw error;
    // A fresh connection, not another pooled one that may be just as stale.
    return requestOnce(method, url, headers, body, handle, false);
  }
}

type StaleSocketError = Error & { staleSocket?: boolean };
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** Header names are case-insensitive: a later one replaces an earlier one of the same name. */
function requestOnce(method: string, url: string, headers: Record<string, string>, body: string | undefined, handle: PostHandle, pooled = true): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (handle.aborted) throw abortError();
    const target = targetOf(url);
    const sent: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(headers)) sent[name.toLowerCase()] = value;
    if (body !== undefined) sent['content-length'] = Buffer.byteLength(body);
    const options = { ...target.options, method, headers: sent, agent: pooled ? (target.secure ? pools.https : pools.http) : false };
    let answered = false;
    const req = target.secure ? httpsRequest(options, (res) => ((answered = true), resolve(res))) : httpRequest(options, (res) => ((answered = true), resolve(res)));
    handle.req = req;
    req.on('error', (error: StaleSocketError) => {
      if (!answered && req.reusedSocket && STALE_SOCKET_CODES.has((error as NodeJS.ErrnoException).code ?? '')) error.staleSocket = true;
      reject(error);
    });
    req.end(body);
  });
}

interface Target {
  secure: boolean;
  options: { protocol: string; hostname: string; port?: number; path: string };
}

let lastTarget: { url: string; target: Target } | undefined;

/** The request options for a URL, parsed once (an upstream POSTs to one URL again and again). */
function targetOf(url: string): Target {
  if (lastTarget?.url === url) return lastTarget.target;
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'http:') throw new TypeError(`unsupported protocol ${parsed.protocol}`);
  // As fetch: credentials in the URL are refused, not sent (the command line turns them into a header).
  if (parsed.username || parsed.password) throw new TypeError(`a URL with credentials in it cannot be requested: ${redactUrl(url)}`);
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const target: Target = { secure, options: { protocol: parsed.protocol, hostname, port: parsed.port ? Number(parsed.port) : undefined, path: `${parsed.pathname}${parsed.search}` } };
  lastTarget = { url, target };
  return target;
}

/** The body as text, as fetch's text() has it; over `maxBytes`, a MessageTooLargeError (and the rest is not read). */
function readText(res: HttpResponse, maxBytes = Infinity): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';
    let bytes = 0;
    res.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        // Rejected before the destroy, which says 'aborted' at once.
        reject(new MessageTooLargeError(bytes, maxBytes));
        res.destroy();
        return;
      }
      text += decoder.write(chunk);
    });
    res.on('end', () => {
      text += decoder.end();
      // As fetch's text(): UTF-8, a leading BOM dropped.
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('the upstream closed the connection mid-answer')));
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function* emptyStream(): AsyncGenerator<EventSourceMessage> {}
