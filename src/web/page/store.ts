/**
 * What the page knows: the watched proxy's exchanges (the shared model, fed by the same frames the
 * terminal UI reads), its held messages, breakpoints and sessions, and what the person chose. Held
 * outside React: messages are taken in batches (a busy proxy sends thousands a second) and the
 * components redraw from `version`.
 */
import { ExchangeLog, type LogItem } from '../../core/exchange.js';
import { exchangeFrameOfView, heldFrameOf, helloFrames } from '../../control/exchange-frames.js';
import { ListView, type Row } from '../../control/list-view.js';
import { CONTROL_PROTOCOL_VERSION, type BreakpointView, type PausedView, type ProxyStateFile, type SessionView } from '../../control/protocol.js';
import { compileFilter, FilterSyntaxError, formatFilterSource } from '../../filter/index.js';
import type { WrittenAnswer } from '../../rules/save.js';
import type { ProxyInfo } from '../protocol.js';
import type { PageLink, PageMessage } from './link.js';

/** The page keeps this many exchanges and events; older ones fall off (the selected one never does). */
export const PAGE_CAPACITY = 100_000;
/** Under a burst, the list is redrawn no more often than this. */
const BURST_GAP_MS = 150;
/** A quiet proxy's message, and anything but a frame, shows within this. */
const BATCH_MS = 16;

export interface Status {
  text: string;
  tone: 'info' | 'error';
}

const NO_EXPANSION: ReadonlySet<string> = new Set();

export class ConsoleStore {
  version = 0;
  connected = false;
  closedReason: string | undefined;
  mode: 'proxy' | 'web' | undefined;
  storeFile = '';
  proxies: ProxyInfo[] = [];
  /** The proxy watched (from its hello), and whether its channel is still open. */
  proxy: Omit<ProxyStateFile, 'token'> | undefined;
  watchingId: string | undefined;
  live = false;
  log = new ExchangeLog({ capacity: PAGE_CAPACITY });
  readonly view = new ListView();
  paused: PausedView[] = [];
  breakpoints: BreakpointView[] = [];
  sessions: SessionView[] = [];
  filter = { expression: '', error: undefined as string | undefined };
  selected: LogItem | undefined;
  status: Status | undefined;
  lastAnswer: WrittenAnswer | undefined;
  awaiting: { conversation: string; id: string } | undefined;
  skipped = 0;
  /** Frames a second, over the last few seconds. */
  rate = 0;
  private arrivals: number[] = [];
  private listeners = new Set<() => void>();
  private pending: PageMessage[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private due = 0;
  private lastFlush = 0;

  constructor(readonly link: PageLink) {
    link.onany = (message) => this.take(message);
    link.onclose = (reason) => {
      this.flush();
      this.connected = false;
      this.live = false;
      this.closedReason = reason;
      this.changed();
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): number => this.version;

  changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  say(text: string, tone: Status['tone'] = 'info'): void {
    this.status = { text, tone };
    this.changed();
  }

  rows(): Row[] {
    return this.view.rows(this.log, this.version, NO_EXPANSION);
  }

  private take(message: PageMessage): void {
    this.pending.push(message);
    const now = Date.now();
    const at = message.type === 'frame' ? Math.max(now + BATCH_MS, this.lastFlush + BURST_GAP_MS) : now + BATCH_MS;
    if (this.timer !== undefined && at >= this.due) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(() => this.flush(), at - now);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastFlush = Date.now();
    const messages = this.pending;
    this.pending = [];
    if (messages.length === 0) return;
    for (const message of messages) this.apply(message);
    this.log.pin(this.selected);
    if (this.selected && !this.log.has(this.selected)) this.selected = undefined;
    const now = Date.now();
    this.arrivals = this.arrivals.filter((t) => t > now - 3000);
    this.rate = Math.round(this.arrivals.length / 3);
    this.changed();
  }

  private apply(message: PageMessage): void {
    switch (message.type) {
      case 'console':
        this.connected = true;
        this.mode = message.mode;
        this.storeFile = message.store;
        this.proxies = message.proxies;
        this.watchDefault();
        return;
      case 'proxies':
        this.proxies = message.proxies;
        this.watchDefault();
        return;
      case 'unwatched':
        if (message.proxyId === this.watchingId) {
          this.live = false;
          this.paused = [];
          this.status = { text: `proxy ${message.proxyId} is gone (${message.reason}); what it showed stays here`, tone: 'info' };
          this.watchingId = undefined;
        }
        return;
      case 'hello': {
        if (message.protocolVersion !== CONTROL_PROTOCOL_VERSION) {
          this.status = { text: `proxy ${message.proxy.id} speaks control protocol ${message.protocolVersion}, this console ${CONTROL_PROTOCOL_VERSION}: use the mcp-tap it was started with`, tone: 'error' };
          return;
        }
        const log = new ExchangeLog({ capacity: PAGE_CAPACITY });
        for (const frame of helloFrames(message)) log.add(frame);
        this.log = log;
        this.live = true;
        this.proxy = message.proxy;
        this.breakpoints = message.breakpoints;
        this.paused = message.paused;
        this.sessions = message.sessions;
        this.selected = undefined;
        this.skipped = 0;
        this.reapplyFilter();
        return;
      }
      case 'frame': {
        this.log.add(exchangeFrameOfView(message.frame));
        this.arrivals.push(Date.now());
        const awaiting = this.awaiting;
        if (awaiting && message.frame.id === awaiting.id && message.frame.sessionId === awaiting.conversation) {
          const exchange = this.log.exchanges().findLast((e) => e.conversation === awaiting.conversation && e.id === awaiting.id);
          const item = exchange && this.log.items().find((i) => i.type === 'exchange' && i.exchange === exchange);
          if (item) {
            this.selected = item;
            this.awaiting = undefined;
          }
        }
        return;
      }
      case 'paused': {
        const known = this.paused.findIndex((p) => p.pauseId === message.paused.pauseId);
        if (known !== -1) {
          this.paused = this.paused.map((p, i) => (i === known ? message.paused : p));
          return;
        }
        this.log.add(heldFrameOf(message.paused));
        this.paused = [...this.paused, message.paused];
        return;
      }
      case 'resumed': {
        this.paused = this.paused.filter((p) => p.pauseId !== message.pauseId);
        if (message.cancelled) this.status = { text: `held #${message.pauseId} was cancelled by its sender and dropped (nobody was sent an answer)`, tone: 'info' };
        else if (message.timedOut) this.status = { text: `held #${message.pauseId} timed out and went on`, tone: 'info' };
        return;
      }
      case 'session': {
        const others = this.sessions.filter((s) => s.id !== message.session.id);
        this.sessions = message.event === 'opened' ? [...others, message.session] : others;
        return;
      }
      case 'breakpoints':
        this.breakpoints = message.breakpoints;
        return;
      case 'skipped':
        // The proxy never slows its traffic for a viewer: say that some messages are missing.
        this.skipped += message.frames;
        this.status = { text: `${this.skipped} messages not shown (the page fell behind; the proxy never waits for it)`, tone: 'info' };
        return;
      case 'result':
        return;
    }
  }

  /** With no proxy watched, the first one running (in a proxy's own console, that proxy). */
  private watchDefault(): void {
    if (this.watchingId !== undefined || this.proxies.length === 0) return;
    void this.watch(this.proxies[0]!.id);
  }

  async watch(proxyId: string): Promise<void> {
    this.watchingId = proxyId;
    try {
      await this.link.ask({ cmd: 'watch', proxyId });
    } catch (error) {
      this.watchingId = undefined;
      this.say(`cannot watch ${proxyId}: ${(error as Error).message}`, 'error');
    }
  }

  setFilter(expression: string): boolean {
    const trimmed = expression.trim();
    if (trimmed === '') {
      this.view.setFilter(undefined);
      this.filter = { expression: '', error: undefined };
      this.changed();
      return true;
    }
    try {
      this.view.setFilter(compileFilter(trimmed));
      this.filter = { expression: trimmed, error: undefined };
      this.changed();
      return true;
    } catch (error) {
      if (!(error instanceof FilterSyntaxError)) throw error;
      // A bad expression leaves the list as it was; the error says where it went wrong.
      this.filter = { expression: this.filter.expression, error: `${formatFilterSource(error)}\n${error.message}` };
      this.changed();
      return false;
    }
  }

  private reapplyFilter(): void {
    this.view.setFilter(this.filter.expression ? compileFilter(this.filter.expression) : undefined);
  }

  select(item: LogItem | undefined): void {
    this.selected = item;
    this.log.pin(item);
    this.changed();
  }

  toggleFreeze(): void {
    if (this.log.isFrozen) this.log.thaw();
    else this.log.freeze();
    this.changed();
  }

  clear(): void {
    this.log.clear();
    if (this.selected && !this.log.has(this.selected)) this.selected = undefined;
    this.changed();
  }

  /** Sends a control command; a refusal goes on the status line. Resolves to its data, or undefined when refused. */
  async command(command: Parameters<PageLink['request']>[0], done?: string): Promise<{ data: unknown } | undefined> {
    try {
      const data = await this.link.request(command);
      if (done) this.say(done);
      return { data };
    } catch (error) {
      this.say(`${command.cmd} refused: ${(error as Error).message}`, 'error');
      return undefined;
    }
  }
}
