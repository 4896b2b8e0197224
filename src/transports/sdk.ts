/**
 * Either side of the proxy as an MCP SDK transport (`InMemoryTransport`, or any other), so a
 * proxy can run inside a test or an application with no process or socket in between.
 */
import type { Transport as SdkTransport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { TransportKind } from '../core/context.js';
import type { CloseInfo, Transport } from '../core/transport.js';

export class SdkTransportAdapter implements Transport {
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  private closed = false;

  constructor(
    private readonly inner: SdkTransport,
    readonly kind: TransportKind = 'memory',
    private readonly closeReason = 'peer closed the connection',
  ) {}

  async start(): Promise<void> {
    // The SDK hands over parsed objects; the pipeline works on text, as from any wire.
    this.inner.onmessage = (message) => this.onmessage?.(JSON.stringify(message));
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => this.finish({ reason: this.closeReason });
    await this.inner.start();
  }

  send(text: string): void {
    if (this.closed) return;
    this.inner.send(JSON.parse(text) as JSONRPCMessage).catch((error: unknown) => this.onerror?.(error as Error));
  }

  async close(): Promise<void> {
    await this.inner.close();
    this.finish({ reason: 'closed by the proxy' });
  }

  private finish(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.(info);
  }
}
