/**
 * Newline-delimited JSON framing for stdio (the MCP stdio transport): one message per line.
 * Works on bytes, not strings, so a UTF-8 character split across chunks is never mangled, and
 * bounds what it buffers so a peer that never sends a newline cannot grow memory without limit.
 */

export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

export interface LineDecoderEvents {
  line(text: string): void;
  /** A line longer than the limit; its bytes were discarded up to the next newline. */
  oversized(byteLength: number, limit: number): void;
}

export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** True while discarding the rest of an oversized line. */
  private skipping = false;
  private skippedBytes = 0;

  constructor(
    private readonly events: LineDecoderEvents,
    private readonly maxBytes: number = DEFAULT_MAX_MESSAGE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (this.skipping) {
        this.skippedBytes += piece.length;
      } else if (this.pendingBytes + piece.length > this.maxBytes) {
        this.skipping = true;
        this.skippedBytes = this.pendingBytes + piece.length;
        this.pending = [];
        this.pendingBytes = 0;
      } else if (piece.length > 0) {
        this.pending.push(piece);
        this.pendingBytes += piece.length;
      }
      if (newline === -1) return;
      this.endLine();
      start = newline + 1;
    }
  }

  /** Emits whatever is left when the stream ends without a final newline. */
  end(): void {
    if (this.pendingBytes > 0 || this.skipping) this.endLine();
  }

  private endLine(): void {
    if (this.skipping) {
      this.events.oversized(this.skippedBytes, this.maxBytes);
      this.skipping = false;
      this.skippedBytes = 0;
      return;
    }
    let bytes = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CARRIAGE_RETURN) bytes = bytes.subarray(0, -1);
    const text = bytes.toString('utf8');
    if (text.trim().length === 0) return;
    this.events.line(text);
  }
}

/** Frames one message for a newline-delimited stream. */
export function encodeLine(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
