/**
 * Starting points a person edits in a console: a mock answer in the shape the request's method
 * expects, and a `tools/call` built from a tool's `inputSchema`. Pure and browser-safe (both
 * consoles offer them). The proxy adds `resultType` to a mock for a modern request itself.
 */
import { isObject, type JsonObject, type JsonValue } from '../core/jsonrpc.js';

/** A value of the shape a JSON Schema describes: its default, its first enum value, or an empty value of its type. */
export function skeletonOf(schema: unknown, depth = 0): JsonValue {
  if (!isObject(schema) || depth > 8) return null;
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0]!;
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return skeletonOf(options.find((o) => isObject(o) && o.type !== 'null') ?? options[0], depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'null':
      return null;
    default: {
      if (!isObject(schema.properties) && type !== 'object') return null;
      const out: JsonObject = {};
      const properties = isObject(schema.properties) ? schema.properties : {};
      // Required properties first: what the tool cannot do without reads first.
      const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === 'string') : [];
      for (const key of [...required.filter((k) => k in properties), ...Object.keys(properties).filter((k) => !required.includes(k))]) {
        out[key] = skeletonOf(properties[key], depth + 1);
      }
      return out;
    }
  }
}

/** What a tool offers, as its `tools/list` entry says. */
export interface ToolEntry {
  name: string;
  description?: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
}

/** The tools of a `tools/list` result. */
export function toolsOf(result: unknown): ToolEntry[] {
  if (!isObject(result) || !Array.isArray(result.tools)) return [];
  return result.tools.flatMap((tool) => (isObject(tool) && typeof tool.name === 'string' ? [tool as unknown as ToolEntry] : []));
}

/**
 * A result for a request of `method`, in the shape the specification gives it, for a person to
 * fill in: tools, resources, prompts, sampling, elicitation, roots, completion. Anything else
 * gets an empty result (which is all `ping` and the like answer).
 */
export function mockResultFor(method: string | undefined, params: unknown, tool?: ToolEntry): JsonObject {
  const p = isObject(params) ? params : {};
  switch (method) {
    case 'tools/call': {
      const result: JsonObject = { content: [{ type: 'text', text: 'mocked answer' }], isError: false };
      if (tool?.outputSchema !== undefined) result.structuredContent = skeletonOf(tool.outputSchema);
      return result;
    }
    case 'tools/list':
      return { tools: [] };
    case 'resources/read':
      return { contents: [{ uri: typeof p.uri === 'string' ? p.uri : 'mock://resource', mimeType: 'text/plain', text: 'mocked contents' }] };
    case 'resources/list':
      return { resources: [] };
    case 'resources/templates/list':
      return { resourceTemplates: [] };
    case 'prompts/get':
      return { description: 'mocked prompt', messages: [{ role: 'user', content: { type: 'text', text: 'mocked prompt text' } }] };
    case 'prompts/list':
      return { prompts: [] };
    case 'sampling/createMessage':
      return { role: 'assistant', content: { type: 'text', text: 'mocked completion' }, model: 'mcp-tap-mock', stopReason: 'endTurn' };
    case 'elicitation/create':
      return { action: 'accept', content: isObject(p.requestedSchema) ? skeletonOf(p.requestedSchema) : {} };
    case 'roots/list':
      return { roots: [] };
    case 'completion/complete':
      return { completion: { values: [], total: 0, hasMore: false } };
    case 'initialize':
      return { protocolVersion: typeof p.protocolVersion === 'string' ? p.protocolVersion : '2025-11-25', capabilities: {}, serverInfo: { name: 'mcp-tap-mock', version: '0.0.0' } };
    default:
      return {};
  }
}

/**
 * A `tools/call` request for `tool`, its arguments filled from the input schema. `meta` is the
 * modern envelope of the conversation (protocol version, client info and capabilities), which a
 * 2026-07-28 server needs on every request; a 2025 conversation has none. The id is the proxy's
 * to give when it is sent.
 */
export function composeToolCall(tool: ToolEntry, meta?: JsonObject): JsonObject {
  const params: JsonObject = { name: tool.name, arguments: skeletonOf(tool.inputSchema ?? { type: 'object' }) ?? {} };
  if (meta && Object.keys(meta).length > 0) params._meta = meta;
  return { jsonrpc: '2.0', id: 0, method: 'tools/call', params };
}
