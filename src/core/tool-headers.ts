/**
 * Remembers which arguments each tool mirrors in `Mcp-Param-*` headers (its `x-mcp-header`
 * annotations), from the `tools/list` answers that cross the proxy, so headers can be checked on
 * the way in and derived again on the way out after a rule or a person changed an argument.
 * It observes; it never decides.
 */
import type { Interceptor } from './chain.js';
import type { FrameEvent } from './context.js';
import { paramHeadersOf, type ParamHeader } from './era.js';
import { isObject } from './jsonrpc.js';

export class ToolHeaderBook implements Interceptor {
  readonly name = 'tool-headers';
  private readonly tools = new Map<string, ParamHeader[]>();

  observe(event: FrameEvent): void {
    if (event.direction !== 's2c' || event.summary.kind !== 'response' || event.requestMethod !== 'tools/list') return;
    this.learn(event.message);
  }

  /** Reads a tools/list answer (also used by transports that see answers the pipeline does not). */
  learn(message: unknown): void {
    const result = isObject(message) ? message.result : undefined;
    const tools = isObject(result) && Array.isArray(result.tools) ? result.tools : [];
    for (const tool of tools) {
      if (!isObject(tool) || typeof tool.name !== 'string') continue;
      const declared = paramHeadersOf(tool.inputSchema);
      // A tool whose annotations are invalid gets no Mcp-Param-* headers at all, as conforming clients do.
      if (declared && declared.length > 0) this.tools.set(tool.name, declared);
      else this.tools.delete(tool.name);
    }
  }

  /** The annotated arguments of a tool, when its tools/list entry has been seen. */
  of(tool: unknown): ParamHeader[] | undefined {
    return typeof tool === 'string' ? this.tools.get(tool) : undefined;
  }
}
