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
