/**
 * What a filter looks at, taken from a message in flight (an InterceptContext) or from a frame the
 * pipeline finished with (a FrameEvent). An answer is matched by the request it answers: `~m` and
 * `~t` see that request's method and tool.
 */
import type { InterceptContext } from '../core/context.js';
import { isObject, toolNameOf } from '../core/jsonrpc.js';
import type { FilterSubject } from './evaluate.js';

function paramsOf(message: unknown): unknown {
  return isObject(message) ? message.params : undefined;
}

export function subjectOfContext(ctx: InterceptContext): FilterSubject {
  const ownMethod = ctx.summary.method;
  const method = ownMethod ?? ctx.request?.method;
  return {
    direction: ctx.direction,
    kind: ctx.summary.kind,
    method,
    toolName: ownMethod !== undefined ? toolNameOf(ownMethod, paramsOf(ctx.message)) : toolNameOf(ctx.request?.method, ctx.request?.params),
    id: ctx.summary.id,
    sessionId: ctx.sessionId,
    text: ctx.raw,
  };
}
