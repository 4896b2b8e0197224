/**
 * A Transport over a pair of byte streams speaking newline-delimited JSON: the base of both
 * stdio sides (our own stdin/stdout downstream, a child's stdout/stdin upstream).
 */
import type { Readable, Writable } from 'node:stream';
import type { TransportKind } from '../core/context.js';
import { DEFAULT_MAX_MESSAGE_BYTES, LineDecoder, encodeLine } from '../core/framing.js';
import type { CloseInfo, SendMeta, Transport } from '../core/transport.js';

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
  /**
   * Lines of the write being gathered (with their newlines): messages that came in one read of the
   * peer leave in one write. Bytes for a message forwarded as it came, text for one the proxy made
   * or changed.
   */
  private pending: (string | Buffer)[] = [];
  private pendingBytes = false;
  private flushQueued = false;
  private readonly decoder: LineDecoder;

  constructor(
    readonly kind: TransportKind,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: LineStreamOptions = {},
  ) {
    this.decoder = new LineDecoder(
      {
        line: (text, sameRead, wire) => this.onmessage?.(text, sameRead ? { sameRead, wire } : { wire }),
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

  send(text: string, meta?: SendMeta): void {
    // Only the output's own state matters: a client that closed its stdin still reads our stdout,
    // and answers to what it sent before closing are still owed.
    if (this.output.destroyed || this.output.writableEnded) return;
    // One message per line: text from elsewhere (a pretty-printed HTTP body) is folded first.
    // JSON strings cannot hold a raw CR or LF, so these are whitespace between tokens; folding
    // them (rather than re-stringifying) keeps big integer ids and -0 exactly as sent.
    // includes() rather than a regular expression for the check: it runs on every message, and
    // scanning for one character is about 20 times faster (1 µs against 50 ns for 2 KB).
    const multiline = text.includes('\n') || text.includes('\r');
    // The peer's boundaries are kept: what it wrote in one go (one read here) leaves in one write,
    // at the end of the tick, so a batch costs one system call; what it wrote apart leaves apart,
    // even within one tick. A client that drops a progress notification read together with the
    // answer (as the MCP SDK does) then sees no more of that through the proxy than without it.
    if (this.pending.length > 0 && meta?.sameRead !== true) this.flush();
    // The bytes it came as, when it goes on unchanged (a CR inside is folded like any other).
    if (meta?.wire !== undefined && !multiline) {
      this.pending.push(meta.wire);
      this.pendingBytes = true;
    } else {
      this.pending.push(encodeLine(multiline ? text.replace(/[\r\n]/g, ' ') : text));
    }
    if (!this.flushQueued) {
      this.flushQueued = true;
      process.nextTick(this.flushAtTickEnd);
    }
  }

  /** Writes the gathered lines as one write (before the output is ended, too). */
  protected flush(): void {
    const lines = this.pending;
    if (lines.length === 0) return;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = false;
    if (this.output.destroyed || this.output.writableEnded) return;
    if (lines.length === 1) this.output.write(lines[0]!);
    else if (!bytes) this.output.write(lines.join(''));
    else this.writeRuns(lines);
  }

  /**
   * Lines of bytes and text as one write: each run of lines that lie one after the other in the
   * chunk they came in is one view of it, and the runs leave together (corked: one writev).
   */
  private writeRuns(lines: (string | Buffer)[]): void {
    const runs = contiguousRuns(lines);
    if (runs.length === 1) return void this.output.write(runs[0]!);
    this.output.cork();
    for (const run of runs) this.output.write(run);
    this.output.uncork();
  }

  /** One function for the transport's life, not a closure per message. */
  private readonly flushAtTickEnd = (): void => {
    this.flushQueued = false;
    this.flush();
  };

  async close(): Promise<void> {
    // Our own stdout is never ended (the process may still write its last messages); a
    // child's stdin is, which is how a stdio server is told to stop.
    this.flush();
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

/** Lines as runs to write: consecutive views of one chunk joined into one view, text as it is. */
function contiguousRuns(lines: (string | Buffer)[]): (string | Buffer)[] {
  const runs: (string | Buffer)[] = [];
  let run: Buffer | undefined;
  let end = 0;
  for (const line of lines) {
    if (typeof line !== 'string' && run !== undefined && line.buffer === run.buffer && line.byteOffset === end) {
      end += line.length;
      continue;
    }
    if (run !== undefined) runs.push(Buffer.from(run.buffer, run.byteOffset, end - run.byteOffset));
    run = undefined;
    if (typeof line === 'string') runs.push(line);
    else {
      run = line;
      end = line.byteOffset + line.length;
    }
  }
  if (run !== undefined) runs.push(Buffer.from(run.buffer, run.byteOffset, end - run.byteOffset));
  return runs;
}
