/**
 * Where a console's proxies are. `proxyBackend`: the proxy this process runs (`record --web`,
 * `replay --web`); a page is one more peer of its control hub, exactly as `mcp-tap attach` is,
 * so the page costs the proxy what attach does. `discoveryBackend`: every proxy of this user, as
 * `mcp-tap proxies` finds them (`mcp-tap web`); a watched proxy is reached over its control
 * channel with the token from its state file, and its messages are relayed to the page as they
 * are. A page that reads slowly pauses the relay, so the proxy sees a slow viewer and skips
 * frames for it, never buffering without bound.
 */
import WebSocket from 'ws';
import type { ControlHub } from '../control/hub.js';
import type { ProxyStateFile } from '../control/protocol.js';
import { listRunningProxies } from '../control/state.js';
import { WebCommandError } from './commands.js';
import type { ProxyInfo } from './protocol.js';
import type { ConsoleBackend, PagePeer, Watching } from './session.js';

/** What may be shown of a state file: everything but the token. */
function withoutToken(state: ProxyStateFile): ProxyInfo {
  const { token: _token, ...rest } = state;
  return rest;
}

export function proxyBackend(hub: ControlHub, store: string, rulesFile?: string): ConsoleBackend {
  return {
    mode: 'proxy',
    store,
    rulesFile,
    proxies: () => [hub.describe()],
    watch: async (_proxyId: string, page: PagePeer): Promise<Watching> => {
      const connection = hub.attach(page);
      return { send: (text) => connection.receive(text), close: () => connection.detach(), proxy: hub.describe() };
    },
  };
}

/** A frame carries a whole MCP message and hello a history of them: allow big ones from our own proxies. */
const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;
/** Past this many bytes unsent to the page, the relay stops reading from the proxy until the page catches up. */
const PAGE_HIGH_WATER = 4 * 1024 * 1024;
const PAGE_LOW_WATER = 1024 * 1024;

export interface DiscoveryOptions {
  stateDir: string;
  store: string;
  rulesFile?: string;
  /** How often the state directory is read for proxies that started or ended. Default 1 s. */
  pollMs?: number;
}

export function discoveryBackend(options: DiscoveryOptions): ConsoleBackend {
  const listeners = new Set<(proxies: ProxyInfo[]) => void>();
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  const list = () => listRunningProxies(options.stateDir).map(withoutToken);
  const poll = () => {
    const proxies = list();
    const now = JSON.stringify(proxies);
    if (now === last) return;
    last = now;
    for (const listener of listeners) listener(proxies);
  };
  return {
    mode: 'web',
    store: options.store,
    rulesFile: options.rulesFile,
    proxies: list,
    onProxies: (listener) => {
      listeners.add(listener);
      if (!timer) {
        last = JSON.stringify(list());
        timer = setInterval(poll, options.pollMs ?? 1000);
        timer.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    watch: (proxyId, page, ended) => relay(options.stateDir, proxyId, page, ended),
    close: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      listeners.clear();
    },
  };
}

function relay(stateDir: string, proxyId: string, page: PagePeer, ended: (reason: string) => void): Promise<Watching> {
  const running = listRunningProxies(stateDir);
  const state = running.find((p) => p.id === proxyId);
  if (!state) {
    return Promise.reject(new WebCommandError(`no running proxy "${proxyId}"${running.length ? `; running: ${running.map((p) => p.id).join(', ')}` : ''}`));
  }
  return new Promise<Watching>((resolve, reject) => {
    const ws = new WebSocket(state.url, { headers: { Authorization: `Bearer ${state.token}` }, handshakeTimeout: 5000, maxPayload: MAX_MESSAGE_BYTES });
    let open = false;
    let closedByUs = false;
    let drain: NodeJS.Timeout | undefined;
    ws.on('unexpected-response', (_request, response) => {
      ws.terminate();
      reject(new WebCommandError(`cannot watch proxy ${proxyId}: its control channel answered HTTP ${response.statusCode ?? 0}`));
    });
    ws.on('error', (error) => {
      if (!open) reject(new WebCommandError(`cannot watch proxy ${proxyId}: ${error.message}`));
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      page.send(data.toString());
      if (drain || page.unsent() <= PAGE_HIGH_WATER) return;
      ws.pause();
      drain = setInterval(() => {
        if (page.unsent() > PAGE_LOW_WATER) return;
        clearInterval(drain);
        drain = undefined;
        ws.resume();
      }, 50);
    });
    ws.on('close', (_code, reason) => {
      if (drain) clearInterval(drain);
      drain = undefined;
      if (open && !closedByUs) ended(reason.toString() || 'the proxy closed its control channel');
    });
    ws.on('open', () => {
      open = true;
      resolve({
        send: (text) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(text);
        },
        close: () => {
          closedByUs = true;
          if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(1000, 'the page left');
        },
        proxy: withoutToken(state),
      });
    });
  });
}
