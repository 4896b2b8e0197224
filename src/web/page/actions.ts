/**
 * What the page's buttons do, kept out of the components as the terminal UI keeps them in its
 * controller: decisions on held messages, re-sending and composing requests, saving a rule, and
 * the commands a person can copy to do the same from a shell.
 */
import type { Exchange } from '../../core/exchange.js';
import { frameText, prettyJson } from '../../core/exchange-text.js';
import { isObject } from '../../core/jsonrpc.js';
import { awaitTools, envelopeOf, toolsIn } from '../../control/conversation.js';
import { matchFor } from '../../control/edits.js';
import type { PausedView } from '../../control/protocol.js';
import { composeToolCall, mockResultFor, type ToolEntry } from '../../control/templates.js';
import type { ConsoleStore } from './store.js';
import { checkEdit, checkMock, checkRequest, type Verdict } from './checks.js';

export interface EditorRequest {
  title: string;
  initial: string;
  action: string;
  original?: string;
  note?: string;
  check: (text: string) => Verdict;
  submit: (verdict: Verdict) => Promise<boolean>;
  /** Called when the dialog closes without sending (a held message's timer starts again). */
  cancelled?: () => void;
}

export class Actions {
  constructor(
    private readonly store: ConsoleStore,
    private readonly openEditor: (request: EditorRequest) => void,
  ) {}

  private toolFor(conversation: string, name: string | undefined): ToolEntry | undefined {
    return name === undefined ? undefined : toolsIn(this.store.log, conversation).find((t) => t.name === name);
  }

  resume(paused: PausedView): void {
    void this.store.command({ cmd: 'resume', pauseId: paused.pauseId }, `#${paused.pauseId} resumed`);
  }

  resumeAll(): void {
    void this.store.command({ cmd: 'resume', pauseId: 'all' }, 'every held message resumed');
  }

  drop(paused: PausedView, reason: string): void {
    void this.store.command({ cmd: 'drop', pauseId: paused.pauseId, reason: reason.trim() || 'dropped in the web console' }, `#${paused.pauseId} dropped`);
  }

  /** Stops the hold's timer while the person edits (as the terminal UI does), and starts it again if they give up. */
  private hold(paused: PausedView): () => void {
    void this.store.link.request({ cmd: 'timer', pauseId: paused.pauseId, running: false }).catch(() => undefined);
    return () => void this.store.link.request({ cmd: 'timer', pauseId: paused.pauseId, running: true }).catch(() => undefined);
  }

  edit(paused: PausedView): void {
    const tool = paused.kind === 'request' ? this.toolFor(paused.sessionId, paused.toolName) : undefined;
    const restart = this.hold(paused);
    this.openEditor({
      title: `Edit held #${paused.pauseId}: ${paused.method ?? paused.requestMethod ?? paused.kind}${paused.toolName ? ` ${paused.toolName}` : ''}`,
      initial: prettyJson(paused.text),
      original: paused.text,
      action: 'Send edited',
      note: tool?.inputSchema ? `checked against the inputSchema of ${tool.name} from the recorded tools/list` : undefined,
      check: (text) => checkEdit(text, paused, tool),
      cancelled: restart,
      submit: async (verdict) => {
        const sent = await this.store.command({ cmd: 'edit', pauseId: paused.pauseId, text: verdict.text! }, `#${paused.pauseId} sent edited`);
        if (!sent) return false;
        const match = matchFor(paused);
        if (match && isObject(verdict.value) && 'result' in verdict.value) this.store.lastAnswer = { match, result: verdict.value.result };
        return true;
      },
    });
  }

  mock(paused: PausedView): void {
    if (paused.kind !== 'request') return this.store.say(`#${paused.pauseId} is a ${paused.kind}; only a request can be answered with a mock (edit an answer instead)`, 'error');
    let params: unknown;
    try {
      params = (JSON.parse(paused.text) as { params?: unknown }).params;
    } catch {
      params = undefined;
    }
    const tool = this.toolFor(paused.sessionId, paused.toolName);
    const restart = this.hold(paused);
    this.openEditor({
      title: `Mock an answer to held #${paused.pauseId}: ${paused.method ?? ''}${paused.toolName ? ` ${paused.toolName}` : ''}`,
      initial: JSON.stringify(mockResultFor(paused.method, params, tool), null, 2),
      action: 'Answer with this',
      note: 'a result (or a whole JSON-RPC response); the server never sees the request',
      check: checkMock,
      cancelled: restart,
      submit: async (verdict) => {
        const sent = await this.store.command({ cmd: 'mock', pauseId: paused.pauseId, text: verdict.text! }, `#${paused.pauseId} answered with the mock`);
        if (!sent) return false;
        const match = matchFor(paused);
        const value = verdict.value;
        const whole = isObject(value) && value.jsonrpc === '2.0' && 'result' in value;
        if (match) this.store.lastAnswer = { match, result: whole ? value.result : value };
        return true;
      },
    });
  }

  async saveRule(): Promise<void> {
    const answer = this.store.lastAnswer;
    if (!answer) return this.store.say('no edited or mocked answer to save yet (edit a held answer, or mock a held request)', 'error');
    try {
      const saved = (await this.store.link.ask({ cmd: 'save-rule', match: answer.match, result: answer.result })) as { file: string };
      this.store.say(`mock rule for "${answer.match}" added to ${saved.file}`);
    } catch (error) {
      this.store.say((error as Error).message, 'error');
    }
  }

  /** The request of `exchange` sent again through the proxy, as it was or edited first; its answer comes here, not to the client. */
  resend(exchange: Exchange, edit: boolean): void {
    if (exchange.direction !== 'c2s') return this.store.say("only a client's request can be re-sent (this one is the server's)", 'error');
    if (exchange.held?.part === 'request') return this.store.say('this request is held and has not been sent yet: decide it first', 'error');
    const text = frameText(exchange.request);
    const tool = this.toolFor(exchange.conversation, exchange.method === 'tools/call' ? exchange.name : undefined);
    const what = exchange.name === undefined ? exchange.method : `${exchange.method} ${exchange.name}`;
    if (!edit) {
      void this.send(exchange.conversation, text, `re-sent ${what}`);
      return;
    }
    this.openEditor({
      title: `Re-send ${what}`,
      initial: prettyJson(text),
      original: text,
      action: 'Send',
      note: 'sent through the proxy under a fresh id; its answer comes here and to the tape, not to the client',
      check: (t) => checkRequest(t, tool),
      submit: async (verdict) => (await this.send(exchange.conversation, verdict.text!, `re-sent ${what}`)) !== undefined,
    });
  }

  private async send(conversation: string, text: string, what: string): Promise<string | undefined> {
    const result = await this.store.command({ cmd: 'send', sessionId: conversation, text });
    if (!result || !isObject(result.data) || typeof result.data.id !== 'string') return undefined;
    const id = result.data.id;
    this.store.awaiting = { conversation, id };
    this.store.say(`${what} as id "${id}"; its answer comes here and to the tape, not to the client`);
    return id;
  }

  /** The tools a conversation's server offers: from its recorded tools/list, else asked for now. */
  async tools(conversation: string): Promise<ToolEntry[]> {
    const known = toolsIn(this.store.log, conversation);
    if (known.length > 0) return known;
    const envelope = envelopeOf(this.store.log, conversation);
    const list = { jsonrpc: '2.0', id: 0, method: 'tools/list', params: envelope ? { _meta: envelope } : {} };
    const id = await this.send(conversation, JSON.stringify(list), 'asked the server for its tools (tools/list)');
    if (!id) return [];
    return awaitTools(() => this.store.log, conversation, id, 10_000);
  }

  compose(conversation: string, tool: ToolEntry): void {
    const request = composeToolCall(tool, envelopeOf(this.store.log, conversation));
    this.openEditor({
      title: `Call ${tool.name}`,
      initial: JSON.stringify(request, null, 2),
      action: 'Send',
      note: `${tool.description ?? ''} — arguments checked against its inputSchema; sent in conversation ${conversation}`,
      check: (t) => checkRequest(t, tool),
      submit: async (verdict) => (await this.send(conversation, verdict.text!, `sent tools/call ${tool.name}`)) !== undefined,
    });
  }
}

/** Quoted for a POSIX shell: one argument, whatever it holds. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `mcp-tap send`: the request sent again through the running proxy (any transport), its answer printed. */
export function mcpTapCommand(proxyId: string, exchange: Exchange): string {
  return `mcp-tap send ${proxyId} --conversation ${shellQuote(exchange.conversation)} ${shellQuote(frameText(exchange.request))}`;
}

/**
 * curl against a proxy that serves HTTP: the request posted to its /mcp endpoint, with the
 * headers its era needs (a 2025 session's id; a 2026-07-28 request's method and name headers).
 */
export function curlCommand(listen: string | undefined, exchange: Exchange): string | undefined {
  if (!listen) return undefined;
  const headers = ['Content-Type: application/json', 'Accept: application/json, text/event-stream'];
  if (exchange.era === 'modern') {
    headers.push('MCP-Protocol-Version: 2026-07-28', `Mcp-Method: ${exchange.method}`);
    if (exchange.name !== undefined) headers.push(`Mcp-Name: ${exchange.name}`);
  } else {
    headers.push(`Mcp-Session-Id: ${exchange.conversation}`);
  }
  return ['curl -sS', ...headers.map((h) => `-H ${shellQuote(h)}`), `--data-binary ${shellQuote(frameText(exchange.request))}`, shellQuote(`${listen}/mcp`)].join(' ');
}
