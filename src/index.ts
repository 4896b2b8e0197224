/** mcp-tap as a library: the proxy core, sessions, interceptors, transports and tapes. */
export * from './core/jsonrpc.js';
export * from './core/framing.js';
export type { InterceptContext, FrameEvent, PendingRequest, HttpMeta, TransportKind } from './core/context.js';
export { type InterceptAction, type Verdict, CONTINUE } from './core/actions.js';
export { InterceptorChain, type Interceptor } from './core/chain.js';
export { PauseController, DEFAULT_PAUSE_TIMEOUT_MS, type PauseDecision, type PausedMessage, type PauseResolution } from './core/pause.js';
export { Pipeline, type Link, type LinkEvents, type PipelineOptions } from './core/pipeline.js';
export { createLogger, silentLogger, type Logger, type LogLevel } from './core/log.js';

export type { Session, PeerInfo } from './session/session.js';
export type { SessionStore } from './session/store.js';
export { SessionManager, type SessionManagerOptions } from './session/manager.js';
export { MemorySessionStore } from './session/stores/memory.js';

export { McpInterceptor } from './interceptors/mcp.js';
export { RecordingInterceptor } from './interceptors/recording.js';

export type { Transport, CloseInfo } from './core/transport.js';
export { LineStreamTransport } from './transports/line-stream.js';
export { ChildProcessTransport, stdioDownstream } from './transports/stdio.js';
export { SdkTransportAdapter } from './transports/sdk.js';

export { TapeStore, resolveStorePath, validateTapeName, DEFAULT_STORE, type NewTape } from './tape/store.js';
export { DEFAULT_MAX_BACKLOG_BYTES, TapeRecorder, type TapeRecorderOptions } from './tape/recorder.js';
export { Redactor, REDACTED, DEFAULT_REDACT_KEYS } from './tape/redact.js';
export { TapeError } from './tape/errors.js';
export type { TapeInfo, TapeFrame, TapeSession, TapeUpstream } from './tape/types.js';
export {
  exportTape,
  importTape,
  validateTapeDocument,
  TAPE_FORMAT,
  TAPE_FORMAT_VERSION,
  type TapeDocument,
  type TapeDocumentTape,
  type TapeDocumentSession,
  type TapeDocumentFrame,
} from './tape/export.js';
export { renderExchanges, renderTimeline, exchangeLine, timelineLine, tapeHeader, tapePeers, type TapePeers, type TimelineOptions } from './tape/timeline.js';

export { createProxy, type Proxy, type ProxyOptions, type RecordOptions } from './proxy/create.js';
export { runStdioProxy, type StdioProxyOptions, type StdioProxyResult } from './proxy/stdio.js';

export { startHttpProxy, type HttpProxy, type HttpProxyOptions } from './proxy/http.js';
export { createUpstream, guessUpstreamKind, describeUpstream, type UpstreamSpec, type LiveUpstreamSpec } from './proxy/upstream.js';
export { replayUpstream, formatSummary, type ReplaySummary, type ReplayUpstream } from './proxy/replay.js';
export { HttpPolicyInterceptor, type HttpPolicyOptions } from './interceptors/http-policy.js';
export { SessionStoreError } from './session/manager.js';
export { SqliteSessionStore } from './session/stores/sqlite.js';
export { RedisSessionStore, type RedisSessionStoreOptions } from './session/stores/redis.js';
export { openSessionStore } from './session/open-store.js';
export { EventTracker, type EventLog, type TrackedEvent } from './session/event-tracker.js';
export { RedisEventLog } from './session/redis-event-log.js';
export { StreamableHttpUpstream, type StreamableHttpUpstreamOptions } from './transports/streamable-http/upstream.js';
export { ReplayTransport, type ReplayOptions, type ReplayStats } from './transports/replay.js';
export { RequestMatcher, requestKey, describeRequest, type MatcherOptions } from './tape/matcher.js';
export { buildReplayScript, type ReplayScript } from './tape/replay-script.js';
export { sessionGroups, verifySession, type VerifyReport, type VerifiedRequest, type VerifyOptions } from './proxy/verify.js';
export { diffTapes, hasDifferences, type TapeDiff } from './tape/diff.js';
export { jsonDiff, describeDifference, type Difference } from './tape/json-diff.js';
export { tapeToHar, harEndpoint, STDIO_HOST } from './tape/har.js';
export { tapeToHtml } from './tape/report.js';
export { checkTape, CHECK_RULES, type CheckOptions, type CheckReport, type CheckRule, type CheckProblem, type CheckedItem } from './tape/check.js';
export { compareDefinitions, definitionsFromFrames, fetchDefinitions, baselineDocument, validateBaseline, type BaselineDocument, type BaselineReport, type Definitions, type DefinitionChange } from './tape/baseline.js';
export { junitXml, type JUnitSuite, type JUnitCase } from './tape/junit.js';
export { unusedExchanges, type UsageEntry } from './tape/prune.js';
export { BreakpointInterceptor } from './interceptors/breakpoints.js';
export { connectControl, type ControlClient, type ConnectOptions, type HelloMessage } from './control/client.js';
export { listRunningProxies, findRunningProxy, stateDir } from './control/state.js';
export type { ControlOptions, ControlChannel } from './control/channel.js';
export {
  CONTROL_PROTOCOL_VERSION,
  type ProxyStateFile,
  type FrameView,
  type PausedView,
  type SessionView,
  type BreakpointView,
  type ServerMessage,
  type ClientCommand,
  type ControlRequest,
  type ControlLink,
} from './control/protocol.js';
