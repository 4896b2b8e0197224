/**
 * The two protocol eras, as a message shows them. MCP 2026-07-28 ("modern") has no initialize
 * handshake: every request carries its protocol version, client capabilities and (usually) client
 * info in `params._meta`, and every result names its `resultType`. The 2025 revisions ("legacy")
 * negotiate once, with initialize. A proxy sees both, often from one dual-era peer, so the era is
 * told per message, never assumed per connection. Pure: used by the pipeline, the tape tools and
 * the browser console alike.
 */
import { isObject, type JsonObject, type JsonValue } from './jsonrpc.js';

export type Era = 'modern' | 'legacy';

/** The first revision without initialize; later revisions compare greater (they are dates). */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** The reserved `_meta` keys of the modern era. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** Error codes the modern era defines (the -32020..-32099 range is the specification's). */
export const ModernErrorCode = {
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
} as const;

/** Whether a protocol version string names the modern era (2026-07-28 or later). */
export function isModernVersion(version: unknown): boolean {
  return typeof version === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(version) && version >= MODERN_PROTOCOL_VERSION;
}

/** A message's `params._meta`, when it has one. */
export function metaOf(message: unknown): JsonObject | undefined {
  if (!isObject(message) || !isObject(message.params)) return undefined;
  return isObject(message.params._meta) ? message.params._meta : undefined;
}

/** A result's `_meta`, when it has one. */
export function resultMetaOf(message: unknown): JsonObject | undefined {
  if (!isObject(message) || !isObject(message.result)) return undefined;
  return isObject(message.result._meta) ? message.result._meta : undefined;
}

/** What a modern request says about its sender, from its `_meta`. */
export interface RequestEnvelope {
  protocolVersion?: string;
  clientInfo?: JsonObject;
  clientCapabilities?: JsonValue;
  logLevel?: string;
}

export function envelopeOf(message: unknown): RequestEnvelope | undefined {
  const meta = metaOf(message);
  if (!meta || meta[META.protocolVersion] === undefined) return undefined;
  const envelope: RequestEnvelope = {};
  const version = meta[META.protocolVersion];
  if (typeof version === 'string') envelope.protocolVersion = version;
  const info = meta[META.clientInfo];
  if (isObject(info)) envelope.clientInfo = info;
  if (meta[META.clientCapabilities] !== undefined) envelope.clientCapabilities = meta[META.clientCapabilities];
  const level = meta[META.logLevel];
  if (typeof level === 'string') envelope.logLevel = level;
  return envelope;
}

/**
 * The era a request speaks: modern when its `_meta` names a modern protocol version, legacy for
 * initialize (which only the legacy era has); undefined when the request itself does not say
 * (a legacy request after initialize looks like any other).
 */
export function requestEra(message: unknown): Era | undefined {
  if (!isObject(message)) return undefined;
  if (message.method === 'initialize') return 'legacy';
  const version = metaOf(message)?.[META.protocolVersion];
  if (version === undefined) return undefined;
  return isModernVersion(version) ? 'modern' : 'legacy';
}

/** The server's self-description in a modern result's `_meta`. */
export function serverInfoOf(message: unknown): JsonObject | undefined {
  const info = resultMetaOf(message)?.[META.serverInfo];
  return isObject(info) ? info : undefined;
}

/** `resultType` of a result: absent means complete (what earlier servers send). */
export function resultTypeOf(message: unknown): string {
  if (!isObject(message) || !isObject(message.result)) return 'complete';
  const type = message.result.resultType;
  return typeof type === 'string' ? type : 'complete';
}

/**
 * A result the proxy makes (a mock, a replayed housekeeping answer) in the shape the request's
 * era expects: modern clients reject a result without `resultType`; legacy ones ignore extra
 * fields, so only modern requests get it added. A result that names its own type is left alone.
 */
export function resultForEra(result: JsonValue, era: Era | undefined): JsonValue {
  if (era !== 'modern' || !isObject(result) || typeof result.resultType === 'string') return result;
  return { resultType: 'complete', ...result };
}

/** The notification's subscription, when it came on a `subscriptions/listen` stream. */
export function subscriptionIdOf(message: unknown): JsonValue | undefined {
  return metaOf(message)?.[META.subscriptionId];
}

/**
 * The body field `Mcp-Name` mirrors, per method (the specification's Standard Request Headers,
 * and the tasks extension's binding for `tasks/*`). Methods not listed carry no `Mcp-Name`.
 */
export const MCP_NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** Header names, lower case as Node gives them. */
export const HEADER = {
  protocolVersion: 'mcp-protocol-version',
  method: 'mcp-method',
  name: 'mcp-name',
  paramPrefix: 'mcp-param-',
} as const;

const SENTINEL_PREFIX = '=?base64?';
const SENTINEL_SUFFIX = '?=';
const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const HEADER_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * A string as an HTTP field value: plain printable ASCII as is; anything else (non-ASCII, control
 * characters, edge whitespace, empty, or text that looks like the sentinel) as `=?base64?…?=`.
 */
export function encodeHeaderValue(value: string): string {
  let plain = value.length > 0 && value === value.trim() && !(value.startsWith(SENTINEL_PREFIX) && value.endsWith(SENTINEL_SUFFIX));
  for (let i = 0; plain && i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c !== 9 && (c < 0x20 || c > 0x7e)) plain = false;
  }
  return plain ? value : `${SENTINEL_PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SENTINEL_SUFFIX}`;
}

/** The text a header value carries: the sentinel decoded; undefined when the sentinel is malformed. */
export function decodeHeaderValue(value: string): string | undefined {
  const trimmed = value.replace(/^[\t ]+|[\t ]+$/g, '');
  if (!(trimmed.startsWith(SENTINEL_PREFIX) && trimmed.endsWith(SENTINEL_SUFFIX))) return trimmed;
  const encoded = trimmed.slice(SENTINEL_PREFIX.length, trimmed.length - SENTINEL_SUFFIX.length);
  if (!CANONICAL_BASE64.test(encoded)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64'));
  } catch {
    return undefined;
  }
}

/** One `x-mcp-header` annotation of a tool's `inputSchema`: the argument at `path` is mirrored in `Mcp-Param-{header}`. */
export interface ParamHeader {
  path: string[];
  header: string;
  type: string;
}

/**
 * The `x-mcp-header` annotations of a tool's `inputSchema`, found through `properties` at any
 * depth. Undefined when the schema declares one the specification does not allow (a non-token
 * name, a non-primitive type, a duplicate): conforming clients then send no `Mcp-Param-*` for it.
 */
export function paramHeadersOf(inputSchema: unknown): ParamHeader[] | undefined {
  const found: ParamHeader[] = [];
  const seen = new Set<string>();
  let valid = true;
  const visit = (node: unknown, path: string[]) => {
    if (!isObject(node) || !valid) return;
    const name = node['x-mcp-header'];
    if (name !== undefined && path.length > 0) {
      const type = typeof node.type === 'string' ? node.type : '';
      if (typeof name !== 'string' || !HEADER_TOKEN.test(name) || !['string', 'integer', 'boolean', 'number'].includes(type) || seen.has(name.toLowerCase())) {
        valid = false;
        return;
      }
      seen.add(name.toLowerCase());
      found.push({ path, header: name, type });
    }
    if (isObject(node.properties)) for (const [key, child] of Object.entries(node.properties)) visit(child, [...path, key]);
  };
  visit(inputSchema, []);
  return valid ? found : undefined;
}

/** An argument as header text: strings as they are, numbers in decimal, booleans as true/false. */
function paramText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value))) return String(value);
  return undefined;
}

function valueAt(root: unknown, path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** What `Mcp-Name` mirrors for this request, when its method has one and the body carries it. */
export function nameHeaderSource(method: string, params: unknown): { field: string; value?: string } | undefined {
  const field = Object.hasOwn(MCP_NAME_SOURCE, method) ? MCP_NAME_SOURCE[method] : undefined;
  if (!field) return undefined;
  const value = isObject(params) ? params[field] : undefined;
  return typeof value === 'string' ? { field, value } : { field };
}

/**
 * The headers a modern request must carry over Streamable HTTP, derived from its body:
 * `MCP-Protocol-Version` (the envelope's), `Mcp-Method`, `Mcp-Name` where the method mirrors a
 * field, and `Mcp-Param-*` for the tool's annotated arguments (when `params` are known). A
 * message without a modern envelope gets none: legacy traffic is left as it was.
 */
export function headersFor(message: unknown, params?: ParamHeader[]): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!isObject(message) || typeof message.method !== 'string') return headers;
  const version = metaOf(message)?.[META.protocolVersion];
  if (typeof version !== 'string' || !isModernVersion(version)) return headers;
  headers[HEADER.protocolVersion] = version;
  if (!('id' in message)) return headers;
  headers[HEADER.method] = message.method;
  const source = nameHeaderSource(message.method, message.params);
  if (source?.value !== undefined) headers[HEADER.name] = encodeHeaderValue(source.value);
  if (params && message.method === 'tools/call' && isObject(message.params)) {
    for (const declaration of params) {
      const text = paramText(valueAt(message.params.arguments, declaration.path));
      if (text !== undefined) headers[`${HEADER.paramPrefix}${declaration.header.toLowerCase()}`] = encodeHeaderValue(text);
    }
  }
  return headers;
}

/** A header that disagrees with the body (answered 400 with `HeaderMismatch`). */
export interface HeaderMismatch {
  header: string;
  /** What the header said, or undefined when it was missing. */
  got?: string;
  /** What the body says it should be. */
  expected: string;
  message: string;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function headerIn(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks a client's request headers against its body, as the specification requires of a server
 * and of intermediaries: a modern request must carry `MCP-Protocol-Version` and `Mcp-Method`
 * equal to its envelope and method, `Mcp-Name` equal to the field it mirrors, and each
 * `Mcp-Param-*` its tool declares (when `params` are known) equal to the argument. Any request
 * whose `Mcp-Method` names another method is refused too. Notifications and legacy requests
 * without routing headers pass.
 */
export function checkRequestHeaders(message: unknown, headers: HeaderBag, params?: ParamHeader[]): HeaderMismatch | undefined {
  if (!isObject(message) || typeof message.method !== 'string' || !('id' in message)) return undefined;
  const method = message.method;
  const sentMethod = headerIn(headers, HEADER.method);
  const version = metaOf(message)?.[META.protocolVersion];
  const modern = typeof version === 'string' && isModernVersion(version);
  if (sentMethod !== undefined && sentMethod.trim() !== method) {
    return { header: 'Mcp-Method', got: sentMethod, expected: method, message: `the Mcp-Method header names ${sentMethod} but the body is a ${method} request` };
  }
  if (!modern) return undefined;
  const sentVersion = headerIn(headers, HEADER.protocolVersion);
  if (sentVersion === undefined) return { header: 'MCP-Protocol-Version', expected: version, message: `the body names protocol version ${version} but the MCP-Protocol-Version header is missing` };
  if (sentVersion.trim() !== version) return { header: 'MCP-Protocol-Version', got: sentVersion, expected: version, message: `the MCP-Protocol-Version header names ${sentVersion} but the body names ${version}` };
  if (sentMethod === undefined) return { header: 'Mcp-Method', expected: method, message: `the body is a ${method} request but the Mcp-Method header is missing` };
  const source = nameHeaderSource(method, message.params);
  if (source?.value !== undefined) {
    const sentName = headerIn(headers, HEADER.name);
    if (sentName === undefined) return { header: 'Mcp-Name', expected: source.value, message: `the body carries params.${source.field}=${JSON.stringify(source.value)} but the Mcp-Name header is missing` };
    const decoded = decodeHeaderValue(sentName);
    if (decoded !== source.value) {
      return { header: 'Mcp-Name', got: sentName, expected: source.value, message: decoded === undefined ? 'the Mcp-Name header carries a malformed base64 value' : `the Mcp-Name header names ${JSON.stringify(decoded)} but the body carries params.${source.field}=${JSON.stringify(source.value)}` };
    }
  }
  if (params && method === 'tools/call' && isObject(message.params)) {
    for (const declaration of params) {
      const body = valueAt(message.params.arguments, declaration.path);
      const text = paramText(body);
      if (text === undefined) continue;
      const name = `Mcp-Param-${declaration.header}`;
      const sent = headerIn(headers, `${HEADER.paramPrefix}${declaration.header.toLowerCase()}`);
      if (sent === undefined) return { header: name, expected: text, message: `the body carries ${declaration.path.join('.')}=${JSON.stringify(body)} but the ${name} header is missing` };
      const decoded = decodeHeaderValue(sent);
      const numeric = (declaration.type === 'integer' || declaration.type === 'number') && typeof body === 'number' && decoded !== undefined && /^-?\d+(\.\d+)?$/.test(decoded);
      if (numeric ? Number(decoded) !== body : decoded !== text) {
        return { header: name, got: sent, expected: text, message: decoded === undefined ? `the ${name} header carries a malformed base64 value` : `the ${name} header says ${JSON.stringify(decoded)} but the body carries ${declaration.path.join('.')}=${JSON.stringify(body)}` };
      }
    }
  }
  return undefined;
}

/**
 * Error codes mcp-tap uses in answers it makes itself to modern requests. The modern era reserves
 * -32020..-32099 for the specification, and -32000..-32019 overlap what servers use, so mcp-tap's
 * own conditions live outside the JSON-RPC reserved range (-32768..-32000), where applications may
 * define codes; legacy requests keep the codes mcp-tap has always sent (`ErrorCode` in jsonrpc.ts).
 */
export const ModernProxyErrorCode = {
  Blocked: -31001,
  UpstreamClosed: -31002,
  RateLimited: -31003,
  MessageTooLarge: -31004,
  ReplayMiss: -31005,
  Dropped: -31006,
} as const;

const MODERN_CODE_FOR: Readonly<Record<number, number>> = {
  [-32001]: ModernProxyErrorCode.Blocked,
  [-32002]: ModernProxyErrorCode.UpstreamClosed,
  [-32003]: ModernProxyErrorCode.RateLimited,
  [-32004]: ModernProxyErrorCode.MessageTooLarge,
  [-32005]: ModernProxyErrorCode.ReplayMiss,
  [-32006]: ModernProxyErrorCode.Dropped,
};

/** The code for an error mcp-tap makes, in the request's era: its modern code, or the legacy one as it was. */
export function errorCodeForEra(code: number, era: Era | undefined): number {
  return era === 'modern' ? (MODERN_CODE_FOR[code] ?? code) : code;
}
