/** What an interceptor can decide about a message. */

export type InterceptAction =
  /** `note` goes on the tape and to the UI: e.g. why an intended change was not made. */
  | { type: 'continue'; note?: string }
  | { type: 'modify'; message: unknown }
  /**
   * The sender gets a JSON-RPC error (when it is owed an answer); the other side never sees it.
   * `answer: false`: no error either (a request its sender has cancelled is owed nothing).
   */
  | { type: 'block'; reason: string; code?: number; answer?: boolean }
  /** Answer a request without forwarding it: a result value or a whole response. */
  | { type: 'mock'; response: unknown }
  /** Hold until a person or the control API decides; continue when the timeout passes. */
  | { type: 'pause'; timeoutMs?: number; reason?: string }
  | { type: 'delay'; ms: number; then?: InterceptAction };

export const CONTINUE: InterceptAction = Object.freeze({ type: 'continue' });

/** The chain's final word on a message. */
export interface Verdict {
  type: 'continue' | 'block' | 'mock';
  /** The message to forward (after any modification). */
  message: unknown;
  modified: boolean;
  reason?: string;
  code?: number;
  /** For a block: false when the sender is owed no error (it cancelled the request). */
  answer?: boolean;
  response?: unknown;
  /** Steps taken, for the tape: e.g. ['pause', 'modify']. Empty when every interceptor continued. */
  trail: string[];
  notes: string[];
}

export function actionLabel(verdict: Verdict): string {
  if (verdict.trail.length === 0) return verdict.modified ? 'modify' : verdict.type;
  return verdict.trail.join('>');
}
