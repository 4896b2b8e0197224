/**
 * A Transport over a pair of byte streams speaking newline-delimited JSON: the base of both
 * stdio sides (our own stdin/stdout downstream, a child's stdout/stdin upstream).
 */
import type { Readable, Writable } from 'node:stream';
import type { TransportKind } from '../core/context.js';
import { DEFAULT_MAX_MESSAGE_BYTES, LineDecoder, encodeLine } from '../core/framing.js';
import type { CloseInfo, Transport } from './transport.js';

export interface LineStreamOptions {
  maxMessageBytes?: number;
  /** Said when the readable side ends, e.g. 'client closed stdin'. */
  endReason?: string;
  /** False when someone else knows better when the peer is gone (a child process's exit). */
  closeOnInputEnd?: boolean;
}

export class LineStreamTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onoversized?: Transport['onoversized'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];
  private closed = false;
  private corked = false;
  private readonly decoder: LineDecoder;

  constructor(
    readonly kind: TransportKind,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: LineStreamOptions = {},
  ) {
    this.decoder = new LineDecoder(
      {
        line: (text) => this.onmessage?.(text),
        oversized: (bytes, limit, excerpt) => this.onoversized?.(bytes, limit, excerpt),
      },
      options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    );
  }

  async start(): Promise<void> {
    this.input.on('data', (chunk: Buffer | string) => this.decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    this.input.on('end', () => {
      this.decoder.end();
      if (this.options.closeOnInputEnd !== false) this.finish({ reason: this.options.endReason ?? 'input ended' });
    });
    this.input.on('error', (error) => this.onerror?.(error));
    // EPIPE and friends: the peer went away; the close is reported by whoever owns the process.
    this.output.on('error', (error) => this.onerror?.(error));
  }

  send(text: string): void {
    // Only the output's own state matters: a client that closed its stdin still reads our stdout,
    // and answers to what it sent before closing are still owed.
    if (this.output.destroyed || this.output.writableEnded) return;
    // Messages sent in one tick leave in one write (one syscall), not one each.
    if (!this.corked) {
      this.corked = true;
      this.output.cork();
      process.nextTick(this.uncork);
    }
    // One message per line: text from elsewhere (a pretty-printed HTTP body) is folded first.
    // JSON strings cannot hold a raw CR or LF, so these are whitespace between tokens; folding
    // them (rather than re-stringifying) keeps big integer ids and -0 exactly as sent.
    // includes() rather than a regular expression for the check: it runs on every message, and
    // scanning for one character is about 20 times faster (1 µs against 50 ns for 2 KB).
    const folded = text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, ' ') : text;
    this.output.write(encodeLine(folded));
  }

  /** Ends the tick's cork; one function for the transport's life, not a closure per message. */
  private readonly uncork = (): void => {
    this.corked = false;
    this.output.uncork();
  };

  async close(): Promise<void> {
    // Our own stdout is never ended (the process may still write its last messages); a
    // child's stdin is, which is how a stdio server is told to stop.
    if (!this.output.writableEnded && this.output !== process.stdout) this.output.end();
    // Stop reading, so an open input does not keep the process alive after the session.
    this.input.destroy();
    this.finish({ reason: 'closed by the proxy' });
  }

  /** Reports the end once; subclasses that know better (a child's exit) call it themselves. */
  protected finish(info: CloseInfo): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.(info);
  }
}
