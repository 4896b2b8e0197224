/**
 * Protocol validation. Answers what is not JSON-RPC (-32700 for text that is not JSON, -32600
 * for JSON that is not a JSON-RPC message), keeps a server's stray output off the client's
 * stream, and flags responses to ids nobody asked for. It never changes a valid message.
 */
import type { InterceptAction } from '../core/actions.js';
import type { Interceptor } from '../core/chain.js';
import type { InterceptContext } from '../core/context.js';
import { ErrorCode } from '../core/jsonrpc.js';
import { silentLogger, type Logger } from '../core/log.js';

const PREVIEW = 200;

function preview(text: string): string {
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}... (${text.length} chars)` : text;
}

export class McpInterceptor implements Interceptor {
  readonly name = 'mcp';

  constructor(private readonly logger: Logger = silentLogger) {}

  intercept(ctx: InterceptContext): InterceptAction | void {
    const { kind } = ctx.summary;
    if (kind === 'invalid') return this.invalid(ctx);
    if ((kind === 'response' || kind === 'error') && !ctx.request) {
      ctx.flags.push('unknown-response-id');
      this.logger.warn(`${ctx.direction === 's2c' ? 'server' : 'client'} answered id ${JSON.stringify(ctx.summary.id)}, which no pending request has`);
    }
  }

  private invalid(ctx: InterceptContext): InterceptAction {
    if (ctx.direction === 's2c') {
      // The commonest stdio bug: a server logging to stdout. The client must never see it.
      ctx.flags.push('non-jsonrpc-output');
      this.logger.warn(`server wrote a line that is not JSON-RPC; kept it off the client's stream: ${preview(ctx.raw)}`);
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
