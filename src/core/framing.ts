/**
 * Newline-delimited JSON framing for stdio (the MCP stdio transport): one message per line.
 * Works on bytes, not strings, so a UTF-8 character split across chunks is never mangled, and
 * bounds what it buffers so a peer that never sends a newline cannot grow memory without limit.
 */

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** How much of each end of a discarded line is kept: enough to find its JSON-RPC id. */
const EXCERPT_BYTES = 256;

/** The two ends of a discarded line (an id sits at one end in practice). */
export interface LineExcerpt {
  head: string;
  tail: string;
}

export interface LineDecoderEvents {
  /**
   * A complete line; `sameRead` when an earlier line was completed by the same chunk (one read of
   * the peer's stream). `wire` is the line as it would be written on: its bytes and a newline
   * (a view of the chunk when the line lay whole in it, ending in its own newline), so a message
   * forwarded unchanged can leave as the bytes it came as.
   */
  line(text: string, sameRead: boolean, wire: Buffer): void;
  /** A line longer than the limit; its bytes were discarded up to the next newline. */
  oversized(byteLength: number, limit: number, excerpt: LineExcerpt): void;
}

export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while discarding the rest of an oversized line. */
  private skipping = false;
  private skippedBytes = 0;
  private skippedHead: Buffer = Buffer.alloc(0);
  private skippedTail: Buffer = Buffer.alloc(0);
  /** Lines completed by the chunk being pushed so far. */
  private linesInChunk = 0;

  constructor(
    private readonly events: LineDecoderEvents,
    private readonly maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    this.linesInChunk = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (this.skipping) {
        this.skippedBytes += piece.length;
        this.skippedTail = lastBytes([this.skippedTail, piece], EXCERPT_BYTES);
      } else if (this.pendingBytes + piece.length > this.maxBytes) {
        this.skipping = true;
        this.skippedBytes = this.pendingBytes + piece.length;
        // Only the ends are kept, to tell the peer which message was refused.
        this.skippedHead = firstBytes([...this.pending, piece], EXCERPT_BYTES);
        this.skippedTail = lastBytes([...this.pending, piece], EXCERPT_BYTES);
        this.pending = [];
        this.pendingBytes = 0;
      } else if (piece.length > 0) {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
      }
      if (newline === -1) return;
      this.endLine(chunk, newline);
      start = newline + 1;
    }
  }

  /** Emits whatever is left when the stream ends without a final newline. */
  end(): void {
    this.linesInChunk = 0;
    if (this.pendingBytes > 0 || this.skipping) this.endLine();
  }

  /** `chunk` and `newline`: where the line's newline is, when it ends in a chunk (not at the stream's end). */
  private endLine(chunk?: Buffer, newline?: number): void {
    if (this.skipping) {
      let tail = this.skippedTail;
      if (tail.length > 0 && tail[tail.length - 1] === CARRIAGE_RETURN) tail = tail.subarray(0, -1);
      const excerpt = { head: this.skippedHead.toString('utf8'), tail: tail.toString('utf8') };
      const bytes = this.skippedBytes;
      this.skipping = false;
      this.skippedBytes = 0;
      this.skippedHead = this.skippedTail = Buffer.alloc(0);
      this.events.oversized(bytes, this.maxBytes, excerpt);
      return;
    }
    const parts = this.pending;
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.pendingBytes);
    const single = parts.length === 1;
    parts.length = 0;
    this.pendingBytes = 0;
    const crlf = bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN;
    if (crlf) bytes = bytes.subarray(0, -1);
    const text = bytes.toString('utf8');
    if (text.length === 0 || (text.charCodeAt(0) <= 0x20 && text.trim().length === 0)) return;
    // The line and its newline: still in the chunk when it lay whole in it, else copied once.
    const at = chunk === undefined ? -1 : bytes.byteOffset - chunk.byteOffset;
    const whole = single && !crlf && chunk !== undefined && bytes.buffer === chunk.buffer && at >= 0 && at + bytes.length === newline;
    const wire = whole ? chunk.subarray(at, newline + 1) : withNewline(bytes);
    this.events.line(text, this.linesInChunk++ > 0, wire);
  }
}

/** The first `n` bytes of parts laid end to end, as a copy (never a view that keeps a big chunk alive). */
function firstBytes(parts: Buffer[], n: number): Buffer {
  const taken: Buffer[] = [];
  let length = 0;
  for (const part of parts) {
    if (length >= n) break;
    taken.push(part.subarray(0, n - length));
    length += taken[taken.length - 1]!.length;
  }
  return Buffer.concat(taken, length);
}

/** The last `n` bytes of parts laid end to end, as a copy. */
function lastBytes(parts: Buffer[], n: number): Buffer {
  const taken: Buffer[] = [];
  let length = 0;
  for (let i = parts.length - 1; i >= 0 && length < n; i--) {
    const part = parts[i]!;
    taken.unshift(part.subarray(Math.max(0, part.length - (n - length))));
    length += taken[0]!.length;
  }
  return Buffer.concat(taken, length);
}

function withNewline(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length + 1);
  bytes.copy(out);
  out[bytes.length] = NEWLINE;
  return out;
}

/** Frames one message for a newline-delimited stream. */
export function encodeLine(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
