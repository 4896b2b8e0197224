/**
 * A proxy's control channel as one thing to open and close: the hub observing the chain, the
 * WebSocket server on loopback, and the state file that lets `mcp-tap attach` and
 * `mcp-tap proxies` find it. Opening never fails the proxy: without a channel it still proxies.
 */
import type { InterceptorChain } from '../core/chain.js';
import type { JsonRpcId } from '../core/jsonrpc.js';
import type { Logger } from '../core/log.js';
import type { BreakpointInterceptor } from '../interceptors/breakpoints.js';
import type { SessionManager } from '../session/manager.js';
import { ControlHub } from './hub.js';
import { CONTROL_PROTOCOL_VERSION, type ControlLink, type ProxyStateFile } from './protocol.js';
import { startControlServer, type ControlServer } from './server.js';
import { newProxyId, stateDir, writeStateFile, type StateFileHandle } from './state.js';

export interface ControlOptions {
  /** What the proxy does, for the picker: "record server-everything", "replay demo". */
  title: string;
  tape?: string;
  upstream?: string;
  rulesFile?: string;
  /**
   * Serve the WebSocket and write the state file (default true). Without it only in-process
   * links (`link()`) reach the hub.
   */
  listen?: boolean;
  /** Where the state file goes (default: stateDir(), which honours MCP_TAP_STATE_DIR). */
  stateDir?: string;
  /** Frames a late attach is shown (default 1000). */
  historySize?: number;
  /**
   * Called with the channel as soon as the proxy has it, before any message flows: how a UI in
   * the same process (`--tui`) gets its `link()`.
   */
  onOpen?: (channel: ControlChannel) => void;
}

export interface ControlChannel {
  readonly hub: ControlHub;
  /** The state file's contents once the server listens; undefined when it does not (listen: false, or it failed). */
  readonly ready: Promise<ProxyStateFile | undefined>;
  /** A connection to this proxy's hub from the same process (for an in-process UI). */
  link(): ControlLink;
  /** Adds what is only known once the proxy serves (where clients reach it) to what hello says of it. */
  annotate(extra: Pick<ProxyStateFile, 'listen'>): void;
  /** Closes the viewers' connections and removes the state file. Safe to call twice. */
  close(): Promise<void>;
}

export interface ControlParts {
  chain: InterceptorChain;
  sessions: SessionManager;
  breakpoints: BreakpointInterceptor;
  logger: Logger;
  /** Sends a request on a conversation for a console (the pipeline's `send`). */
  send?: (sessionId: string, message: unknown) => JsonRpcId;
}

export function openControlChannel(parts: ControlParts, options: ControlOptions): ControlChannel {
  const { chain, sessions, breakpoints, logger, send } = parts;
  const dir = options.stateDir ?? stateDir();
  const info: Omit<ProxyStateFile, 'token'> = {
    id: '',
    pid: process.pid,
    url: '',
    title: options.title,
    startedAt: Date.now(),
    cwd: process.cwd(),
    protocolVersion: CONTROL_PROTOCOL_VERSION,
  };
  if (options.tape !== undefined) info.tape = options.tape;
  if (options.upstream !== undefined) info.upstream = options.upstream;
  if (options.rulesFile !== undefined) info.rulesFile = options.rulesFile;
  const hub = new ControlHub({ pauses: chain.pauses, sessions, breakpoints, send, describe: () => ({ ...info }), historySize: options.historySize });
  chain.register(hub);

  let server: ControlServer | undefined;
  let stateFile: StateFileHandle | undefined;
  const ready: Promise<ProxyStateFile | undefined> =
    options.listen === false
      ? Promise.resolve(undefined)
      : (async () => {
          try {
            server = await startControlServer(hub);
            info.id = newProxyId(dir);
            info.url = server.url;
            stateFile = writeStateFile({ ...info, token: server.token }, dir);
            logger.debug(`control channel on ${server.url} (state in ${stateFile.file}); attach with: mcp-tap attach ${info.id}`);
            return stateFile.state;
          } catch (error) {
            logger.warn(`the control channel is not available (mcp-tap attach will not find this proxy): ${(error as Error).message}`);
            await server?.close();
            server = undefined;
            return undefined;
          }
        })();

  let closing: Promise<void> | undefined;
  const channel: ControlChannel = {
    hub,
    ready,
    link: () => hub.link(),
    annotate: (extra) => {
      if (extra.listen !== undefined) info.listen = extra.listen;
    },
    close: () =>
      (closing ??= (async () => {
        await ready;
        // The file goes first: nobody should try to attach to a proxy that is on its way out.
        stateFile?.remove();
        await server?.close();
        hub.shutdown();
        chain.unregister(hub.name);
      })()),
  };
  options.onOpen?.(channel);
  return channel;
}
