/**
 * What the editor checks before a person's text may go: one JSON-RPC message (control/edits.ts,
 * as the terminal UI checks it), of the kind and id the held message has, and for a `tools/call`
 * its arguments against the tool's `inputSchema` from the conversation's recorded `tools/list`.
 * The schema is interpreted, never compiled into code: the page runs without eval.
 */
import { Validator, type Schema } from '@cfworker/json-schema';
import type { ToolEntry } from '../../control/templates.js';
import { checkJsonRpc, parseJson } from '../../control/edits.js';
import { isObject, summarize, type MessageKind } from '../../core/jsonrpc.js';
import type { PausedView } from '../../control/protocol.js';

export interface Verdict {
  /** The text to send, compacted, when there is no problem. */
  text?: string;
  value?: unknown;
  problems: string[];
}

const family = (kind: MessageKind) => (kind === 'response' || kind === 'error' ? 'answer' : kind);

/** The arguments of a tools/call against the tool's input schema, one line per problem. */
export function argumentProblems(message: unknown, tool: ToolEntry | undefined): string[] {
  if (!tool || tool.inputSchema === undefined || !isObject(message) || message.method !== 'tools/call' || !isObject(message.params)) return [];
  let validator: Validator;
  try {
    validator = new Validator(tool.inputSchema as Schema, '2020-12', false);
  } catch (error) {
    return [`the inputSchema of ${tool.name} cannot be read (${(error as Error).message}); the arguments were not checked`];
  }
  const result = validator.validate(message.params.arguments ?? {});
  if (result.valid) return [];
  // The leaf errors say what is wrong; the ones above them only say "something below failed".
  const leaves = result.errors.filter((e) => !['properties', 'allOf', 'anyOf', 'oneOf', '$ref', 'items', 'prefixItems'].includes(e.keyword));
  return (leaves.length > 0 ? leaves : result.errors).map((e) => `arguments${e.instanceLocation.replace(/^#/, '').replace(/\//g, '.')}: ${e.error} (inputSchema of ${tool.name})`);
}

/** An edit of a held message: what the proxy would refuse is said before it is sent. */
export function checkEdit(text: string, paused: PausedView, tool: ToolEntry | undefined): Verdict {
  const checked = checkJsonRpc(text);
  if (!checked.ok) return { problems: [checked.error] };
  const now = summarize(checked.value);
  const problems: string[] = [];
  if (now.kind === 'invalid' || now.kind === 'batch') problems.push('not one JSON-RPC message');
  else if (family(now.kind) !== family(paused.kind)) problems.push(`the held message is a ${paused.kind}; this is a ${now.kind}`);
  if (paused.id !== undefined && JSON.stringify(now.id) !== JSON.stringify(paused.id)) problems.push(`the id must stay ${JSON.stringify(paused.id)} (the other side matches the answer by it)`);
  problems.push(...argumentProblems(checked.value, tool));
  return problems.length > 0 ? { problems } : { text: checked.text, value: checked.value, problems };
}

/** A request to send through the proxy (re-sent or composed): the proxy gives it a fresh id. */
export function checkRequest(text: string, tool: ToolEntry | undefined): Verdict {
  const checked = checkJsonRpc(text);
  if (!checked.ok) return { problems: [checked.error] };
  const problems: string[] = [];
  if (summarize(checked.value).kind !== 'request') problems.push('only a request can be sent (it needs "method" and "id"; the id is replaced)');
  problems.push(...argumentProblems(checked.value, tool));
  return problems.length > 0 ? { problems } : { text: checked.text, value: checked.value, problems };
}

/** A mock answer: a result value, or a whole JSON-RPC response. */
export function checkMock(text: string): Verdict {
  const parsed = parseJson(text);
  return parsed.ok ? { text: parsed.text, value: parsed.value, problems: [] } : { problems: [parsed.error] };
}
