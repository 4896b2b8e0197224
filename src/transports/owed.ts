/**
 * The requests an upstream connection still owes answers to, for transports whose answers come
 * back on a connection that can drop without resuming (a legacy SSE stream, a WebSocket): when
 * it drops, each of them is reported undelivered, so its sender gets an error instead of waiting
 * forever. A transport that resumes (Streamable HTTP with event ids) need not use it.
 */
import { idKey, isObject, parseOrUndefined } from '../core/jsonrpc.js';
import type { SendMeta } from '../core/transport.js';
import { scanEnvelope } from '../core/envelope.js';

export class OwedRequests {
  private readonly owed = new Map<string, string>();

  /** Notes a message sent upstream; only requests are kept. */
  sent(text: string, meta: SendMeta | undefined): void {
    if (meta?.summary.kind === 'request') this.owed.set(idKey(meta.summary.id), text);
  }

  /** Forgets a request that was answered some other way (its delivery failed, and was reported). */
  forget(meta: SendMeta | undefined): void {
    if (meta?.summary.kind === 'request') this.owed.delete(idKey(meta.summary.id));
  }

  /** Notes a message received; an answer settles its request. Cheap: no parse unless one is owed. */
  received(text: string): void {
    if (this.owed.size === 0) return;
    // One message: its envelope says whether it answers, with no parse; a batch is parsed.
    const summary = scanEnvelope(text)?.summary;
    if (summary) {
      if ((summary.kind === 'response' || summary.kind === 'error') && summary.hasId) this.owed.delete(idKey(summary.id));
      return;
    }
    const message = parseOrUndefined(text);
    if (message === undefined) return;
    for (const item of Array.isArray(message) ? message : [message]) {
      if (isObject(item) && !('method' in item) && ('result' in item || 'error' in item)) this.owed.delete(idKey(item.id as string | number | null));
    }
  }

  /** Forgets every owed request and hands each to `fail` (the transport's ondeliveryfailed). */
  failAll(fail: (text: string) => void): void {
    const texts = [...this.owed.values()];
    this.owed.clear();
    for (const text of texts) fail(text);
  }

  get size(): number {
    return this.owed.size;
  }
}
