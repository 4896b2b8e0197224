/**
 * The exchange model: frames (one JSON-RPC message each, as recorded or seen live) grouped into
 * what a person reasons about. An exchange is a request with everything that belongs to it: its
 * answer (or what the proxy did instead), its progress and log notifications, the server's own
 * requests while it was open (2025 era), the rounds of a Multi Round-Trip Request (2026: an
 * `input_required` result, then the retry under a new id), and for `subscriptions/listen` the
 * stream of notifications it opened. Everything else (a notification that belongs to no request,
 * a line that is not JSON-RPC) is an event of its own, in its place.
 *
 * One model for every view: `tapes show`, replay, verify and diff, the terminal UI, the browser
 * console and the exports all read exchanges from here. It is pure and incremental (frames go in
 * one at a time, in wire order), so a live view and a stored tape give the same answer, and it
 * imports nothing but the message model, so it also runs in the browser.
 */
import { resultTypeOf, subscriptionIdOf, META, ModernProxyErrorCode, requestEra, type Era } from './era.js';
import { ErrorCode, idKey, isObject, type Direction, type JsonObject, type JsonRpcId, type MessageKind } from './jsonrpc.js';

/** One message, as any source (a tape, the control channel, the pipeline) can describe it. */
export interface ExchangeFrame {
  /** Wire order, increasing (the tape's seq, the control channel's seq). */
  seq: number;
  /** The conversation (session) it belongs to; ids and tokens only mean something within one. */
  conversation: string;
  direction: Direction;
  kind: MessageKind;
  method?: string;
  id?: JsonRpcId;
  /** Milliseconds on one clock for the whole source (tape offset, or Date.now()). */
  time: number;
  /** For an answer: the proxy's measure, from forwarding its request to receiving it. */
  latencyMs?: number;
  /** What the proxy did: 'continue', 'modify', 'block', 'mock', 'pause>modify', 'synthesized', ... */
  action: string;
  flags: readonly string[];
  note?: string;
  /** The parsed message (undefined when the text is not JSON). */
  message: unknown;
  /** Its length in bytes, as sent on. */
  bytes: number;
  /** The request this message belongs with, when the transport said (the HTTP stream it came on). */
  relatedId?: JsonRpcId;
  /** The text as sent on, when the source has it (what a raw view shows and `~b` searches). */
  text?: string;
  /** The text as it arrived, when an interceptor or a person changed it. */
  original?: string;
  /** For an answer whose request the source knows: the tool, prompt or resource that request named. */
  name?: string;
  /**
   * A message held at a breakpoint: placed where it arrived, not sent on yet. The frame that ends
   * the hold (sent on, edited, dropped or mocked) carries the same `pauseId` and takes its place.
   */
  held?: boolean;
  /** The hold a frame belongs to (on the held frame, and on the frame that ends the hold). */
  pauseId?: number;
}

/**
 * How an exchange ended, as a person would say it. `held`: its request or answer waits at a
 * breakpoint; `input-required` is a round of a multi round-trip call that the client has not
 * retried (yet); `open` a listen stream still running.
 */
export type Outcome =
  | 'pending'
  | 'held'
  | 'ok'
  | 'tool-error'
  | 'error'
  | 'blocked'
  | 'mocked'
  | 'dropped'
  | 'cancelled'
  | 'input-required'
  | 'open'
  | 'closed'
  | 'unanswered';

export interface Exchange {
  /** Unique within the log: conversation, who asked, the id (and a count if an id is reused). */
  key: string;
  conversation: string;
  /** Who asked: 'c2s' a client's request, 's2c' a server's request to the client (2025 era). */
  direction: Direction;
  method: string;
  /** The tool, prompt or resource the request names (tools/call, prompts/get, resources/*). */
  name?: string;
  id: JsonRpcId;
  era?: Era;
  request: ExchangeFrame;
  answer?: ExchangeFrame;
  /** Progress, log messages, cancellations and stream notifications that belong to it, in order. */
  notifications: ExchangeFrame[];
  /** Keys of the server's requests made while this one was open (2025 era). */
  children: string[];
  /** For a server's request: the client request it was made during, as far as the wire shows. */
  parent?: string;
  outcome: Outcome;
  /** For an error answer (real or made by the proxy). */
  error?: { code: number; message: string };
  /** See `latencyOf`. */
  latencyMs?: number;
  /** How long its request and answer waited at breakpoints, in all (not part of the latency). */
  heldMs?: number;
  /** The hold it waits in now: its request's or its answer's. */
  held?: { pauseId: number; part: 'request' | 'answer' };
  /** Its requester cancelled it (`notifications/cancelled`), and why. */
  cancel?: { reason?: string };
  /**
   * What the requester got instead of `answer`, when the proxy blocked, dropped or mocked the
   * answer on its way back (the answer is then what the other side sent, never delivered).
   */
  delivered?: ExchangeFrame;
  /** Bytes of the request and its answer. */
  bytes: number;
  /**
   * Marks a person or the proxy left on it: 'modified' (a rule or person changed the request or
   * answer), 'held' (waiting at a breakpoint now), 'paused' (it waited at one), 'pause-timeout',
   * 'delayed', 'synthesized' (the answer is the proxy's), 'resent' (a console sent it again
   * through the proxy; its answer went to the console, not the client), 'cancelled', ...
   */
  marks: string[];
  /** The multi round-trip call this request is a round of (2026 era). */
  call?: CallRound;
  /** For `subscriptions/listen`: the stream it opened. */
  stream?: ListenStream;
}

export interface CallRound {
  /** The key of the call's first round: the same for every round of one logical call. */
  callKey: string;
  /** 1 for the first request, 2 for the first retry, ... */
  round: number;
  previous?: string;
  next?: string;
}

export interface ListenStream {
  subscriptionId: JsonRpcId;
  acknowledged?: ExchangeFrame;
  /** Notifications delivered on the stream (the acknowledgement not counted). */
  delivered: number;
}

export type LogItem = { type: 'exchange'; seq: number; exchange: Exchange } | { type: 'event'; seq: number; frame: ExchangeFrame };

/** What one frame changed: the item it created or joined. */
export interface ExchangeUpdate {
  item: LogItem;
  created: boolean;
}

const opposite = (direction: Direction): Direction => (direction === 'c2s' ? 's2c' : 'c2s');


export interface ExchangeLogOptions {
  /** Keep at most this many items; the oldest fall off (live views). Default: no limit. */
  capacity?: number;
}

/** Where a held frame sits, so the frame that ends its hold can take its place. */
interface Hold {
  frame: ExchangeFrame;
  item: LogItem;
}

/**
 * Frames in, exchanges out. Frames must come in wire order. Items keep the order of their first
 * frame, so a list drawn from `items()` is the order things happened on the wire; a message held
 * at a breakpoint is placed where it arrived (a `held` frame) and the frame that ends the hold
 * takes its place there.
 *
 * For live views: `freeze()` holds the list still (new frames are still taken in, and exchanges
 * already listed still get their answers), `pin()` keeps one item (the one a person has selected)
 * from falling off when a capacity is set, and `clear()` forgets what is finished.
 */
export class ExchangeLog {
  private list: LogItem[] = [];
  private head = 0;
  private readonly byKey = new Map<string, Exchange>();
  /** Requests still owed an answer: conversation + direction + id -> key. */
  private readonly open = new Map<string, string>();
  /** Progress tokens of open requests: conversation + token -> key. */
  private readonly tokens = new Map<string, string>();
  /** Listen streams by subscription id: conversation + id -> key (kept after the stream ends). */
  private readonly streams = new Map<string, string>();
  /** Rounds that ended input_required and were not retried yet, newest last. */
  private awaitingRetry: string[] = [];
  private readonly reused = new Map<string, number>();
  /** Each exchange's item, so a late frame (an answer, a notification) finds it at once. */
  private readonly itemsByKey = new Map<string, LogItem>();
  /** Held frames by pause id, until the frame that ends the hold arrives. */
  private readonly holds = new Map<number, Hold>();
  /** Every item still in the log (an evicted one is gone from here, so a view can tell). */
  private readonly live = new Set<LogItem>();
  private frozen: LogItem[] | undefined;
  private createdSinceFreeze = 0;
  private pinned: LogItem | undefined;

  constructor(private readonly options: ExchangeLogOptions = {}) {}

  /** Items in wire order (the oldest may have fallen off when a capacity is set); while frozen, the list as it was. */
  items(): LogItem[] {
    if (this.frozen) return this.frozen;
    return this.head === 0 ? this.list : this.list.slice(this.head);
  }

  exchanges(): Exchange[] {
    const out: Exchange[] = [];
    for (const item of this.items()) if (item.type === 'exchange') out.push(item.exchange);
    return out;
  }

  get size(): number {
    return this.list.length - this.head;
  }

  get(key: string): Exchange | undefined {
    return this.byKey.get(key);
  }

  /** Whether the item is still in the log (not fallen off, not cleared). */
  has(item: LogItem): boolean {
    return this.live.has(item);
  }

  /** Every round of the logical call `exchange` belongs to, first to last (just it, when it is no MRTR call). */
  rounds(exchange: Exchange): Exchange[] {
    if (!exchange.call) return [exchange];
    const out: Exchange[] = [];
    for (let e: Exchange | undefined = this.byKey.get(exchange.call.callKey); e; e = e.call?.next ? this.byKey.get(e.call.next) : undefined) out.push(e);
    return out;
  }

  /** Holds the list still: `items()` keeps returning what it held now until `thaw()`. */
  freeze(): void {
    if (this.frozen) return;
    this.frozen = this.items().slice();
    this.createdSinceFreeze = 0;
  }

  thaw(): void {
    this.frozen = undefined;
    this.createdSinceFreeze = 0;
  }

  get isFrozen(): boolean {
    return this.frozen !== undefined;
  }

  /** Items that arrived since `freeze()` and are not shown yet. */
  get waiting(): number {
    return this.createdSinceFreeze;
  }

  /** Keeps this item from falling off when the log is full (one at a time; undefined unpins). */
  pin(item: LogItem | undefined): void {
    this.pinned = item;
  }

  /**
   * Forgets every finished item: events, and exchanges that have their answer or were closed.
   * What is still open (a request waiting for its answer, a held message, a listen stream) stays,
   * so what arrives for it later still finds it.
   */
  clear(): void {
    const kept: LogItem[] = [];
    for (let i = this.head; i < this.list.length; i++) {
      const item = this.list[i]!;
      if (item.type === 'exchange' && isOpen(item.exchange)) kept.push(item);
      else this.forget(item);
    }
    this.list = kept;
    this.head = 0;
    if (this.frozen) this.frozen = this.frozen.filter((item) => this.live.has(item));
  }

  add(frame: ExchangeFrame): ExchangeUpdate {
    if (frame.pauseId !== undefined && !frame.held) {
      const released = this.release(frame);
      if (released) return released;
    }
    const { kind } = frame;
    let update: ExchangeUpdate | undefined;
    if (kind === 'request') update = this.request(frame);
    else if (kind === 'response' || kind === 'error') update = this.answer(frame);
    else if (kind === 'notification') update = this.notification(frame);
    update ??= this.event(frame);
    if (frame.held && frame.pauseId !== undefined) this.holds.set(frame.pauseId, { frame, item: update.item });
    return update;
  }

  /** The end of the source (a tape fully read): what was still owed an answer never got one. */
  finish(): void {
    for (const key of this.open.values()) {
      const exchange = this.byKey.get(key);
      if (!exchange) continue;
      if (exchange.outcome === 'pending') exchange.outcome = 'unanswered';
      else if (exchange.outcome === 'open') exchange.outcome = 'closed';
    }
    this.open.clear();
    this.tokens.clear();
  }

  private request(frame: ExchangeFrame): ExchangeUpdate | undefined {
    if (frame.id === undefined || typeof frame.method !== 'string') return undefined;
    const openKey = `${frame.conversation}\u0000${frame.direction}\u0000${idKey(frame.id)}`;
    let key = openKey;
    const count = this.reused.get(openKey) ?? 0;
    if (count > 0 || this.byKey.has(key)) key = `${openKey}\u0000${count + 1}`;
    this.reused.set(openKey, count + 1);
    const message = frame.message;
    const params = isObject(message) && isObject(message.params) ? message.params : undefined;
    const exchange: Exchange = {
      key,
      conversation: frame.conversation,
      direction: frame.direction,
      method: frame.method,
      id: frame.id,
      request: frame,
      notifications: [],
      children: [],
      outcome: 'pending',
      bytes: frame.bytes,
      marks: marksOf(frame),
    };
    const name = nameOf(frame.method, params);
    if (name !== undefined) exchange.name = name;
    const era = requestEra(message);
    if (era) exchange.era = era;
    this.byKey.set(key, exchange);
    this.open.set(openKey, key);

    const token = params && isObject(params._meta) ? params._meta.progressToken : undefined;
    if (typeof token === 'string' || typeof token === 'number') this.tokens.set(`${frame.conversation}\u0000${idKey(token)}`, key);

    if (frame.direction === 's2c') {
      const parent = this.parentFor(frame);
      if (parent) {
        exchange.parent = parent.key;
        parent.children.push(key);
      }
    } else if (frame.method === 'subscriptions/listen') {
      exchange.stream = { subscriptionId: frame.id, delivered: 0 };
      exchange.outcome = 'open';
      this.streams.set(`${frame.conversation}\u0000${idKey(frame.id)}`, key);
    } else if (params && ('requestState' in params || 'inputResponses' in params)) {
      this.linkRetry(exchange, params);
    }
    // The proxy answered it itself (a rule or a person blocked or mocked it): say so now, the
    // answer that follows confirms it.
    const decided = decidedOutcome(frame);
    if (decided) exchange.outcome = decided;
    if (frame.held && frame.pauseId !== undefined) {
      exchange.held = { pauseId: frame.pauseId, part: 'request' };
      exchange.outcome = 'held';
    }
    return this.push({ type: 'exchange', seq: frame.seq, exchange });
  }

  /**
   * The frame that ends a hold takes the held frame's place: the request or answer is now what
   * was sent on (or dropped, or answered by a mock), where it arrived.
   */
  private release(frame: ExchangeFrame): ExchangeUpdate | undefined {
    const hold = this.holds.get(frame.pauseId!);
    if (!hold) return undefined;
    this.holds.delete(frame.pauseId!);
    const waited = frame.time - hold.frame.time;
    const { item } = hold;
    if (item.type === 'event') {
      item.frame = frame;
      return { item, created: false };
    }
    const exchange = item.exchange;
    if (Number.isFinite(waited) && waited > 0) exchange.heldMs = (exchange.heldMs ?? 0) + waited;
    if (exchange.held?.pauseId === frame.pauseId) delete exchange.held;
    exchange.marks = exchange.marks.filter((mark) => mark !== 'held');
    for (const mark of marksOf(frame)) if (!exchange.marks.includes(mark)) exchange.marks.push(mark);
    exchange.bytes += frame.bytes - hold.frame.bytes;
    if (exchange.request === hold.frame) {
      exchange.request = frame;
      // A person may have edited the request (another tool, other arguments): it is what was sent now.
      if (typeof frame.method === 'string') exchange.method = frame.method;
      const name = nameOf(exchange.method, isObject(frame.message) ? frame.message.params : undefined);
      if (name !== undefined) exchange.name = name;
      if (exchange.outcome === 'held') exchange.outcome = decidedOutcome(frame) ?? (exchange.stream ? 'open' : 'pending');
    } else if (exchange.answer === hold.frame) {
      exchange.answer = frame;
      this.settle(exchange, frame);
    } else {
      const at = exchange.notifications.indexOf(hold.frame);
      if (at !== -1) exchange.notifications[at] = frame;
    }
    return { item, created: false };
  }

  /** The client request a server's request (2025 era) was made during: the one its stream names, else the newest open one. */
  private parentFor(frame: ExchangeFrame): Exchange | undefined {
    if (frame.relatedId !== undefined) {
      const key = this.open.get(`${frame.conversation}\u0000c2s\u0000${idKey(frame.relatedId)}`);
      if (key) return this.byKey.get(key);
    }
    let newest: Exchange | undefined;
    for (const key of this.open.values()) {
      const candidate = this.byKey.get(key);
      if (!candidate || candidate.conversation !== frame.conversation || candidate.direction !== 'c2s' || candidate.stream) continue;
      if (!newest || candidate.request.seq > newest.request.seq) newest = candidate;
    }
    return newest;
  }

  /**
   * A retry of a multi round-trip call: the round it continues is the one whose result handed out
   * this `requestState` (exact, in any conversation: the state is the server's own token), else
   * the newest unanswered round of the same method and name in this conversation whose input
   * requests the retry answers.
   */
  private linkRetry(exchange: Exchange, params: JsonObject): void {
    const state = params.requestState;
    const answered = isObject(params.inputResponses) ? Object.keys(params.inputResponses) : [];
    let found: Exchange | undefined;
    for (let i = this.awaitingRetry.length - 1; i >= 0 && !found; i--) {
      const candidate = this.byKey.get(this.awaitingRetry[i]!);
      if (!candidate || candidate.method !== exchange.method || candidate.name !== exchange.name) continue;
      const result = resultOf(candidate.answer);
      if (typeof state === 'string' && typeof result?.requestState === 'string') {
        if (result.requestState === state) found = candidate;
        continue;
      }
      if (candidate.conversation !== exchange.conversation) continue;
      const asked = isObject(result?.inputRequests) ? Object.keys(result.inputRequests) : [];
      if (answered.every((k) => asked.includes(k))) found = candidate;
    }
    if (!found) return;
    this.awaitingRetry = this.awaitingRetry.filter((k) => k !== found.key);
    const first = found.call ?? { callKey: found.key, round: 1 };
    found.call = { ...first, next: exchange.key };
    exchange.call = { callKey: first.callKey, round: first.round + 1, previous: found.key };
  }

  private answer(frame: ExchangeFrame): ExchangeUpdate | undefined {
    if (frame.id === undefined || frame.id === null) return undefined;
    const openKey = `${frame.conversation}\u0000${opposite(frame.direction)}\u0000${idKey(frame.id)}`;
    const key = this.open.get(openKey);
    const exchange = key ? this.byKey.get(key) : undefined;
    if (!exchange) return undefined;
    if (exchange.answer) {
      // The proxy blocked, dropped or mocked the answer on its way back: what it sent instead.
      if (exchange.delivered || !frame.flags.includes('synthesized') || !undelivered(exchange.answer)) return undefined;
      exchange.delivered = frame;
      exchange.bytes += frame.bytes;
      this.settle(exchange, frame);
      return { item: this.itemOf(exchange), created: false };
    }
    exchange.answer = frame;
    exchange.bytes += frame.bytes;
    for (const mark of marksOf(frame)) if (!exchange.marks.includes(mark)) exchange.marks.push(mark);
    if (frame.held && frame.pauseId !== undefined) {
      // Held on its way back: the request stays open until the hold ends.
      exchange.held = { pauseId: frame.pauseId, part: 'answer' };
      exchange.outcome = 'held';
      return { item: this.itemOf(exchange), created: false };
    }
    // An answer the requester never got (blocked or mocked on its way back) is followed by what
    // it got instead, so the request stays open for that (settle decides).
    this.settle(exchange, frame);
    return { item: this.itemOf(exchange), created: false };
  }

  /** Latency, error and outcome once an answer is final. */
  private settle(exchange: Exchange, frame: ExchangeFrame): void {
    const answer = exchange.answer!;
    const latency = latencyOf(exchange.request, answer);
    if (latency !== undefined) exchange.latencyMs = latency;
    const shown = exchange.delivered ?? frame;
    const message = shown.message;
    if (shown.kind === 'error' && isObject(message) && isObject(message.error)) {
      exchange.error = { code: typeof message.error.code === 'number' ? message.error.code : 0, message: String(message.error.message ?? '') };
    }
    if (frame !== answer || !undelivered(frame)) {
      const openKey = openKeyOf(exchange);
      if (this.open.get(openKey) === exchange.key) this.open.delete(openKey);
      this.forgetToken(exchange);
    }
    if (!exchange.marks.includes('synthesized') && shown.flags.includes('synthesized')) exchange.marks.push('synthesized');
    exchange.outcome = this.outcomeOf(exchange, shown);
    if (exchange.outcome === 'input-required') this.awaitingRetry.push(exchange.key);
  }

  private outcomeOf(exchange: Exchange, answer: ExchangeFrame): Outcome {
    const decided = decidedOutcome(exchange.request) ?? decidedOutcome(exchange.answer!) ?? decidedOutcome(answer);
    if (exchange.outcome === 'cancelled') return 'cancelled';
    if (decided === 'dropped' || decided === 'blocked') return exchange.error?.code === ErrorCode.Dropped || exchange.error?.code === ModernProxyErrorCode.Dropped ? 'dropped' : decided;
    if (decided === 'mocked') return 'mocked';
    if (answer.kind === 'error') return 'error';
    if (exchange.stream) return 'closed';
    const message = answer.message;
    if (resultTypeOf(message) === 'input_required') return 'input-required';
    if (isObject(message) && isObject(message.result) && message.result.isError === true) return 'tool-error';
    return 'ok';
  }

  private notification(frame: ExchangeFrame): ExchangeUpdate | undefined {
    const message = frame.message;
    const params = isObject(message) && isObject(message.params) ? message.params : undefined;
    let owner: Exchange | undefined;
    if (frame.method === 'notifications/cancelled' && params && params.requestId !== undefined) {
      const requestId = params.requestId as JsonRpcId;
      const key = this.open.get(`${frame.conversation}\u0000${frame.direction}\u0000${idKey(requestId)}`);
      owner = key ? this.byKey.get(key) : undefined;
      if (owner) {
        owner.outcome = owner.stream ? 'closed' : 'cancelled';
        owner.cancel = typeof params.reason === 'string' ? { reason: params.reason } : {};
        if (!owner.marks.includes('cancelled')) owner.marks.push('cancelled');
      }
    } else if (frame.direction === 's2c') {
      owner = this.ownerOf(frame, params);
    }
    if (!owner) return undefined;
    owner.notifications.push(frame);
    owner.bytes += frame.bytes;
    return { item: this.itemOf(owner), created: false };
  }

  /** The exchange a server notification belongs to: its stream, its progress token, or its listen subscription. */
  private ownerOf(frame: ExchangeFrame, params: JsonObject | undefined): Exchange | undefined {
    const subscription = subscriptionIdOf(frame.message);
    if (subscription !== undefined && subscription !== null && typeof subscription !== 'object' && typeof subscription !== 'boolean') {
      const stream = this.byKey.get(this.streams.get(`${frame.conversation}\u0000${idKey(subscription)}`) ?? '');
      if (stream?.stream) {
        if (frame.method === 'notifications/subscriptions/acknowledged' && !stream.stream.acknowledged) stream.stream.acknowledged = frame;
        else stream.stream.delivered++;
        return stream;
      }
    }
    if (frame.method === 'notifications/subscriptions/acknowledged') {
      // An acknowledgement without its subscription id: the newest listen stream not yet acknowledged.
      const stream = this.newestOpen(frame.conversation, (e) => !!e.stream && !e.stream.acknowledged);
      if (stream?.stream) {
        stream.stream.acknowledged = frame;
        return stream;
      }
    }
    if (frame.relatedId !== undefined) {
      const key = this.open.get(`${frame.conversation}\u0000c2s\u0000${idKey(frame.relatedId)}`);
      if (key) return this.byKey.get(key);
    }
    const token = params?.progressToken;
    if (frame.method === 'notifications/progress' && (typeof token === 'string' || typeof token === 'number')) {
      return this.byKey.get(this.tokens.get(`${frame.conversation}\u0000${idKey(token)}`) ?? '');
    }
    if (frame.method === 'notifications/message') {
      // A modern server logs only for requests that asked (a log level in their `_meta`): when
      // exactly one open request asked, the message is its.
      let asked: Exchange | undefined;
      for (const key of this.open.values()) {
        const candidate = this.byKey.get(key);
        if (!candidate || candidate.conversation !== frame.conversation || candidate.direction !== 'c2s') continue;
        const meta = isObject(candidate.request.message) && isObject(candidate.request.message.params) ? candidate.request.message.params._meta : undefined;
        if (!isObject(meta) || meta[META.logLevel] === undefined) continue;
        if (asked) return undefined;
        asked = candidate;
      }
      return asked;
    }
    return undefined;
  }

  private newestOpen(conversation: string, test: (exchange: Exchange) => boolean): Exchange | undefined {
    let newest: Exchange | undefined;
    for (const key of this.open.values()) {
      const candidate = this.byKey.get(key);
      if (!candidate || candidate.conversation !== conversation || !test(candidate)) continue;
      if (!newest || candidate.request.seq > newest.request.seq) newest = candidate;
    }
    return newest;
  }

  private forgetToken(exchange: Exchange): void {
    const message = exchange.request.message;
    const meta = isObject(message) && isObject(message.params) && isObject(message.params._meta) ? message.params._meta : undefined;
    const token = meta?.progressToken;
    if (typeof token === 'string' || typeof token === 'number') {
      const tokenKey = `${exchange.conversation}\u0000${idKey(token)}`;
      if (this.tokens.get(tokenKey) === exchange.key) this.tokens.delete(tokenKey);
    }
  }

  private event(frame: ExchangeFrame): ExchangeUpdate {
    return this.push({ type: 'event', seq: frame.seq, frame });
  }

  private itemOf(exchange: Exchange): LogItem {
    return this.itemsByKey.get(exchange.key) ?? { type: 'exchange', seq: exchange.request.seq, exchange };
  }

  private push(item: LogItem): ExchangeUpdate {
    this.list.push(item);
    this.live.add(item);
    if (this.frozen) this.createdSinceFreeze++;
    if (item.type === 'exchange') this.itemsByKey.set(item.exchange.key, item);
    const capacity = this.options.capacity;
    if (capacity !== undefined && this.size > capacity) this.evict(this.size - capacity);
    return { item, created: true };
  }

  /** Drops the oldest items (and what indexes them), never the pinned one; the backing array is compacted now and then. */
  private evict(count: number): void {
    for (let i = 0; i < count; i++) {
      if (this.list[this.head] === this.pinned) {
        // The pinned item stays first: the one after it goes in its place.
        if (this.head + 1 >= this.list.length) return;
        this.list[this.head] = this.list[this.head + 1]!;
        this.list[this.head + 1] = this.pinned!;
      }
      this.forget(this.list[this.head++]!);
    }
    if (this.head > 1024 && this.head * 2 > this.list.length) {
      this.list.splice(0, this.head);
      this.head = 0;
    }
  }

  private forget(item: LogItem): void {
    this.live.delete(item);
    if (item === this.pinned) this.pinned = undefined;
    if (item.type !== 'exchange') {
      if (item.frame.pauseId !== undefined) this.holds.delete(item.frame.pauseId);
      return;
    }
    const exchange = item.exchange;
    this.byKey.delete(exchange.key);
    this.itemsByKey.delete(exchange.key);
    const openKey = openKeyOf(exchange);
    if (this.open.get(openKey) === exchange.key) this.open.delete(openKey);
    this.forgetToken(exchange);
    this.awaitingRetry = this.awaitingRetry.filter((k) => k !== exchange.key);
    if (exchange.held) this.holds.delete(exchange.held.pauseId);
  }
}

/** What the requester got: the answer, or what the proxy sent in its place when it stopped or mocked it. */
export function answerReceived(exchange: Exchange): ExchangeFrame | undefined {
  return exchange.delivered ?? exchange.answer;
}

/** The answer the other side sent that the proxy stopped or replaced (the requester got `delivered`). */
export function answerStopped(exchange: Exchange): ExchangeFrame | undefined {
  return exchange.delivered ? exchange.answer : undefined;
}

/** Groups frames (in wire order) into exchanges and events, the whole source at once. */
export function buildExchanges(frames: Iterable<ExchangeFrame>): ExchangeLog {
  const log = new ExchangeLog();
  for (const frame of frames) log.add(frame);
  log.finish();
  return log;
}

/**
 * An exchange's latency, defined once for every view: from the moment its request left the proxy
 * to the moment its answer reached it (the proxy's own `latencyMs`, which leaves out a hold at a
 * breakpoint before the request was sent); for an answer the proxy made itself, or a source that
 * does not measure, the time between the two frames.
 */
export function latencyOf(request: ExchangeFrame, answer: ExchangeFrame): number | undefined {
  if (answer.latencyMs !== undefined) return answer.latencyMs;
  const gap = answer.time - request.time;
  return Number.isFinite(gap) && gap >= 0 ? gap : undefined;
}

/** The tool, prompt or resource a request names: what `Mcp-Name` carries in the modern era. */
export function nameOf(method: string, params: unknown): string | undefined {
  if (!isObject(params)) return undefined;
  if (method === 'tools/call' || method === 'prompts/get') return typeof params.name === 'string' ? params.name : undefined;
  if (method.startsWith('resources/')) return typeof params.uri === 'string' ? params.uri : undefined;
  return undefined;
}

function resultOf(frame: ExchangeFrame | undefined): JsonObject | undefined {
  const message = frame?.message;
  return isObject(message) && isObject(message.result) ? message.result : undefined;
}

/** What the proxy decided instead of forwarding, from a frame's action trail. */
function decidedOutcome(frame: ExchangeFrame): Outcome | undefined {
  const steps = frame.action.split('>');
  const last = steps[steps.length - 1];
  if (last === 'block') return steps.includes('pause') ? 'dropped' : 'blocked';
  if (last === 'mock') return 'mocked';
  return undefined;
}

function marksOf(frame: ExchangeFrame): string[] {
  const marks: string[] = [];
  const steps = frame.action.split('>');
  if (frame.held) marks.push('held');
  if (steps.includes('modify')) marks.push('modified');
  if (steps.includes('pause') && !frame.held) marks.push('paused');
  if (steps.includes('delay')) marks.push('delayed');
  if (frame.flags.includes('pause-timeout')) marks.push('pause-timeout');
  if (frame.flags.includes('synthesized')) marks.push('synthesized');
  if (frame.flags.includes('resent')) marks.push('resent');
  return marks;
}

/** An answer the other side sent that the proxy did not pass on: blocked, dropped, or replaced by a mock. */
export function undelivered(frame: ExchangeFrame): boolean {
  if (frame.flags.includes('synthesized')) return false;
  const last = frame.action.slice(frame.action.lastIndexOf('>') + 1);
  return last === 'block' || last === 'mock';
}

/** Still waiting for something: its answer, the end of a hold, or (a listen stream) the end of the stream. */
function isOpen(exchange: Exchange): boolean {
  return exchange.held !== undefined || exchange.outcome === 'pending' || exchange.outcome === 'open';
}

const openKeyOf = (exchange: Exchange) => `${exchange.conversation}\u0000${exchange.direction}\u0000${idKey(exchange.id)}`;
