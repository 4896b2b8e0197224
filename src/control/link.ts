/**
 * What every ControlLink does whatever carries it (a WebSocket, or a function call in the same
 * process): number commands, match results to them, and hold messages that arrive before the UI
 * has set `onmessage`, so `hello` is never lost.
 */
import type { ClientCommand, ControlLink, ControlRequest, ServerMessage } from './protocol.js';

interface Waiting {
  resolve: (data: unknown) => void;
  reject: (error: Error) => void;
}

export abstract class LinkBase implements ControlLink {
  onclose?: (reason: string) => void;
  private handler?: (message: ServerMessage) => void;
  private early: ServerMessage[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private nextRef = 1;
  private endReason?: string;

  get onmessage(): ((message: ServerMessage) => void) | undefined {
    return this.handler;
  }

  set onmessage(handler: ((message: ServerMessage) => void) | undefined) {
    this.handler = handler;
    if (!handler || this.early.length === 0) return;
    const early = this.early;
    this.early = [];
    for (const message of early) handler(message);
  }

  /** Whether the link has ended, and why. */
  get closedReason(): string | undefined {
    return this.endReason;
  }

  request(command: ControlRequest): Promise<unknown> {
    if (this.endReason !== undefined) return Promise.reject(new Error(`the control channel is closed: ${this.endReason}`));
    const ref = this.nextRef++;
    return new Promise<unknown>((resolve, reject) => {
      this.waiting.set(ref, { resolve, reject });
      try {
        this.transmit(JSON.stringify({ ...command, ref } as ClientCommand));
      } catch (error) {
        this.waiting.delete(ref);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  }

  abstract close(): void;

  /** Sends one command's text to the proxy. */
  protected abstract transmit(text: string): void;

  /** Hands one message from the proxy to the UI (and settles a command's promise). */
  protected deliver(message: ServerMessage): void {
    if (message.type === 'result') {
      const waiting = this.waiting.get(message.ref);
      if (waiting) {
        this.waiting.delete(message.ref);
        if (message.ok) waiting.resolve(message.data);
        else waiting.reject(new Error(message.error));
      }
    }
    if (this.handler) this.handler(message);
    else this.early.push(message);
  }

  /** The link is gone: commands still waiting fail, and the UI is told once. */
  protected finish(reason: string): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    for (const waiting of this.waiting.values()) waiting.reject(new Error(`the control channel closed: ${reason}`));
    this.waiting.clear();
    this.onclose?.(reason);
  }
}
