/**
 * The options every command that serves clients over HTTP shares (`--listen` on record and
 * replay): who may reach the proxy (origins, host names, other machines), and the limits that keep
 * one client, or many, from taking it down. What they turn into for startHttpProxy.
 */
import type { Command } from 'commander';
import type { Logger } from '../core/log.js';
import { isLoopbackListen, type HttpPolicyOptions } from '../interceptors/http-policy.js';
import type { HttpLimits } from '../proxy/http.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, parseListen, type ListenAddress } from '../transports/http/listener.js';
import { DEFAULT_SESSION_BUFFER_BYTES, DEFAULT_TOTAL_BUFFER_BYTES } from '../session/event-tracker.js';
import { collect, UsageError } from './common.js';
import { parseSize } from './record.js';

export interface ListenFlags {
  listen?: string;
  allowHost: string[];
  relayOrigin?: boolean;
  allowRemote?: boolean;
  maxSessions?: string;
  requestTimeout: string;
  sessionBuffer: string;
  totalBuffer: string;
}

const MIB = 1024 * 1024;

export function addListenOptions(command: Command): Command {
  return command
    .option('--allow-host <name>', 'with --listen: a host name clients may address the proxy by, besides its listen address and loopback names (repeatable)', collect, [])
    .option(
      '--relay-origin',
      "with --listen: pass the client's Origin and Host to the server untouched and skip mcp-tap's own checks of them, to test the server's own DNS-rebinding protection through the proxy",
    )
    .option('--allow-remote', 'with --listen on an address other machines can reach (0.0.0.0, a LAN address): do it anyway; mcp-tap has no authentication of its own')
    .option('--max-sessions <n>', 'with --listen: client sessions (and sessionless requests in flight) at once; more get 503 (default: 64 with a server command, one process each; 10000 otherwise)')
    .option('--request-timeout <seconds>', 'with --listen: how long a client may take to send a request, headers and body (streams going out are not limited)', String(DEFAULT_REQUEST_TIMEOUT_MS / 1000))
    .option('--session-buffer <size>', 'with --listen: bytes of SSE events one session keeps for Last-Event-ID resumption', `${DEFAULT_SESSION_BUFFER_BYTES / MIB}MiB`)
    .option('--total-buffer <size>', 'with --listen: the same, for all sessions together (the largest gives up its oldest first)', `${DEFAULT_TOTAL_BUFFER_BYTES / MIB}MiB`);
}

/**
 * The listen address, refused when it reaches other machines without --allow-remote (and warned
 * about with it): the proxy has no authentication, so anyone who can reach the port can use the
 * server behind it.
 */
export function listenAddress(flags: ListenFlags, logger: Logger): ListenAddress {
  let listen: ListenAddress;
  try {
    listen = parseListen(flags.listen!);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!isLoopbackListen(listen.host)) {
    const what = `--listen ${flags.listen} accepts connections from other machines, and mcp-tap has no authentication of its own: anyone who can reach the port can use the server behind it`;
    if (!flags.allowRemote) throw new UsageError(`${what}. Listen on 127.0.0.1 (the default), or add --allow-remote to do it anyway`);
    logger.warn(`${what} (--allow-remote)`);
  }
  if (flags.relayOrigin) logger.warn("--relay-origin: the client's Origin and Host go to the server unchecked; only the server's own DNS-rebinding protection stands between a web page and it");
  return listen;
}

/** The origin and host part of the HTTP policy. */
export function listenPolicy(flags: ListenFlags & { allowOrigin?: string[] }): Pick<HttpPolicyOptions, 'allowedOrigins' | 'allowedHosts' | 'relayOrigin'> {
  return { allowedOrigins: flags.allowOrigin, allowedHosts: flags.allowHost, relayOrigin: flags.relayOrigin ?? false };
}

export function listenLimits(flags: ListenFlags, spawnsProcesses: boolean): HttpLimits {
  const seconds = Number(flags.requestTimeout);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--request-timeout takes a number of seconds, got "${flags.requestTimeout}"`);
  let maxSessions: number | undefined;
  if (flags.maxSessions !== undefined) {
    maxSessions = Number(flags.maxSessions);
    if (!Number.isInteger(maxSessions) || maxSessions < 1) throw new UsageError(`--max-sessions takes a whole number, 1 or more, got "${flags.maxSessions}"`);
  }
  return {
    maxSessions: maxSessions ?? (spawnsProcesses ? 64 : 10_000),
    requestTimeoutMs: Math.round(seconds * 1000),
    sessionBufferBytes: parseSize(flags.sessionBuffer),
    totalBufferBytes: parseSize(flags.totalBuffer),
  };
}
