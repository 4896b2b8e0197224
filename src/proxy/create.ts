/**
 * Assembles the parts of DESIGN.md into one proxy: sessions, the interceptor chain (protocol
 * validation first, the caller's interceptors next, recording as an observer), the pause
 * controller and the pipeline. Transports are attached by the runner that owns them.
 */
import { InterceptorChain, type Interceptor } from '../core/chain.js';
import { createLogger, type Logger } from '../core/log.js';
import { PauseController } from '../core/pause.js';
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
  /** Filter expressions that pause matching messages (--break); a wrong one throws a FilterSyntaxError. */
  breakpoints?: string[];
  /** Open the control channel (loopback WebSocket and a state file) so `mcp-tap attach` can find this proxy. */
  control?: ControlOptions;
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
  const pauses = options.pauses ?? new PauseController(options.pauseTimeoutMs);
  const chain = new InterceptorChain(pauses);
  const sessions = options.sessions ?? new SessionManager();
  chain.register(new McpInterceptor(logger));
  for (const interceptor of options.interceptors ?? []) chain.register(interceptor);
  // After the caller's interceptors (rate limits, rules): a person sees what they let through.
  const breakpoints = options.breakpoints || options.control ? new BreakpointInterceptor(options.breakpoints) : undefined;
  if (breakpoints) chain.register(breakpoints);

  let recorder: TapeRecorder | undefined;
  if (options.record) {
    const { store, tape, redact = [], redactDefaults = true, secrets = [] } = options.record;
    const redactor = new Redactor(redact, redactDefaults, secrets);
    const info = store.createTape({ ...tape, redactions: redactor.describe() });
    recorder = new TapeRecorder(store, info, {
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

  const control = options.control
    ? openControlChannel({ chain, sessions, breakpoints: breakpoints!, logger }, { tape: options.record?.tape.name, ...options.control })
    : undefined;

  const pipeline = new Pipeline({ sessions, chain, logger });
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
