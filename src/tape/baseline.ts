/**
 * Tool-definition baselines: the tools, prompts, resources, resource templates and capabilities
 * a server offered when a person trusted it, kept by name, and held up against what it offers
 * now. A server that quietly changes a tool's description, schema, annotations or icons after it
 * was approved (a "rug pull") is caught field by field. Definitions come from a tape (the lists
 * its server answered) or from a live server asked directly (`baseline accept -- <command>`).
 */
import { envelopeOf, isModernVersion, META, MODERN_PROTOCOL_VERSION, serverInfoOf } from '../core/era.js';
import { idKey, isObject, parseObject, summarize, type JsonObject, type JsonValue } from '../core/jsonrpc.js';
import type { Transport } from '../core/transport.js';
import { parsePaths } from './canonical.js';
import { TapeError } from './errors.js';
import { tapeExchanges } from './exchanges.js';
import { jsonDiff, type Difference } from './json-diff.js';
import type { TapeStore } from './store.js';
import type { TapeFrame } from './types.js';

export const BASELINE_FORMAT = 'mcp-tap/baseline';

export type DefinitionList = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

/** Each list keyed by what names an item in it. */
export const LISTS: Record<DefinitionList, { method: string; key: string; name: string }> = {
  tools: { method: 'tools/list', key: 'tools', name: 'name' },
  prompts: { method: 'prompts/list', key: 'prompts', name: 'name' },
  resources: { method: 'resources/list', key: 'resources', name: 'uri' },
  resourceTemplates: { method: 'resources/templates/list', key: 'resourceTemplates', name: 'uriTemplate' },
};

export interface Definitions {
  serverInfo?: JsonValue;
  protocolVersion?: string;
  /** The server's capabilities; absent when the source never showed them. */
  capabilities?: JsonValue;
  /** Each list the source showed, by item name; a list it never showed is absent (not compared). */
  tools?: Record<string, JsonObject>;
  prompts?: Record<string, JsonObject>;
  resources?: Record<string, JsonObject>;
  resourceTemplates?: Record<string, JsonObject>;
}

export interface BaselineDocument {
  format: typeof BASELINE_FORMAT;
  version: 1;
  name: string;
  acceptedAt: string;
  /** Where the definitions came from: a tape's name, or the server's command line or URL. */
  source: string;
  definitions: Definitions;
}

export interface DefinitionChange {
  list: DefinitionList | 'capabilities';
  /** The tool, prompt or resource (empty for capabilities). */
  item: string;
  change: 'added' | 'removed' | 'changed';
  differences: Difference[];
}

export interface BaselineReport {
  baseline: string;
  changes: DefinitionChange[];
  /** Lists the baseline has that the current source never showed (so they were not compared). */
  notCompared: string[];
}

function resultOf(message: unknown): JsonObject | undefined {
  return isObject(message) && isObject(message.result) ? message.result : undefined;
}

/** Adds one page of a list result to `into`, by item name. */
function addPage(into: Record<string, JsonObject>, result: JsonObject, list: DefinitionList): void {
  const { key, name } = LISTS[list];
  const items = result[key];
  if (!Array.isArray(items)) return;
  for (const item of items) if (isObject(item) && typeof item[name] === 'string') into[item[name]] = item;
}

/**
 * The definitions a tape's server gave: the last full listing of each list (a listing is a
 * request without a cursor and the pages that follow it), and the capabilities and identity from
 * initialize or server/discover (2026-07-28: the server info every result names).
 */
export function definitionsFromFrames(frames: TapeFrame[]): Definitions {
  const definitions: Definitions = {};
  const byMethod = new Map(Object.entries(LISTS).map(([list, spec]) => [spec.method, list as DefinitionList]));
  for (const exchange of tapeExchanges(frames).exchanges()) {
    if (exchange.direction !== 'c2s' || exchange.outcome !== 'ok') continue;
    const result = resultOf(exchange.answer?.message);
    if (!result) continue;
    if (exchange.method === 'initialize' || exchange.method === 'server/discover') {
      if (result.capabilities !== undefined) definitions.capabilities = result.capabilities;
      if (result.serverInfo !== undefined) definitions.serverInfo = result.serverInfo;
      const version = exchange.method === 'initialize' ? result.protocolVersion : envelopeOf(exchange.request.message)?.protocolVersion;
      if (typeof version === 'string') definitions.protocolVersion = version;
      continue;
    }
    definitions.serverInfo ??= serverInfoOf(exchange.answer?.message);
    definitions.protocolVersion ??= envelopeOf(exchange.request.message)?.protocolVersion;
    const list = byMethod.get(exchange.method);
    if (!list) continue;
    const params = isObject(exchange.request.message) && isObject(exchange.request.message.params) ? exchange.request.message.params : {};
    // A request without a cursor starts the listing over.
    if (params.cursor === undefined || definitions[list] === undefined) definitions[list] = {};
    addPage(definitions[list]!, result, list);
  }
  return definitions;
}

/** Holds `current` up against `baseline`: every item added, removed or changed, by field. */
export function compareDefinitions(name: string, baseline: Definitions, current: Definitions, options: { ignore?: string[] } = {}): BaselineReport {
  const ignore = parsePaths(options.ignore ?? []);
  const report: BaselineReport = { baseline: name, changes: [], notCompared: [] };
  for (const list of Object.keys(LISTS) as DefinitionList[]) {
    const was = baseline[list];
    const now = current[list];
    if (was === undefined) continue;
    if (now === undefined) {
      report.notCompared.push(list);
      continue;
    }
    for (const item of Object.keys(was)) {
      if (!(item in now)) report.changes.push({ list, item, change: 'removed', differences: [] });
      else {
        const differences = jsonDiff(was[item], now[item], ignore);
        if (differences.length > 0) report.changes.push({ list, item, change: 'changed', differences });
      }
    }
    for (const item of Object.keys(now)) if (!(item in was)) report.changes.push({ list, item, change: 'added', differences: jsonDiff(undefined, now[item]) });
  }
  if (baseline.capabilities !== undefined) {
    if (current.capabilities === undefined) report.notCompared.push('capabilities');
    else {
      const differences = jsonDiff(baseline.capabilities, current.capabilities, ignore);
      if (differences.length > 0) report.changes.push({ list: 'capabilities', item: '', change: 'changed', differences });
    }
  }
  return report;
}

export function baselineDocument(name: string, source: string, definitions: Definitions, acceptedAt = new Date().toISOString()): BaselineDocument {
  return { format: BASELINE_FORMAT, version: 1, name, acceptedAt, source, definitions };
}

/** Checks a parsed baseline document (a file, or the store's copy). */
export function validateBaseline(value: unknown, where: string): BaselineDocument {
  if (!isObject(value) || value.format !== BASELINE_FORMAT) throw new TapeError(`${where} is not an mcp-tap baseline (no "format": "${BASELINE_FORMAT}")`);
  if (value.version !== 1) throw new TapeError(`${where}: baseline version ${JSON.stringify(value.version)} is not one this mcp-tap reads (1)`);
  if (typeof value.name !== 'string' || !isObject(value.definitions)) throw new TapeError(`${where}: a baseline needs "name" and "definitions"`);
  for (const list of Object.keys(LISTS)) {
    const items = value.definitions[list];
    if (items !== undefined && !isObject(items)) throw new TapeError(`${where}: definitions.${list} must be an object (item name → definition)`);
  }
  return value as unknown as BaselineDocument;
}

/** A baseline from the store, or a TapeError that lists what there is. */
export function loadBaseline(store: TapeStore, name: string): BaselineDocument {
  const all = store.baselines();
  const found = all.find((b) => b.name === name);
  if (!found) {
    const hint = all.length === 0 ? 'the store has no baselines yet; accept one with: mcp-tap baseline accept TAPE --name NAME' : `baselines here: ${all.map((b) => b.name).join(', ')}`;
    throw new TapeError(`no baseline named "${name}" in ${store.file} (${hint})`);
  }
  return validateBaseline(found.document, `baseline "${name}"`);
}

/* ---------- asking a live server ---------- */

/** Sends requests over a transport and waits for their answers (a tiny JSON-RPC client). */
class Asker {
  private next = 1;
  private readonly waiting = new Map<string, (message: JsonObject) => void>();
  private closed?: string;

  constructor(
    private readonly transport: Transport,
    private readonly timeoutMs: number,
  ) {
    transport.onmessage = (text) => {
      const message = parseObject(text);
      if (!message) return;
      const summary = summarize(message);
      if (summary.kind === 'response' || summary.kind === 'error') {
        const key = idKey(summary.id);
        this.waiting.get(key)?.(message);
        this.waiting.delete(key);
      } else if (summary.kind === 'request') {
        // A server asking something of a client that offered nothing: a clear refusal.
        const reply = { jsonrpc: '2.0', id: summary.id ?? null, error: { code: -32601, message: 'mcp-tap baseline: this client offers no capabilities' } };
        transport.send(JSON.stringify(reply), { summary: summarize(reply) });
      }
    };
    transport.onclose = (info) => {
      this.closed = info.reason;
      for (const resolve of this.waiting.values()) resolve({ error: { code: -32002, message: info.reason } });
      this.waiting.clear();
    };
    transport.ondeliveryfailed = (text, reason) => {
      // Only its own requests (string ids) are waited for.
      const id = parseObject(text)?.id;
      if (typeof id === 'string') this.waiting.get(idKey(id))?.({ error: { code: -32002, message: reason } });
    };
  }

  ask(method: string, params: JsonObject): Promise<JsonObject> {
    if (this.closed) return Promise.resolve({ error: { code: -32002, message: this.closed } });
    const id = `mcp-tap-baseline-${this.next++}`;
    const message = { jsonrpc: '2.0', id, method, params };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(idKey(id));
        resolve({ error: { code: -32001, message: `no answer to ${method} within ${this.timeoutMs} ms` } });
      }, this.timeoutMs);
      this.waiting.set(idKey(id), (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      this.transport.send(JSON.stringify(message), { summary: summarize(message) });
    });
  }

  notify(method: string): void {
    const message = { jsonrpc: '2.0', method };
    this.transport.send(JSON.stringify(message), { summary: summarize(message) });
  }
}

function errorText(answer: JsonObject): string {
  return isObject(answer.error) ? `${String(answer.error.code)} ${String(answer.error.message)}` : 'no result';
}

/**
 * Asks a live server for its definitions, as a client of either era would: `server/discover`
 * first (2026-07-28: every request then carries the protocol version and client in `_meta`); a
 * server that does not know it is asked again on a fresh connection with initialize (2025).
 * `connect` makes a new transport each time it is called.
 */
export async function fetchDefinitions(connect: () => Transport, options: { version: string; timeoutMs?: number }): Promise<Definitions> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const clientInfo = { name: 'mcp-tap-baseline', version: options.version };
  let transport = connect();
  await transport.start();
  try {
    const envelope = { [META.protocolVersion]: MODERN_PROTOCOL_VERSION, [META.clientInfo]: clientInfo, [META.clientCapabilities]: {} };
    let asker = new Asker(transport, timeoutMs);
    const discovered = await asker.ask('server/discover', { _meta: envelope });
    const modern = resultOf(discovered);
    const versions = modern && Array.isArray(modern.supportedVersions) ? modern.supportedVersions : undefined;
    const definitions: Definitions = {};
    let meta: JsonObject | undefined;
    if (modern && (!versions || versions.some((v) => isModernVersion(v)))) {
      meta = envelope;
      definitions.capabilities = modern.capabilities;
      definitions.serverInfo = modern.serverInfo;
      definitions.protocolVersion = MODERN_PROTOCOL_VERSION;
    } else {
      await transport.close();
      transport = connect();
      await transport.start();
      asker = new Asker(transport, timeoutMs);
      const init = await asker.ask('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo });
      const result = resultOf(init);
      if (!result) throw new TapeError(`the server refused initialize: ${errorText(init)}`);
      asker.notify('notifications/initialized');
      definitions.capabilities = result.capabilities;
      definitions.serverInfo = result.serverInfo;
      if (typeof result.protocolVersion === 'string') definitions.protocolVersion = result.protocolVersion;
    }
    const capabilities = isObject(definitions.capabilities) ? definitions.capabilities : {};
    const offered: Record<DefinitionList, boolean> = { tools: 'tools' in capabilities, prompts: 'prompts' in capabilities, resources: 'resources' in capabilities, resourceTemplates: 'resources' in capabilities };
    for (const list of Object.keys(LISTS) as DefinitionList[]) {
      if (!offered[list]) continue;
      const items: Record<string, JsonObject> = {};
      let cursor: JsonValue | undefined;
      for (let page = 0; page < 100; page++) {
        const params: JsonObject = {};
        if (cursor !== undefined) params.cursor = cursor;
        if (meta) params._meta = meta;
        const answer = await asker.ask(LISTS[list].method, params);
        const result = resultOf(answer);
        if (!result) throw new TapeError(`the server refused ${LISTS[list].method}: ${errorText(answer)}`);
        addPage(items, result, list);
        cursor = result.nextCursor;
        if (cursor === undefined || cursor === null) break;
      }
      definitions[list] = items;
    }
    return definitions;
  } finally {
    await transport.close();
  }
}
