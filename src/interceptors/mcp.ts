/**
 * Protocol validation. Answers what is not JSON-RPC (-32700 for text that is not JSON, -32600
 * for JSON that is not a JSON-RPC message), keeps a server's stray output off the client's
 * stream, and flags responses to ids nobody asked for. It never changes a valid message.
 */
import type { InterceptAction } from '../core/actions.js';
import type { Interceptor } from '../core/chain.js';
import type { InterceptContext } from '../core/context.js';
import { ErrorCode, summarize } from '../core/jsonrpc.js';
import { silentLogger, type Logger } from '../core/log.js';
import { redactText } from '../core/secrets.js';

const PREVIEW = 200;
/** Stray lines shown in full before the rest are only counted. */
const SHOWN_STRAY_LINES = 5;
/** How often the count of the rest is said, while they keep coming. */
const STRAY_SUMMARY_MS = 10_000;

/** The start of a peer's line, secrets hidden and control characters shown, never sent to the terminal. */
function preview(text: string): string {
  const cut = text.length > PREVIEW ? `${text.slice(0, PREVIEW)}... (${text.length} chars)` : text;
  // eslint-disable-next-line no-control-regex
  return redactText(cut).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export class McpInterceptor implements Interceptor {
  readonly name = 'mcp';

  /** Stray server lines seen, and those not yet said on stderr. */
  private strayLines = 0;
  private unsaid = 0;
  private summary?: NodeJS.Timeout;

  constructor(private readonly logger: Logger = silentLogger) {}

  /** It goes by the summary; what it says about malformed text comes from a parse the pipeline makes anyway. */
  needsMessage(): boolean {
    return false;
  }

  intercept(ctx: InterceptContext): InterceptAction | void {
    const { kind } = ctx.summary;
    if (kind === 'invalid') return this.invalid(ctx);
    if (kind === 'batch' && ctx.direction === 'c2s' && Array.isArray(ctx.message)) return this.batch(ctx, ctx.message);
    if ((kind === 'response' || kind === 'error') && !ctx.request) {
      ctx.flags.push('unknown-response-id');
      this.logger.warn(`${ctx.direction === 's2c' ? 'server' : 'client'} answered id ${JSON.stringify(ctx.summary.id)}, which no pending request has`);
    }
  }

  /**
   * The first few stray lines are shown; after that a server that logs to stdout all day gets
   * one line of stderr every few seconds saying how many more, not one per line.
   */
  private strayLine(raw: string): void {
    if (++this.strayLines <= SHOWN_STRAY_LINES) {
      const more = this.strayLines === SHOWN_STRAY_LINES ? ' (further ones are counted, not shown; all are on the tape)' : '';
      this.logger.warn(`server wrote a line that is not JSON-RPC; kept it off the client's stream: ${preview(raw)}${more}`);
      return;
    }
    this.unsaid++;
    this.summary ??= setTimeout(() => this.sayUnsaid(), STRAY_SUMMARY_MS).unref();
  }

  private sayUnsaid(): void {
    this.summary = undefined;
    if (this.unsaid === 0) return;
    this.logger.warn(`server wrote ${this.unsaid} more line(s) that are not JSON-RPC (${this.strayLines} in all); kept off the client's stream, on the tape flagged non-jsonrpc-output`);
    this.unsaid = 0;
  }

  close(): void {
    if (this.summary) clearTimeout(this.summary);
    this.sayUnsaid();
  }

  /** A client's batch goes on only when every item in it is a JSON-RPC message (batches hold no batches). */
  private batch(ctx: InterceptContext, items: unknown[]): InterceptAction | void {
    const bad = items.findIndex((item) => {
      const kind = summarize(item).kind;
      return kind === 'invalid' || kind === 'batch';
    });
    if (bad === -1) return;
    ctx.flags.push('invalid-request');
    return { type: 'block', reason: `Invalid Request: batch item ${bad} is not a JSON-RPC 2.0 message; the batch was not forwarded`, code: ErrorCode.InvalidRequest };
  }

  private invalid(ctx: InterceptContext): InterceptAction {
    if (ctx.direction === 's2c') {
      // The commonest stdio bug: a server logging to stdout. The client must never see it.
      ctx.flags.push('non-jsonrpc-output');
      this.strayLine(ctx.raw);
      return { type: 'block', reason: 'server output is not JSON-RPC', code: ErrorCode.InvalidRequest };
    }
    if (ctx.parseError !== undefined) {
      ctx.flags.push('parse-error');
      return { type: 'block', reason: `Parse error: ${ctx.parseError}`, code: ErrorCode.ParseError };
    }
    ctx.flags.push('invalid-request');
    return { type: 'block', reason: 'Invalid Request: not a JSON-RPC 2.0 message', code: ErrorCode.InvalidRequest };
  }
}
