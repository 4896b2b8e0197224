/**
 * The frames the UI keeps: a bounded ring (old frames fall off) plus the subset the filter bar
 * lets through, kept up to date one frame at a time so a busy proxy never makes the UI re-filter
 * everything. Mutable on purpose: copying thousands of frames per message would be the slow part.
 */
import type { FilterPredicate, FilterSubject } from '../filter/index.js';
import type { FrameView } from '../control/protocol.js';

export const DEFAULT_FRAME_CAPACITY = 5000;

/** What the filter language sees of a frame shown in the UI. */
export function subjectOfView(frame: FrameView): FilterSubject {
  return {
    direction: frame.direction,
    kind: frame.kind,
    method: frame.method ?? frame.requestMethod,
    toolName: frame.toolName,
    id: frame.id,
    sessionId: frame.sessionId,
    text: frame.text,
  };
}

export class FrameLog {
  private readonly ring: (FrameView | undefined)[];
  private start = 0;
  private size = 0;
  /** Frames the filter lets through, oldest first, from `matchStart` on (a queue without shifting). */
  private matches: FrameView[] = [];
  private matchStart = 0;
  private predicate: FilterPredicate | undefined;

  constructor(readonly capacity = DEFAULT_FRAME_CAPACITY) {
    this.ring = new Array<FrameView | undefined>(capacity);
  }

  /** Every frame kept, filtered or not. */
  get total(): number {
    return this.size;
  }

  /** How many frames the filter lets through. */
  get visibleCount(): number {
    return this.matches.length - this.matchStart;
  }

  visibleAt(index: number): FrameView | undefined {
    return index < 0 ? undefined : this.matches[this.matchStart + index];
  }

  /** The visible frames in [from, to), for the rows on screen. */
  visibleSlice(from: number, to: number): FrameView[] {
    return this.matches.slice(this.matchStart + Math.max(0, from), this.matchStart + Math.max(0, to));
  }

  /** The index of the visible frame numbered `seq`, or -1; frames are in seq order, so a binary search. */
  indexOfSeq(seq: number): number {
    let low = this.matchStart;
    let high = this.matches.length - 1;
    while (low <= high) {
      const mid = (low + high) >> 1;
      const at = this.matches[mid]!.seq;
      if (at === seq) return mid - this.matchStart;
      if (at < seq) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  push(frame: FrameView): void {
    if (this.size === this.capacity) {
      const evicted = this.ring[this.start];
      this.ring[this.start] = frame;
      this.start = (this.start + 1) % this.capacity;
      if (evicted !== undefined && this.matches[this.matchStart] === evicted) this.matchStart++;
    } else {
      this.ring[(this.start + this.size) % this.capacity] = frame;
      this.size++;
    }
    if (this.predicate === undefined || this.predicate(subjectOfView(frame))) this.matches.push(frame);
    // Drop the dead head now and then, so the match queue stays about as large as the ring.
    if (this.matchStart > this.capacity) {
      this.matches = this.matches.slice(this.matchStart);
      this.matchStart = 0;
    }
  }

  /** Applies a new filter (or none) to everything kept: the one place that walks the whole ring. */
  setFilter(predicate: FilterPredicate | undefined): void {
    this.predicate = predicate;
    this.matches = [];
    this.matchStart = 0;
    for (let i = 0; i < this.size; i++) {
      const frame = this.ring[(this.start + i) % this.capacity]!;
      if (predicate === undefined || predicate(subjectOfView(frame))) this.matches.push(frame);
    }
  }

  clear(): void {
    this.ring.fill(undefined);
    this.start = 0;
    this.size = 0;
    this.matches = [];
    this.matchStart = 0;
  }
}
