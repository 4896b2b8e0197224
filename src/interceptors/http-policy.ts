/**
 * HTTP policy: which browser origins may talk to the proxy (DNS-rebinding protection), how large
 * a body may be, and which client headers are passed on to the upstream. The listener asks
 * `check()` before routing a request; as an interceptor it strips headers the upstream must not
 * get. Authorization is passed on but never recorded (tapes hold no headers) nor logged.
 */
import type { IncomingMessage } from 'node:http';
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

export interface HttpPolicyOptions {
  /** Origins allowed besides loopback ones; '*' allows any. */
  allowedOrigins?: string[];
  maxBodyBytes?: number;
  /** Client headers never passed upstream (lower case). */
  stripHeaders?: string[];
  /** When set, only these client headers are passed upstream (lower case). */
  allowHeaders?: string[];
}

export interface PolicyRefusal {
  status: number;
  message: string;
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const { hostname } = new URL(origin);
    return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]' || hostname.startsWith('127.');
  } catch {
    return false;
  }
}

export class HttpPolicyInterceptor implements Interceptor {
  readonly name = 'http-policy';
  readonly maxBodyBytes: number;
  private readonly origins: Set<string>;
  private readonly anyOrigin: boolean;
  private readonly strip: Set<string>;
  private readonly allow?: Set<string>;

  constructor(options: HttpPolicyOptions = {}) {
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.origins = new Set((options.allowedOrigins ?? []).map((o) => o.replace(/\/$/, '').toLowerCase()));
    this.anyOrigin = this.origins.has('*');
    this.strip = new Set((options.stripHeaders ?? []).map((h) => h.toLowerCase()));
    this.allow = options.allowHeaders ? new Set(options.allowHeaders.map((h) => h.toLowerCase())) : undefined;
  }

  /** Refuses a request before it is routed; undefined lets it through. */
  check(req: IncomingMessage): PolicyRefusal | undefined {
    const origin = req.headers.origin;
    // Requests without Origin come from non-browser clients; browsers always send it cross-origin.
    if (origin && !this.anyOrigin && !isLoopbackOrigin(origin) && !this.origins.has(origin.toLowerCase())) {
      return { status: 403, message: `Forbidden: origin ${origin} is not allowed (allow it with --allow-origin)` };
    }
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > this.maxBodyBytes) {
      return { status: 413, message: `Payload Too Large: ${length} bytes exceeds the ${this.maxBodyBytes}-byte limit` };
    }
    return undefined;
  }

  /** The client headers an upstream request may carry. */
  forwardedHeaders(http: HttpMeta | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    if (!http) return out;
    for (const [name, value] of Object.entries(http.headers)) {
      const key = name.toLowerCase();
      if (value === undefined || NEVER_FORWARDED.has(key) || this.strip.has(key)) continue;
      if (this.allow && !this.allow.has(key)) continue;
      out[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    return out;
  }

  intercept(ctx: InterceptContext): void {
    if (!ctx.http || ctx.direction !== 'c2s') return;
    // Later interceptors and the upstream see only what may be passed on.
    (ctx as { http?: HttpMeta }).http = { ...ctx.http, headers: this.forwardedHeaders(ctx.http) };
  }
}
