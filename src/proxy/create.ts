/**
 * Assembles the parts of DESIGN.md into one proxy: sessions, the interceptor chain (protocol
 * validation first, the caller's interceptors next, recording as an observer), the pause
 * controller and the pipeline. Transports are attached by the runner that owns them.
 */
import { InterceptorChain, type Interceptor } from '../core/chain.js';
import { createLogger, inert, type Logger } from '../core/log.js';
import { PauseController, type PausedMessage } from '../core/pause.js';
import { Pipeline } from '../core/pipeline.js';
import { McpInterceptor } from '../interceptors/mcp.js';
import { BreakpointInterceptor } from '../interceptors/breakpoints.js';
import { openControlChannel, type ControlChannel, type ControlOptions } from '../control/channel.js';
import { RecordingInterceptor } from '../interceptors/recording.js';
import { SessionManager } from '../session/manager.js';
import { Redactor } from '../tape/redact.js';
import { TapeRecorder } from '../tape/recorder.js';
import type { TapeStore, NewTape } from '../tape/store.js';

export interface RecordOptions {
  store: TapeStore;
  tape: NewTape;
  /** Extra --redact rules; the default secret keys apply unless `redactDefaults` is false. */
  redact?: string[];
  redactDefaults?: boolean;
  /**
   * Make the tape only once the conversation is more than a server/discover probe (stdio, where
   * an SDK client probes on a sibling process): `name` is asked then, and `replace` removes a
   * tape of that name first. A probe-only conversation is kept for the tape that follows.
   */
  defer?: { name: () => string; replace?: boolean };
  /** Values to hide wherever they appear on the tape (a --header value, a password in --url). */
  secrets?: string[];
  /** What the tape's backlog may hold while the store cannot be written (bytes). */
  maxBacklogBytes?: number;
}

export interface ProxyOptions {
  logger?: Logger;
  sessions?: SessionManager;
  pauses?: PauseController;
  /** Run after protocol validation, in order. */
  interceptors?: Interceptor[];
  record?: RecordOptions;
  /** How long a paused message waits for a decision before it continues (default 5 minutes). */
  pauseTimeoutMs?: number;
  /** A held request its sender cancels stays held (marked) instead of being dropped. */
  keepCancelledHolds?: boolean;
  /** Filter expressions that pause matching messages (--break); a wrong one throws a FilterSyntaxError. */
  breakpoints?: string[];
  /** Open the control channel (loopback WebSocket and a state file) so `mcp-tap attach` can find this proxy. */
  control?: ControlOptions;
  /**
   * Say once per pause, through the logger (stderr, not with -q), what is held and how to
   * release it. The command line turns it on unless a UI in the same process shows the pauses.
   */
  announcePauses?: boolean;
}

export interface Proxy {
  readonly pipeline: Pipeline;
  readonly chain: InterceptorChain;
  readonly sessions: SessionManager;
  readonly pauses: PauseController;
  readonly recorder?: TapeRecorder;
  /** Present with `breakpoints` or `control`: breakpoints can then be set while running. */
  readonly breakpoints?: BreakpointInterceptor;
  readonly control?: ControlChannel;
  readonly logger: Logger;
  /** Flushes the tape and closes the chain and the session store. Safe to call twice. */
  close(): Promise<void>;
}

export function createProxy(options: ProxyOptions = {}): Proxy {
  const logger = options.logger ?? createLogger();
  const pauses = options.pauses ?? new PauseController(options.pauseTimeoutMs, { keepCancelled: options.keepCancelledHolds });
  const chain = new InterceptorChain(pauses);
  const sessions = options.sessions ?? new SessionManager();
  chain.register(new McpInterceptor(logger));
  for (const interceptor of options.interceptors ?? []) chain.register(interceptor);
  // After the caller's interceptors (rate limits, rules): a person sees what they let through.
  const breakpoints = options.breakpoints || options.control ? new BreakpointInterceptor(options.breakpoints) : undefined;
  if (breakpoints) chain.register(breakpoints);

  let recorder: TapeRecorder | undefined;
  if (options.record) {
    // With `tape.unique`, the store picks the name as it creates the tape (`tape.name` is then its
    // stem): read it from `recorder.openedTape` once the tape exists.
    const { store, tape, redact = [], redactDefaults = true, defer, secrets = [] } = options.record;
    const redactor = new Redactor(redact, redactDefaults, secrets);
    const create = () => {
      if (!defer) return store.createTape({ ...tape, redactions: redactor.describe() });
      const name = defer.name();
      if (defer.replace) store.deleteTape(name);
      return store.createTape({ ...tape, name, redactions: redactor.describe() });
    };
    const target = defer ? { create, upstream: tape.upstream, transport: tape.transport } : create();
    recorder = new TapeRecorder(store, target, {
      redactor,
      maxBacklogBytes: options.record.maxBacklogBytes,
      // Said once per spell of trouble; traffic flows on meanwhile.
      onError: (error) => logger.error(`cannot write to the tape (frames are kept in memory and retried; the proxy keeps serving): ${error.message}`),
      onDrop: ({ bytes, limit }) =>
        logger.error(`the tape's backlog reached ${bytes} bytes (limit ${limit}) while the store cannot be written: frames are being dropped from now on, counted, and the tape will mark the gap`),
      onRecovered: ({ dropped }) => logger.info(`the tape store takes writes again${dropped > 0 ? `; ${dropped} frame(s) were dropped meanwhile (the tape marks where)` : '; nothing was lost'}`),
    });
    chain.register(new RecordingInterceptor(recorder));
  }

  const pipeline = new Pipeline({ sessions, chain, logger });
  const control = options.control
    ? openControlChannel(
        { chain, sessions, breakpoints: breakpoints!, logger, send: (sessionId, message) => pipeline.send(sessionId, message) },
        { tape: recorder?.tapeName ?? options.record?.tape.name, ...options.control },
      )
    : undefined;

  if (options.announcePauses) announcePauses(pauses, logger, control);

  let closing: Promise<void> | undefined;
  return {
    pipeline,
    chain,
    sessions,
    pauses,
    recorder,
    breakpoints,
    control,
    logger,
    close: () =>
      (closing ??= (async () => {
        pauses.resumeAll();
        await control?.close();
        await chain.close();
        await sessions.close();
      })()),
  };
}

/** One line on stderr per pause: what is held, why, and how a person releases it. */
function announcePauses(pauses: PauseController, logger: Logger, control: ControlChannel | undefined): void {
  let attachId: string | undefined;
  void control?.ready.then((state) => (attachId = state?.id));
  pauses.on('paused', (held) => {
    const seconds = Math.round((held.deadline - held.pausedAt) / 1000);
    const release = attachId
      ? `release it with: mcp-tap attach ${attachId} (or it continues by itself in ${seconds} s)`
      : `it continues by itself in ${seconds} s (no control channel to release it sooner)`;
    logger.info(`paused ${describeHeld(held)}${held.reason ? ` (${inert(held.reason)})` : ''}; ${release}`);
  });
}

function describeHeld(held: PausedMessage): string {
  const { summary } = held;
  const who = held.direction === 'c2s' ? 'client → server' : 'server → client';
  const method = summary.method ?? held.request?.method;
  const what = summary.kind === 'response' || summary.kind === 'error' ? `the ${summary.kind === 'error' ? 'error' : 'answer'} to ${method ?? 'a request'}` : `${summary.kind} ${method ?? ''}`.trim();
  const id = summary.hasId ? `, id ${JSON.stringify(summary.id)}` : '';
  return `${inert(what)} (${who}${inert(id)})`;
}
