/**
 * HTTP policy: which browser origins may talk to the proxy and by which host names it may be
 * addressed (DNS-rebinding protection), how large a body may be, and which client headers are
 * passed on to the upstream. The listener asks `check()` before routing a request; as an
 * interceptor it strips headers the upstream must not get. Authorization is passed on but never
 * recorded (tapes hold no headers) nor logged.
 */
import type { IncomingMessage } from 'node:http';
import { hostname as machineName, networkInterfaces } from 'node:os';
import type { Interceptor } from '../core/chain.js';
import type { HttpMeta, InterceptContext } from '../core/context.js';

export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Hop-by-hop headers (RFC 9110 7.6.1) and those the proxy sets itself for each upstream. */
const NEVER_FORWARDED = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'content-length', 'content-type', 'accept', 'accept-encoding',
  'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'last-event-id', 'origin', 'referer', 'cookie',
  'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol',
]);
/** What `relayOrigin` lets through besides: the headers a server's own DNS-rebinding check reads. */
const RELAYED_ORIGIN_HEADERS = new Set(['origin', 'host']);

export interface HttpPolicyOptions {
  /** Origins allowed besides loopback ones; '*' allows any. */
  allowedOrigins?: string[];
  /** Host names clients may address the proxy by, besides its listen address and loopback names. */
  allowedHosts?: string[];
  /**
   * Relay the client's Origin and Host to the upstream untouched and skip the proxy's own checks
   * of them, so the server's own DNS-rebinding protection can be tested through the proxy.
   */
  relayOrigin?: boolean;
  maxBodyBytes?: number;
  /**
   * A browser origin is allowed only when it is this server itself (http, a name it is served
   * as, its port), never another page on this machine: for a server whose pages are its only
   * browser clients (the web console).
   */
  ownOriginOnly?: boolean;
  /** Client headers never passed upstream (lower case). */
  stripHeaders?: string[];
  /** When set, only these client headers are passed upstream (lower case). */
  allowHeaders?: string[];
}

export interface PolicyRefusal {
  status: number;
  message: string;
}

/** An IPv4 literal in 127.0.0.0/8, as the WHATWG URL parser writes it (so `127.1` counts, `127.evil.example` does not). */
const LOOPBACK_V4 = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** A loopback host name: `localhost`, `[::1]` or 127.x.y.z, exactly (never a name that merely starts like one). */
export function isLoopbackHost(hostname: string): boolean {
  const name = hostname.toLowerCase();
  return name === 'localhost' || name === '[::1]' || LOOPBACK_V4.test(name);
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

/** A listen address that takes connections on every interface. */
function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]' || host === '';
}

/** A host as it appears in a Host header: IPv6 literals in brackets, lower case. */
function hostForm(host: string): string {
  const name = host.toLowerCase();
  return name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
}

/** True when a listen address keeps the proxy to this machine. */
export function isLoopbackListen(host: string): boolean {
  return isLoopbackHost(hostForm(host));
}

export class HttpPolicyInterceptor implements Interceptor {
  readonly name = 'http-policy';
  readonly maxBodyBytes: number;
  readonly relayOrigin: boolean;
  private readonly origins: Set<string>;
  private readonly anyOrigin: boolean;
  private readonly ownOriginOnly: boolean;
  private readonly hosts: Set<string>;
  private port?: number;
  private readonly strip: Set<string>;
  private readonly allow?: Set<string>;

  constructor(options: HttpPolicyOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.relayOrigin = options.relayOrigin ?? false;
    this.origins = new Set((options.allowedOrigins ?? []).map((o) => o.replace(/\/$/, '').toLowerCase()));
    this.anyOrigin = this.origins.has('*');
    this.ownOriginOnly = options.ownOriginOnly ?? false;
    this.hosts = new Set((options.allowedHosts ?? []).map(hostForm));
    this.strip = new Set((options.stripHeaders ?? []).map((h) => h.toLowerCase()));
    this.allow = options.allowHeaders ? new Set(options.allowHeaders.map((h) => h.toLowerCase())) : undefined;
  }

  /**
   * Where the proxy listens: Host headers must name that address (or a loopback name, or one of
   * `allowedHosts`) with its port. Listening on every interface, the machine's own addresses and
   * name count as the listen address.
   */
  serveAt(address: { host: string; port: number }): void {
    this.port = address.port;
    if (!isWildcard(address.host)) {
      this.hosts.add(hostForm(address.host));
      return;
    }
    this.hosts.add(machineName().toLowerCase());
    for (const entries of Object.values(networkInterfaces())) {
      for (const entry of entries ?? []) this.hosts.add(hostForm(entry.address.split('%')[0]!));
    }
  }

  /** Refuses a request before it is routed; undefined lets it through. */
  check(req: IncomingMessage): PolicyRefusal | undefined {
    if (!this.relayOrigin) {
      const refused = this.checkHost(req.headers.host) ?? this.checkOrigin(req.headers.origin);
      if (refused) return refused;
    }
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > this.maxBodyBytes) {
      return { status: 413, message: `Payload Too Large: ${length} bytes exceeds the ${this.maxBodyBytes}-byte limit` };
    }
    return undefined;
  }

  private checkOrigin(origin: string | undefined): PolicyRefusal | undefined {
    if (origin !== undefined && this.ownOriginOnly) return this.isOwnOrigin(origin) ? undefined : { status: 403, message: `Forbidden: origin ${inert(origin)} is not this server's` };
    // Requests without Origin come from non-browser clients; browsers always send it cross-origin.
    if (origin === undefined || this.anyOrigin || isLoopbackOrigin(origin) || this.origins.has(origin.toLowerCase())) return undefined;
    return { status: 403, message: `Forbidden: origin ${inert(origin)} is not allowed (allow it with --allow-origin)` };
  }

  /** `http://NAME:PORT` exactly, NAME one this server is served as (a loopback name, the listen address, --allow-host), PORT its own. */
  isOwnOrigin(origin: string): boolean {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    const port = url.port === '' ? 80 : Number(url.port);
    const name = url.hostname.toLowerCase();
    return url.protocol === 'http:' && url.origin === origin.toLowerCase() && port === this.port && (isLoopbackHost(name) || this.hosts.has(name));
  }

  /**
   * A page on a rebound name (evil.example resolving to 127.0.0.1) sends its own name as Host,
   * and same-origin requests such as EventSource send no Origin at all: the Host is what shows it.
   * A request without Host (HTTP/1.0) cannot come from a browser.
   */
  private checkHost(host: string | undefined): PolicyRefusal | undefined {
    if (host === undefined || this.port === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(`http://${host}`);
    } catch {
      return { status: 400, message: `Bad Request: malformed Host header ${inert(host)}` };
    }
    const port = url.port === '' ? 80 : Number(url.port);
    const name = url.hostname.toLowerCase();
    if (port === this.port && url.pathname === '/' && !url.username && (isLoopbackHost(name) || this.hosts.has(name))) return undefined;
    return { status: 403, message: `Forbidden: this proxy is not served as ${inert(host)} (allow the name with --allow-host)` };
  }

  /** The client headers an upstream request may carry. */
  forwardedHeaders(http: HttpMeta | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    if (!http) return out;
    for (const [name, value] of Object.entries(http.headers)) {
      const key = name.toLowerCase();
      if (value === undefined || this.strip.has(key)) continue;
      const relayed = this.relayOrigin && RELAYED_ORIGIN_HEADERS.has(key);
      if (!relayed && (NEVER_FORWARDED.has(key) || (this.allow && !this.allow.has(key)))) continue;
      out[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
  }

  /** It changes the headers passed on, never by the message. */
  needsMessage(): boolean {
    return false;
  }

  intercept(ctx: InterceptContext): void {
    if (!ctx.http || ctx.direction !== 'c2s') return;
    // Later interceptors and the upstream see only what may be passed on.
    (ctx as { http?: HttpMeta }).http = { ...ctx.http, headers: this.forwardedHeaders(ctx.http) };
  }
}

/** A peer's header, quoted and cut, with control characters shown rather than sent to a terminal. */
function inert(text: string): string {
  const cut = text.length > 100 ? `${text.slice(0, 100)}...` : text;
  return JSON.stringify(cut);
}
