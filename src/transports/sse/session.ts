/**
 * One client of the legacy HTTP+SSE transport (MCP 2024-11-05), seen from the proxy's server
 * side: the client's GET /sse stream carries everything the proxy sends; the client POSTs its
 * messages to the endpoint the stream announced.
 */
import type { HttpMeta } from '../../core/context.js';
import type { CloseInfo, Transport } from '../../core/transport.js';
import { SseStream } from '../http/sse.js';

export class LegacySseSession implements Transport {
  readonly kind = 'sse' as const;
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  /** Told when the session ends (the endpoint forgets it then). */
  onended?: () => void;
  private closed = false;

  constructor(
    readonly sessionId: string,
    private readonly stream: SseStream,
  ) {
    stream.onclose = () => this.finish({ reason: 'client closed its SSE stream' });
  }

  async start(): Promise<void> {}

  /** Messages the client POSTed. */
  receive(texts: string[], http: HttpMeta): void {
    for (const text of texts) this.onmessage?.(text, { http });
  }

  send(text: string): void {
    this.stream.send(text);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(info: CloseInfo = { reason: 'session closed by the proxy' }): Promise<void> {
    this.stream.end();
    this.finish(info);
  }

  private finish(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.onended?.();
    this.onclose?.(info);
  }
}
