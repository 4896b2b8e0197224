/**
 * One page's WebSocket, as the console's server sees it: the commands only the server answers
 * (proxies, watch, tapes, rules) are run here; every other message is the control protocol,
 * passed as it is to the watched proxy, whose messages come back the same way. Where the proxy is
 * (this process, or another one reached over its control channel) is the backend's business.
 */
import { isObject } from '../core/jsonrpc.js';
import type { Logger } from '../core/log.js';
import type { ServerMessage } from '../control/protocol.js';
import { runWebCommand, WebCommandError } from './commands.js';
import { WEB_COMMANDS, type ProxyInfo, type WebCommand, type WebMessage } from './protocol.js';

/** The page, as a backend writes to it. */
export interface PagePeer {
  send(text: string): void;
  /** Bytes handed to send() and not yet written out (the socket's bufferedAmount). */
  unsent(): number;
}

/** A proxy being watched for one page. */
export interface Watching {
  /** One control command's text, as the page sent it. */
  send(text: string): void;
  close(): void;
  readonly proxy: ProxyInfo;
}

export interface ConsoleBackend {
  readonly mode: 'proxy' | 'web';
  /** The tape store the tapes view reads (resolved). */
  readonly store: string;
  /** A rules file that wins over the watched proxy's own (mcp-tap web --rules). */
  readonly rulesFile?: string;
  proxies(): ProxyInfo[];
  /**
   * Starts sending the proxy's messages (its hello first) to `page`; `ended` is called when the
   * proxy's channel closes by itself. Throws WebCommandError when the proxy cannot be watched.
   */
  watch(proxyId: string, page: PagePeer, ended: (reason: string) => void): Promise<Watching>;
  /** Calls `listener` whenever the running proxies change; returns how to stop. */
  onProxies?(listener: (proxies: ProxyInfo[]) => void): () => void;
  close?(): void;
}

export class PageSession {
  private watching: Watching | undefined;
  private readonly stopProxies: () => void;
  private closed = false;

  constructor(
    private readonly backend: ConsoleBackend,
    private readonly page: PagePeer,
    private readonly logger?: Logger,
  ) {
    this.post({ type: 'console', mode: backend.mode, proxies: backend.proxies(), store: backend.store });
    this.stopProxies = backend.onProxies?.((proxies) => this.post({ type: 'proxies', proxies })) ?? (() => {});
  }

  private post(message: WebMessage | ServerMessage): void {
    if (this.closed) return;
    try {
      this.page.send(JSON.stringify(message));
    } catch {
      // A page that cannot take a message is going away; its close ends the session.
    }
  }

  private reply(ref: number, outcome: { ok: true; data?: unknown } | { ok: false; error: string }): void {
    this.post(outcome.ok ? { type: 'result', ref, ok: true, data: outcome.data } : { type: 'result', ref, ok: false, error: outcome.error });
  }

  receive(text: string): void {
    let command: unknown;
    try {
      command = JSON.parse(text);
    } catch {
      return this.reply(0, { ok: false, error: 'a command must be JSON' });
    }
    if (!isObject(command) || typeof command.cmd !== 'string') return this.reply(0, { ok: false, error: 'a command needs "cmd" and "ref"' });
    const ref = typeof command.ref === 'number' ? command.ref : 0;
    if (WEB_COMMANDS.has(command.cmd)) {
      void this.local(ref, command as unknown as WebCommand);
      return;
    }
    if (!this.watching) return this.reply(ref, { ok: false, error: 'no proxy is watched: pick one first' });
    this.watching.send(text);
  }

  private async local(ref: number, command: WebCommand): Promise<void> {
    try {
      this.reply(ref, { ok: true, data: await this.run(command) });
    } catch (error) {
      if (!(error instanceof WebCommandError)) this.logger?.warn(`web console: ${command.cmd} failed: ${(error as Error).message}`);
      this.reply(ref, { ok: false, error: error instanceof WebCommandError ? error.message : `${command.cmd} failed: ${(error as Error).message}` });
    }
  }

  private async run(command: WebCommand): Promise<unknown> {
    switch (command.cmd) {
      case 'proxies':
        return this.backend.proxies();
      case 'watch': {
        this.watching?.close();
        this.watching = undefined;
        const proxyId = String(command.proxyId ?? '');
        const watching = await this.backend.watch(proxyId, this.page, (reason) => {
          if (this.watching !== watching) return;
          this.watching = undefined;
          this.post({ type: 'unwatched', proxyId, reason });
        });
        if (this.closed) {
          watching.close();
          return undefined;
        }
        this.watching = watching;
        return { proxy: watching.proxy };
      }
      default:
        return runWebCommand(command, { store: this.backend.store, rulesFile: this.backend.rulesFile, proxy: () => this.watching?.proxy });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopProxies();
    this.watching?.close();
    this.watching = undefined;
  }
}
