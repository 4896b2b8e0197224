/**
 * The proxy as a Streamable HTTP client of the upstream server: each message is POSTed; answers
 * come back as JSON or as an SSE stream relayed event by event; after initialization a GET
 * stream carries the server's own messages. A stream that drops before its answer is resumed
 * with `Last-Event-ID`. Messages are POSTed with `node:http` on a keep-alive pool (headers and
 * body leave in one write, the answer is read from the socket's stream); the GET stream,
 * resumptions and the closing DELETE use fetch.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage as HttpResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { EventSourceMessage } from 'eventsource-parser';
import { headersFor, META, type ParamHeader } from '../../core/era.js';
import { idKey, isObject, summarize, type JsonRpcId } from '../../core/jsonrpc.js';
import { ToolHeaderBook } from '../../core/tool-headers.js';
import type { HttpMeta } from '../../core/context.js';
import { silentLogger, type Logger } from '../../core/log.js';
import { readSse, readSseNode } from '../http/sse-reader.js';
import type { CloseInfo, SendMeta, Transport } from '../transport.js';

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
}

/** Keep-alive connection pools for the POSTs, shared by every upstream session in the process. */
const pools = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

const preview = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}...` : text);

export class StreamableHttpUpstream implements Transport {
  readonly kind = 'streamable-http' as const;
  onmessage?: Transport['onmessage'];
  ondeliveryfailed?: Transport['ondeliveryfailed'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  /** The upstream's session id: kept here, never shown to the client. */
  sessionId?: string;
  protocolVersion?: string;
  private initializeKey?: string;
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

  constructor(private readonly options: StreamableHttpUpstreamOptions) {
    this.logger = options.logger ?? silentLogger;
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
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return { headers: {} };
    }
    const tool = isObject(message) && isObject(message.params) ? message.params.name : undefined;
    const params = this.options.paramHeaders?.(tool) ?? this.tools.of(tool);
    return { headers: headersFor(message, params), message };
  }

  private async post(text: string, meta: SendMeta | undefined): Promise<void> {
    const summary = meta?.summary ?? summarize(JSON.parse(text));
    if (summary.kind === 'request' && summary.method === 'initialize') this.initializeKey = idKey(summary.id);
    if (summary.kind === 'request' && summary.method === 'tools/list') this.toolsListKey = idKey(summary.id);
    const routing = this.routingHeaders(text);
    if (summary.method === 'notifications/cancelled') this.closeListen(routing.message ?? safeParse(text));
    const headers = { ...this.headers(meta, 'application/json, text/event-stream'), ...routing.headers, 'content-type': 'application/json' };
    const controller = new PostHandle();
    this.inFlight.add(controller);
    if (summary.kind === 'request' && summary.method === 'subscriptions/listen') this.listens.set(idKey(summary.id), controller);
    try {
      let res: PostAnswer;
      try {
        res = await post(this.options.url, headers, text, controller);
      } catch (error) {
        if (!this.closed && !controller.aborted) this.ondeliveryfailed?.(text, `upstream ${this.options.url} is unreachable: ${causeOf(error)}`);
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
        // A modern server answers some errors with an HTTP error status and the JSON-RPC error in
        // the body (400 for invalid params or an unsupported version, 404 for an unknown method):
        // that error is the server's answer, and the client gets it as the server wrote it.
        const answer = summary.kind === 'request' ? errorAnswerIn(body, summary.id ?? null) : undefined;
        if (answer !== undefined) this.received(answer, summary.id ?? undefined);
        else this.ondeliveryfailed?.(text, `upstream answered ${res.status} ${res.statusText}${body ? `: ${preview(body)}` : ''}`);
        return;
      }
      if (res.status === 202 || !res.hasBody) {
        res.discard();
        if (summary.method === 'notifications/initialized') this.openGetStream();
        return;
      }
      const related = summary.kind === 'request' ? summary.id : undefined;
      if ((res.header('content-type') ?? '').includes('text/event-stream')) {
        await this.relayStream(res.events(), related, summary.kind === 'request' ? idKey(summary.id) : undefined);
      } else {
        this.relayJson(await res.text());
      }
    } finally {
      this.inFlight.delete(controller);
      if (summary.kind === 'request' && this.listens.get(idKey(summary.id)) === controller) this.listens.delete(idKey(summary.id));
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

  private relayJson(body: string): void {
    if (body.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      this.received(body); // not JSON: the pipeline flags it as such
      return;
    }
    if (Array.isArray(parsed)) for (const item of parsed) this.received(JSON.stringify(item));
    else this.received(body);
  }

  /**
   * Relays an SSE stream; if it ends before the answer to `awaited` came, resumes it with
   * Last-Event-ID (when the server gave ids) until it does.
   */
  private async relayStream(body: AsyncIterable<EventSourceMessage>, related: JsonRpcId | undefined, awaited: string | undefined): Promise<void> {
    let lastEventId: string | undefined;
    let stream: AsyncIterable<EventSourceMessage> | undefined = body;
    /** Ends a resumed stream: the server may keep it open once the answer came (it is a GET). */
    let stopResumed: (() => void) | undefined;
    for (let attempt = 0; stream && !this.closed; ) {
      try {
        for await (const event of stream) {
          if (event.id) lastEventId = event.id;
          if ((event.event === undefined || event.event === 'message') && event.data) this.received(event.data, related);
          if (stopResumed && awaited !== undefined && this.answered.has(awaited)) break;
        }
      } catch (error) {
        if (this.closed) return;
        this.logger.debug(`upstream stream dropped: ${causeOf(error)}`);
      } finally {
        stopResumed?.();
      }
      if (awaited === undefined || this.answered.has(awaited) || !lastEventId || this.closed || this.closedListens.delete(awaited)) break;
      if (attempt++ >= (this.options.maxReconnects ?? 5)) {
        this.logger.warn('upstream stream dropped before its answer and could not be resumed');
        break;
      }
      await delay((this.options.reconnectDelayMs ?? 250) * 2 ** (attempt - 1));
      const resumed = await this.resume(lastEventId);
      stream = resumed?.events;
      stopResumed = resumed?.stop;
    }
    if (awaited) this.answered.delete(awaited);
  }

  /** Resumes a stream; it stays in flight (closing the transport aborts it) until `stop()`. */
  private async resume(lastEventId: string): Promise<{ events: AsyncIterable<EventSourceMessage>; stop(): void } | undefined> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const stop = () => {
      controller.abort();
      this.inFlight.delete(controller);
    };
    try {
      const res = await fetch(this.options.url, { method: 'GET', headers: { ...this.headers(undefined, 'text/event-stream'), 'last-event-id': lastEventId }, signal: controller.signal });
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        stop();
        return undefined;
      }
      return { events: readSse(res.body), stop };
    } catch {
      stop();
      return undefined;
    }
  }

  /** The server's own stream. Optional in the spec: 405 means the server has none. */
  private openGetStream(): void {
    if (this.getStreamOpen || this.closed) return;
    this.getStreamOpen = true;
    void (async () => {
      let lastEventId: string | undefined;
      for (let failures = 0; !this.closed && failures <= (this.options.maxReconnects ?? 5); ) {
        const controller = new AbortController();
        this.inFlight.add(controller);
        try {
          const headers = this.headers(undefined, 'text/event-stream');
          if (lastEventId) headers['last-event-id'] = lastEventId;
          const res = await fetch(this.options.url, { method: 'GET', headers, signal: controller.signal });
          if (res.status === 405 || res.status === 404) {
            await res.body?.cancel();
            return;
          }
          if (!res.ok || !res.body) throw new Error(`GET answered ${res.status}`);
          failures = 0;
          for await (const event of readSse(res.body)) {
            if (event.id) lastEventId = event.id;
            if ((event.event === undefined || event.event === 'message') && event.data) this.received(event.data);
          }
        } catch (error) {
          if (this.closed) return;
          failures++;
          this.logger.debug(`upstream GET stream: ${causeOf(error)}`);
        } finally {
          this.inFlight.delete(controller);
        }
        await delay((this.options.reconnectDelayMs ?? 250) * 2 ** Math.min(failures, 6));
      }
    })().finally(() => {
      this.getStreamOpen = false;
    });
  }

  private received(text: string, related?: JsonRpcId): void {
    let parsed: unknown;
    if (this.initializeKey !== undefined || related !== undefined || this.toolsListKey !== undefined) {
      parsed = safeParse(text);
      const summary = summarize(parsed);
      if ((summary.kind === 'response' || summary.kind === 'error') && summary.hasId) {
        const key = idKey(summary.id);
        this.answered.add(key);
        if (key === this.toolsListKey && !this.options.paramHeaders) {
          this.toolsListKey = undefined;
          this.tools.learn(parsed);
        }
        if (key === this.initializeKey) {
          this.initializeKey = undefined;
          const version = (safeParse(text) as { result?: { protocolVersion?: unknown } })?.result?.protocolVersion;
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
  const parsed = safeParse(body.trim());
  if (!isObject(parsed) || parsed.jsonrpc !== '2.0' || !isObject(parsed.error) || typeof parsed.error.code !== 'number') return undefined;
  if (!('id' in parsed) || parsed.id === null) return JSON.stringify({ ...parsed, id });
  return idKey(parsed.id as JsonRpcId) === idKey(id) ? body.trim() : undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
  events(): AsyncIterable<EventSourceMessage>;
  discard(): void;
}

/**
 * POSTs `body`; resolves once the answer's headers are in. A network failure rejects (as fetch
 * does), and so does the signal. Over `node:http`, so headers and body leave in one write and the
 * answer is read from the socket's stream; a redirect is left to fetch, which follows it as before.
 */
async function post(url: string, headers: Record<string, string>, body: string, handle: PostHandle): Promise<PostAnswer> {
  const res = await postHttp(url, headers, body, handle);
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
    text: () => readText(res),
    events: () => readSseNode(res),
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
    events: () => readSse(res.body!),
    discard: () => void res.body?.cancel().catch(() => undefined),
  };
}

/** Header names are case-insensitive: a later one replaces an earlier one of the same name. */
function postHttp(url: string, headers: Record<string, string>, body: string, handle: PostHandle): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (handle.aborted) throw abortError();
    const target = targetOf(url);
    const sent: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(headers)) sent[name.toLowerCase()] = value;
    sent['content-length'] = Buffer.byteLength(body);
    const options = { ...target.options, method: 'POST', headers: sent, agent: target.secure ? pools.https : pools.http };
    const req = target.secure ? httpsRequest(options, resolve) : httpRequest(options, resolve);
    handle.req = req;
    req.on('error', reject);
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
  // As fetch: credentials in the URL are refused, not sent.
  if (parsed.username || parsed.password) throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url}`);
  const hostname = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const target: Target = { secure, options: { protocol: parsed.protocol, hostname, port: parsed.port ? Number(parsed.port) : undefined, path: `${parsed.pathname}${parsed.search}` } };
  lastTarget = { url, target };
  return target;
}

function readText(res: HttpResponse): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (text += chunk));
    // As fetch's text(): UTF-8, a leading BOM dropped.
    res.on('end', () => resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text));
    res.on('error', reject);
    res.on('aborted', () => reject(new Error('the upstream closed the connection mid-answer')));
  });
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
