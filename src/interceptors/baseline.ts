/**
 * `record --baseline NAME`: the server's tool, prompt and resource lists held up against an
 * accepted baseline as they pass. A list that differs (an item added, removed, or changed in its
 * description, schema, annotations, icons, ...) is flagged `baseline-drift` on the tape and said
 * once on stderr; with `--baseline-action block` the client gets an error instead of that list,
 * and a call to a tool whose definition drifted (or that the baseline never had) is refused.
 */
import type { InterceptAction } from '../core/actions.js';
import type { Interceptor } from '../core/chain.js';
import type { InterceptContext } from '../core/context.js';
import { isObject, type JsonObject } from '../core/jsonrpc.js';
import { inert, type Logger } from '../core/log.js';
import { LISTS, type BaselineDocument, type DefinitionChange, type DefinitionList } from '../tape/baseline.js';
import { describeDifference, jsonDiff } from '../tape/json-diff.js';

const LIST_OF = new Map(Object.entries(LISTS).map(([list, spec]) => [spec.method, list as DefinitionList]));

export function describeChange(change: DefinitionChange): string {
  const what = change.list === 'capabilities' ? 'capabilities' : `${change.list} ${JSON.stringify(change.item)}`;
  if (change.change !== 'changed') return `${what} ${change.change}`;
  return `${what} changed: ${change.differences.map(describeDifference).join('; ')}`;
}

export class BaselineInterceptor implements Interceptor {
  readonly name = 'baseline';
  /** Tools whose definition drifted from the baseline, as the server lists them now. */
  private readonly drifted = new Set<string>();
  /** Per session and list: the names seen since the listing began (pages follow one another). */
  private readonly listing = new Map<string, Set<string>>();
  private readonly said = new Set<string>();

  constructor(
    private readonly baseline: BaselineDocument,
    private readonly action: 'warn' | 'block',
    private readonly logger: Logger,
  ) {}

  intercept(ctx: InterceptContext): InterceptAction | void {
    if (ctx.direction === 'c2s' && ctx.summary.kind === 'request' && ctx.summary.method === 'tools/call') return this.call(ctx);
    if (ctx.direction !== 's2c' || ctx.summary.kind !== 'response' || !ctx.request) return;
    const list = LIST_OF.get(ctx.request.method);
    if (!list || !isObject(ctx.message) || !isObject(ctx.message.result)) return;
    const changes = this.compare(ctx, list, ctx.message.result);
    if (changes.length === 0) return;
    ctx.flags.push('baseline-drift');
    const described = changes.map(describeChange);
    for (const line of described) {
      if (this.said.has(line)) continue;
      this.said.add(line);
      this.logger.warn(`baseline "${inert(this.baseline.name)}": ${inert(line)}`);
    }
    const reason = `${ctx.request.method}: definitions differ from baseline "${this.baseline.name}": ${described.join('; ')}`;
    if (this.action === 'block') return { type: 'block', reason: `mcp-tap blocked ${reason}` };
    return { type: 'continue', note: reason };
  }

  /** One page of a list against the baseline: what it adds or changes, and at its last page what it lost. */
  private compare(ctx: InterceptContext, list: DefinitionList, result: JsonObject): DefinitionChange[] {
    const accepted = this.baseline.definitions[list];
    if (!accepted) return [];
    const { key, name } = LISTS[list];
    const params = isObject(ctx.request!.params) ? ctx.request!.params : {};
    const listingKey = `${ctx.sessionId}\u0000${list}`;
    if (params.cursor === undefined) this.listing.set(listingKey, new Set());
    const seen = this.listing.get(listingKey) ?? new Set<string>();
    const changes: DefinitionChange[] = [];
    for (const item of Array.isArray(result[key]) ? result[key] : []) {
      if (!isObject(item) || typeof item[name] !== 'string') continue;
      const itemName = item[name];
      seen.add(itemName);
      const was = accepted[itemName];
      const differences = was === undefined ? [] : jsonDiff(was, item);
      if (was === undefined) changes.push({ list, item: itemName, change: 'added', differences });
      else if (differences.length > 0) changes.push({ list, item: itemName, change: 'changed', differences });
      if (list === 'tools') {
        if (was === undefined || differences.length > 0) this.drifted.add(itemName);
        else this.drifted.delete(itemName);
      }
    }
    if (result.nextCursor === undefined || result.nextCursor === null) {
      for (const itemName of Object.keys(accepted)) if (!seen.has(itemName)) changes.push({ list, item: itemName, change: 'removed', differences: [] });
      this.listing.delete(listingKey);
    }
    return changes;
  }

  /** With `block`: a call to a tool the baseline does not vouch for (changed, or never accepted) is refused. */
  private call(ctx: InterceptContext): InterceptAction | void {
    if (this.action !== 'block' || !isObject(ctx.message) || !isObject(ctx.message.params)) return;
    const tool = ctx.message.params.name;
    if (typeof tool !== 'string') return;
    const accepted = this.baseline.definitions.tools;
    if (accepted && !(tool in accepted)) return { type: 'block', reason: `mcp-tap blocked a call to tool "${tool}": baseline "${this.baseline.name}" does not have it` };
    if (this.drifted.has(tool)) return { type: 'block', reason: `mcp-tap blocked a call to tool "${tool}": its definition differs from baseline "${this.baseline.name}"` };
  }
}
