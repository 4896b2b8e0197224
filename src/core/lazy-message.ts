/**
 * The pipeline's own records of a message in flight, whose parsed form is made the first time
 * something reads it. A message nothing reads as an object (most of them: forwarded and
 * recorded as text) is never parsed at all; see core/envelope.ts for how its summary is found.
 */
import type { FrameEvent, HttpMeta, InterceptContext, PendingRequest, TransportKind } from './context.js';
import { isObject, type Direction, type JsonRpcId, type MessageSummary } from './jsonrpc.js';

/** Where a record's message comes from: a context, or the verdict on it. */
export interface MessageSource {
  readonly message: unknown;
  /** False while the message is not parsed yet. */
  readonly isRead?: boolean;
}

/** Not parsed yet. */
const UNREAD = Symbol('unread');

/** An InterceptContext whose `message` is parsed from `raw` when first read (or set by a modification). */
export class MessageContext implements InterceptContext {
  private value: unknown;
  pauseId?: number;

  constructor(
    readonly sessionId: string,
    readonly transport: TransportKind,
    readonly direction: Direction,
    readonly raw: string,
    /** The parsed message when the transport had it or the pipeline parsed it; UNREAD when neither did. */
    message: unknown,
    public summary: MessageSummary,
    readonly parseError: string | undefined,
    readonly receivedAt: number,
    readonly request: PendingRequest | undefined,
    readonly http: HttpMeta | undefined,
    readonly relatedRequestId: JsonRpcId | undefined,
    readonly flags: string[],
    /** The tool a tools/call names, when its envelope was read without parsing. */
    readonly scannedToolName: string | undefined,
    /**
     * The bytes it came as (a stream transport's), so it can leave as them when it goes on
     * unchanged. Let go once sent: a view of the chunk it came in keeps the whole chunk alive.
     */
    public wire: Buffer | undefined,
  ) {
    this.value = message;
  }

  /** The value to construct a context with when the message has not been parsed: it will be, from `raw`, if something reads it. */
  static readonly UNREAD: unknown = UNREAD;

  /** Whether the message was parsed (or given) already, so reading it costs nothing. */
  get isRead(): boolean {
    return this.value !== UNREAD;
  }

  get message(): unknown {
    if (this.value === UNREAD) {
      try {
        this.value = JSON.parse(this.raw);
      } catch {
        // Only the envelope was checked, and it looked right: the rest is not JSON after all.
        this.value = undefined;
      }
    }
    return this.value;
  }

  set message(value: unknown) {
    this.value = value;
  }

  /** The tool of a tools/call, from the envelope when that was enough, else from the message. */
  get toolName(): string | undefined {
    if (this.summary.method !== 'tools/call') return undefined;
    if (this.value === UNREAD) return this.scannedToolName;
    return toolOf(this.value);
  }
}

/** A request the pipeline forwarded, its params read from its message only when asked for. */
export class ForwardedRequest implements PendingRequest {
  /** Its progress token (`params._meta.progressToken`), when it carries one. */
  progressToken: JsonRpcId | undefined;

  constructor(
    readonly id: JsonRpcId,
    readonly method: string,
    readonly sentAt: number,
    private readonly source: MessageSource,
    /** The tool it calls (a tools/call). */
    readonly toolName: string | undefined,
  ) {}

  get params(): unknown {
    const message = this.source.message;
    return isObject(message) ? message.params : undefined;
  }
}

/** A frame the pipeline reports, its `message` read from where the pipeline has it only when asked for. */
export class ReportedFrame implements FrameEvent {
  original?: string;
  latencyMs?: number;
  requestMethod?: string;
  toolName?: string;
  note?: string;
  pauseId?: number;

  constructor(
    readonly sessionId: string,
    readonly transport: TransportKind,
    readonly direction: Direction,
    readonly at: number,
    readonly text: string,
    private readonly source: MessageSource,
    readonly summary: MessageSummary,
    readonly action: string,
    readonly flags: string[],
  ) {}

  get message(): unknown {
    return this.source.message;
  }

  /** Whether the message was parsed already (reading it costs nothing). */
  get isRead(): boolean {
    return this.source.isRead !== false;
  }
}

/**
 * Whether a frame's message may hold this key (or string): false only for a message still unread
 * whose text does not contain it. The envelope scan leaves any message with an escaped key to
 * JSON.parse, so the text of an unread one shows its keys as they are.
 */
export function mayHold(event: FrameEvent, key: string): boolean {
  return !isUnread(event) || event.text.includes(key);
}

/** Whether a frame's message is still unparsed (reading `message` would parse its text). */
export function isUnread(event: FrameEvent): boolean {
  return event instanceof ReportedFrame && !event.isRead;
}

export function progressTokenOf(params: unknown): JsonRpcId | undefined {
  if (!isObject(params) || !isObject(params._meta)) return undefined;
  const token = params._meta.progressToken;
  return typeof token === 'string' || typeof token === 'number' ? token : undefined;
}

function toolOf(message: unknown): string | undefined {
  const params = isObject(message) ? message.params : undefined;
  return isObject(params) && typeof params.name === 'string' ? params.name : undefined;
}
