/**
 * One stdio server process shared by many modern conversations (HTTP clients of a proxy in front
 * of a command). The 2026-07-28 era has no session state, so one process can serve every modern
 * client; what would collide is their request ids, progress tokens and subscriptions. Each
 * conversation gets a view (a Transport) whose requests go to the child under ids the
 * multiplexer hands out, and whose answers, progress and listen notifications come back under
 * the ids and tokens the client used. The pipeline (and so the tape) sees the client's own ids.
 */
import { META } from '../core/era.js';
import { idKey, isObject, parseObject, summarize, type JsonObject, type JsonRpcId } from '../core/jsonrpc.js';
import type { CloseInfo, SendMeta, Transport } from '../core/transport.js';

interface Owner {
  view: SharedView;
  id: JsonRpcId;
  token?: string | number;
  /** Asked for log messages (a log level in its `_meta`). */
  logs: boolean;
}

export class SharedStdioServer {
  private readonly views = new Set<SharedView>();
  /** Child-side request id -> who asked, under which id. */
  private readonly requests = new Map<string, Owner>();
  /** Child-side progress token -> the request it belongs to. */
  private readonly tokens = new Map<string, Owner>();
  private next = 1;
  private started?: Promise<void>;
  private gone?: CloseInfo;

  constructor(private readonly create: () => Transport) {}

  private child?: Transport;

  /** A view for one conversation; the child starts with the first. */
  view(): SharedView {
    const view = new SharedView(this);
    this.views.add(view);
    return view;
  }

  /** @internal */
  async ensureStarted(): Promise<void> {
    this.started ??= (async () => {
      const child = this.create();
      child.onmessage = (text) => this.fromChild(text);
      child.onclose = (info) => {
        this.gone = info;
        for (const view of [...this.views]) view.ended(info);
      };
      child.onerror = () => undefined;
      this.child = child;
      await child.start();
    })();
    await this.started;
    if (this.gone) throw new Error(this.gone.reason);
  }

  /** @internal A view's message to the server, its ids made unique on the child. */
  toChild(view: SharedView, text: string, meta?: SendMeta): void {
    if (!this.child || this.gone) {
      view.ondeliveryfailed?.(text, this.gone?.reason ?? 'the server is not running');
      return;
    }
    const message = parseObject(text);
    if (!message) return;
    const summary = meta?.summary ?? summarize(message);
    if (summary.kind === 'request') {
      const childId = this.next++;
      const params = isObject(message.params) ? message.params : undefined;
      const metaIn = params && isObject(params._meta) ? params._meta : undefined;
      const owner: Owner = { view, id: summary.id ?? null, logs: metaIn?.[META.logLevel] !== undefined };
      this.requests.set(idKey(childId), owner);
      const out: JsonObject = { ...message, id: childId };
      const token = metaIn?.progressToken;
      if (params && (typeof token === 'string' || typeof token === 'number')) {
        owner.token = token;
        const childToken = `p${childId}`;
        this.tokens.set(childToken, owner);
        out.params = { ...params, _meta: { ...metaIn, progressToken: childToken } };
      }
      this.child.send(JSON.stringify(out));
    } else if (summary.method === 'notifications/cancelled' && isObject(message.params)) {
      const childId = this.childIdOf(view, message.params.requestId as JsonRpcId);
      if (childId === undefined) return;
      this.forget(childId);
      this.child.send(JSON.stringify({ ...message, params: { ...message.params, requestId: childId } }));
    } else if (summary.kind === 'notification') {
      this.child.send(text);
    }
    // Responses from a modern client have nothing to answer: the era has no server requests.
  }

  private childIdOf(view: SharedView, id: JsonRpcId): number | undefined {
    for (const [key, owner] of this.requests) if (owner.view === view && idKey(owner.id) === idKey(id)) return Number(key.slice(2));
    return undefined;
  }

  private forget(childId: number): void {
    const owner = this.requests.get(idKey(childId));
    this.requests.delete(idKey(childId));
    if (owner?.token !== undefined) this.tokens.delete(`p${childId}`);
  }

  /** The server's message, to the conversation it belongs to, under that client's ids. */
  private fromChild(text: string): void {
    const message = parseObject(text);
    if (!message) return;
    const summary = summarize(message);
    if (summary.kind === 'response' || summary.kind === 'error') {
      const owner = this.requests.get(idKey(summary.id));
      if (!owner) return;
      // A listen stream's answer comes when it closes; until then its notifications need the mapping.
      this.forget(Number(summary.id));
      owner.view.deliver(JSON.stringify({ ...message, id: owner.id }), owner.id);
      return;
    }
    if (summary.kind !== 'notification') return; // the modern era has no server requests
    const params = isObject(message.params) ? message.params : undefined;
    const token = params?.progressToken;
    if (params && typeof token === 'string' && this.tokens.has(token)) {
      const owner = this.tokens.get(token)!;
      owner.view.deliver(JSON.stringify({ ...message, params: { ...params, progressToken: owner.token! } }), owner.id);
      return;
    }
    const metaIn = params && isObject(params._meta) ? params._meta : undefined;
    const subscription = metaIn?.[META.subscriptionId];
    if (params && metaIn && (typeof subscription === 'number' || typeof subscription === 'string')) {
      const owner = this.requests.get(idKey(typeof subscription === 'number' ? subscription : Number(subscription)));
      if (!owner) return;
      owner.view.deliver(JSON.stringify({ ...message, params: { ...params, _meta: { ...metaIn, [META.subscriptionId]: owner.id } } }), owner.id);
      return;
    }
    if (summary.method === 'notifications/message') {
      // Log messages name no request on stdio: the newest open request that asked for them.
      const asking = [...this.requests.values()].filter((o) => o.logs);
      const owner = asking[asking.length - 1];
      if (owner) owner.view.deliver(text, owner.id);
    }
  }

  /** @internal */
  closed(view: SharedView): void {
    this.views.delete(view);
    for (const [key, owner] of [...this.requests]) if (owner.view === view) this.forget(Number(key.slice(2)));
  }

  async close(): Promise<void> {
    for (const view of [...this.views]) view.ended({ reason: 'closed by the proxy' });
    await this.child?.close();
  }
}

export class SharedView implements Transport {
  readonly kind = 'stdio' as const;
  onmessage?: Transport['onmessage'];
  ondeliveryfailed?: Transport['ondeliveryfailed'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  private done = false;

  constructor(private readonly server: SharedStdioServer) {}

  start(): Promise<void> {
    return this.server.ensureStarted();
  }

  send(text: string, meta?: SendMeta): void {
    if (!this.done) this.server.toChild(this, text, meta);
  }

  /** @internal */
  deliver(text: string, related: JsonRpcId): void {
    if (!this.done) this.onmessage?.(text, { relatedRequestId: related });
  }

  /** @internal */
  ended(info: CloseInfo): void {
    if (this.done) return;
    this.done = true;
    this.server.closed(this);
    this.onclose?.(info);
  }

  async close(): Promise<void> {
    this.ended({ reason: 'conversation ended' });
  }
}
