/**
 * The control channel's logic, apart from how bytes move: it observes frames, follows pauses,
 * sessions and breakpoints, streams them to attached peers, and carries out their commands on the
 * PauseController and the BreakpointInterceptor. The WebSocket server (server.ts) and the
 * in-process link (for a UI in the proxy's own process) are both just peers.
 */
import type { Interceptor } from '../core/chain.js';
import type { FrameEvent } from '../core/context.js';
import { summarize, type JsonRpcId, type MessageKind } from '../core/jsonrpc.js';
import type { PauseController, PauseDecision, PausedMessage, PauseResolution } from '../core/pause.js';
import { FilterSyntaxError, formatFilterError } from '../filter/index.js';
import type { BreakpointInterceptor } from '../interceptors/breakpoints.js';
import type { SessionManager } from '../session/manager.js';
import type { Session } from '../session/session.js';
import { LinkBase } from './link.js';
import {
  CONTROL_PROTOCOL_VERSION,
  type BreakpointView,
  type ClientCommand,
  type ControlLink,
  type ProxyStateFile,
  type ServerMessage,
} from './protocol.js';
import { FrameHistory, frameView, pausedView, sessionView } from './views.js';

/** One attached viewer, as the hub sees it. */
export interface ControlPeer {
  send(text: string): void;
  /** How much was handed to send() and is not yet written out (a socket's bufferedAmount). */
  unsent(): number;
}

export interface PeerConnection {
  /** One command's text, as the peer sent it. */
  receive(text: string): void;
  detach(): void;
}

export interface ControlHubOptions {
  pauses: PauseController;
  sessions: SessionManager;
  breakpoints: BreakpointInterceptor;
  /** What hello says about this proxy (the URL is only known once the server listens). */
  describe: () => Omit<ProxyStateFile, 'token'>;
  /**
   * Sends a request on a conversation as its client would, under a fresh id, its answer kept from
   * the client (the pipeline's `send`); throws with a reason. Without it `send` is refused.
   */
  send?: (sessionId: string, message: unknown) => JsonRpcId;
  /** Frames kept for a late attach. Default 1000. */
  historySize?: number;
  /**
   * A peer with more than this many bytes still unsent gets no frames until it catches up
   * (it is told how many it missed). Default 4 MiB.
   */
  highWaterBytes?: number;
}

interface Attached {
  peer: ControlPeer;
  skipped: number;
  /** Holds whose timer this peer stopped: started again if it goes away first. */
  timers: Set<number>;
}

/** A command the hub refuses: its message goes back as `ok: false`. */
class CommandError extends Error {}

export class ControlHub implements Interceptor {
  readonly name = 'control';
  private readonly peers = new Set<Attached>();
  private readonly history: FrameHistory;
  private readonly sessions = new Map<string, Session>();
  private readonly highWaterBytes: number;
  private seq = 0;
  /** Each hold's place in wire order (a seq taken when it arrived), until the frame that ends it. */
  private readonly heldSeqs = new Map<number, number>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly options: ControlHubOptions) {
    this.history = new FrameHistory(options.historySize ?? 1000);
    this.highWaterBytes = options.highWaterBytes ?? 4 * 1024 * 1024;
    const { pauses, sessions, breakpoints } = options;
    this.listen(pauses, 'paused', (paused: PausedMessage) => {
      this.heldSeqs.set(paused.pauseId, ++this.seq);
      this.broadcast({ type: 'paused', paused: this.pausedView(paused) });
    });
    this.listen(pauses, 'updated', (paused: PausedMessage) => this.broadcast({ type: 'paused', paused: this.pausedView(paused) }));
    this.listen(pauses, 'resumed', (paused: PausedMessage, resolution: PauseResolution) => {
      const message: ServerMessage = { type: 'resumed', pauseId: paused.pauseId, outcome: resolution.decision.type, timedOut: resolution.timedOut };
      if (resolution.cancelled) message.cancelled = true;
      this.broadcast(message);
    });
    this.listen(sessions, 'created', (session: Session) => this.opened(session));
    this.listen(sessions, 'cleanup', (session: Session) => {
      if (this.sessions.delete(session.id)) this.broadcast({ type: 'session', event: 'closed', session: sessionView(session) });
    });
    this.listen(breakpoints, 'changed', (list: BreakpointView[]) => this.broadcast({ type: 'breakpoints', breakpoints: list }));
  }

  private listen(emitter: { on(event: string, listener: never): unknown; off(event: string, listener: never): unknown }, event: string, listener: (...args: never[]) => void): void {
    emitter.on(event, listener as never);
    this.unsubscribe.push(() => emitter.off(event, listener as never));
  }

  /** What hello says of this proxy. */
  describe(): Omit<ProxyStateFile, 'token'> {
    return this.options.describe();
  }

  get attached(): number {
    return this.peers.size;
  }

  /** Called by the chain for every finished frame: one small object and a ring slot when nobody watches. */
  observe(event: FrameEvent): void {
    if (!this.sessions.has(event.sessionId)) {
      // A session restored from a persistent store was never 'created' here.
      const session = this.options.sessions.peek(event.sessionId);
      if (session) this.opened(session);
    }
    const view = frameView(event, ++this.seq);
    if (event.pauseId !== undefined) {
      const heldSeq = this.heldSeqs.get(event.pauseId);
      if (heldSeq !== undefined) view.heldSeq = heldSeq;
      this.heldSeqs.delete(event.pauseId);
    }
    this.history.push(view);
    if (this.peers.size === 0) return;
    let text: string | undefined;
    for (const attached of this.peers) {
      // A slow viewer misses frames; it never makes the proxy buffer without bound.
      if (attached.peer.unsent() > this.highWaterBytes) {
        attached.skipped++;
        continue;
      }
      if (attached.skipped > 0) {
        this.sendTo(attached, JSON.stringify({ type: 'skipped', frames: attached.skipped } satisfies ServerMessage));
        attached.skipped = 0;
      }
      this.sendTo(attached, (text ??= JSON.stringify({ type: 'frame', frame: view } satisfies ServerMessage)));
    }
  }

  /** Adds a peer and sends it hello. */
  attach(peer: ControlPeer): PeerConnection {
    const attached: Attached = { peer, skipped: 0, timers: new Set() };
    this.peers.add(attached);
    this.sendTo(attached, JSON.stringify(this.hello()));
    return {
      receive: (text) => this.sendTo(attached, JSON.stringify(this.execute(text, attached))),
      detach: () => {
        this.peers.delete(attached);
        // A console that stopped a hold's timer and went away (quit, crashed) must not hold it forever.
        for (const pauseId of attached.timers) this.options.pauses.startTimer(pauseId);
      },
    };
  }

  private pausedView(paused: PausedMessage): ReturnType<typeof pausedView> {
    return pausedView(paused, this.heldSeqs.get(paused.pauseId) ?? this.seq);
  }

  /** A ControlLink in this process (for a UI running inside the proxy), with the same commands. */
  link(): ControlLink {
    return new InProcessLink(this);
  }

  hello(): ServerMessage {
    return {
      type: 'hello',
      protocolVersion: CONTROL_PROTOCOL_VERSION,
      proxy: this.options.describe(),
      breakpoints: this.options.breakpoints.list(),
      paused: this.options.pauses.list().map((p) => this.pausedView(p)),
      sessions: [...this.sessions.values()].map(sessionView),
      frames: this.history.toArray(),
    };
  }

  /** Stops following the proxy; peers are the server's to close. */
  shutdown(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    this.peers.clear();
  }

  private opened(session: Session): void {
    this.sessions.set(session.id, session);
    this.broadcast({ type: 'session', event: 'opened', session: sessionView(session) });
  }

  /** Pauses, sessions and breakpoints are rare and matter: every peer gets them, slow or not. */
  private broadcast(message: ServerMessage): void {
    if (this.peers.size === 0) return;
    const text = JSON.stringify(message);
    for (const attached of this.peers) this.sendTo(attached, text);
  }

  private sendTo(attached: Attached, text: string): void {
    try {
      attached.peer.send(text);
    } catch {
      // A peer that cannot take a message is going away; its close will detach it.
    }
  }

  /** Runs one command's text (from `from`, when a peer sent it) and says how it went, as the `result` for its ref. */
  execute(text: string, from?: Attached): ServerMessage {
    let command: ClientCommand;
    try {
      command = JSON.parse(text) as ClientCommand;
    } catch {
      return { type: 'result', ref: 0, ok: false, error: 'a command must be JSON' };
    }
    const ref = typeof command?.ref === 'number' ? command.ref : 0;
    try {
      const data = this.run(command, from);
      return data === undefined ? { type: 'result', ref, ok: true } : { type: 'result', ref, ok: true, data };
    } catch (error) {
      if (error instanceof CommandError) return { type: 'result', ref, ok: false, error: error.message };
      return { type: 'result', ref, ok: false, error: `the command failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  private run(command: ClientCommand, from?: Attached): unknown {
    if (typeof command !== 'object' || command === null || typeof command.cmd !== 'string') throw new CommandError('a command needs "cmd" and "ref"');
    const { pauses, breakpoints } = this.options;
    switch (command.cmd) {
      case 'list':
        return {
          proxy: this.options.describe(),
          breakpoints: breakpoints.list(),
          paused: pauses.list().map((p) => this.pausedView(p)),
          sessions: [...this.sessions.values()].map(sessionView),
        };
      case 'break':
        try {
          return breakpoints.add(String(command.expression));
        } catch (error) {
          if (error instanceof FilterSyntaxError) throw new CommandError(formatFilterError(error));
          throw error;
        }
      case 'unbreak':
        if (command.breakpointId === 'all') return { removed: breakpoints.clear() };
        if (!breakpoints.remove(Number(command.breakpointId))) throw new CommandError(`there is no breakpoint ${String(command.breakpointId)}`);
        return { removed: 1 };
      case 'resume':
        if (command.pauseId === 'all') return { resumed: pauses.resumeAll() };
        this.decide(command.pauseId, { type: 'continue' });
        return { resumed: 1 };
      case 'edit':
        this.decide(command.pauseId, { type: 'modify', message: editedMessage(command.text, this.held(command.pauseId)) });
        return undefined;
      case 'drop':
        this.decide(command.pauseId, command.reason === undefined ? { type: 'drop' } : { type: 'drop', reason: String(command.reason) });
        return undefined;
      case 'mock':
        this.decide(command.pauseId, { type: 'mock', response: mockAnswer(command.text, this.held(command.pauseId)) });
        return undefined;
      case 'enable':
        if (!breakpoints.setEnabled(Number(command.breakpointId), command.enabled !== false)) throw new CommandError(`there is no breakpoint ${String(command.breakpointId)}`);
        return undefined;
      case 'timer': {
        const pauseId = this.held(command.pauseId).pauseId;
        if (command.running === false) {
          if (pauses.stopTimer(pauseId)) from?.timers.add(pauseId);
        } else {
          pauses.startTimer(pauseId);
          from?.timers.delete(pauseId);
        }
        return { deadline: this.held(pauseId).deadline };
      }
      case 'send':
        return { id: this.send(command.sessionId, command.text) };
      default:
        throw new CommandError(`unknown command "${String((command as { cmd: unknown }).cmd)}"`);
    }
  }

  private send(sessionId: unknown, text: unknown): JsonRpcId {
    if (!this.options.send) throw new CommandError('this proxy cannot send requests of its own (it has no pipeline to send them on)');
    if (typeof sessionId !== 'string') throw new CommandError('send needs "sessionId": the conversation to send on');
    const message = parseJson(text, 'send');
    if (summarize(message).kind !== 'request') throw new CommandError('send: the text must be a JSON-RPC request ("jsonrpc": "2.0", "method" and "id"; the id is replaced)');
    try {
      return this.options.send(sessionId, message);
    } catch (error) {
      throw new CommandError(`send: ${(error as Error).message}`);
    }
  }

  private held(pauseId: number): PausedMessage {
    const paused = this.options.pauses.list().find((p) => p.pauseId === pauseId);
    if (!paused) throw new CommandError(notHeld(pauseId));
    return paused;
  }

  private decide(pauseId: number, decision: PauseDecision): void {
    if (!this.options.pauses.resume(pauseId, decision)) throw new CommandError(notHeld(pauseId));
  }
}

const notHeld = (pauseId: unknown) => `message ${String(pauseId)} is not paused (already decided, timed out, or never held)`;

function parseJson(text: unknown, what: string): unknown {
  if (typeof text !== 'string') throw new CommandError(`${what} needs "text": the message as JSON text`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CommandError(`${what}: not JSON (${(error as Error).message})${what === 'send' ? '' : '; the message is still paused'}`);
  }
}

/** An answer may become an error answer and back; anything else must stay what it was. */
const family = (kind: MessageKind) => (kind === 'response' || kind === 'error' ? 'answer' : kind);

/**
 * Checks an edit before the message is let go: a request must stay a request with the same id
 * (the sender waits for an answer under that id), and so on. A refused edit leaves it paused.
 */
function editedMessage(text: unknown, paused: PausedMessage): unknown {
  const message = parseJson(text, 'edit');
  const was = paused.summary;
  if (was.kind === 'invalid' || was.kind === 'batch') return message;
  const now = summarize(message);
  if (now.kind === 'invalid') throw new CommandError(`edit: not a JSON-RPC 2.0 message (a ${was.kind} needs "jsonrpc": "2.0"${was.kind === 'response' || was.kind === 'error' ? ', "id" and "result" or "error"' : ', "method"' + (was.hasId ? ' and "id"' : '')}); the message is still paused`);
  if (family(now.kind) !== family(was.kind)) throw new CommandError(`edit: the paused message is a ${was.kind}, the edit is a ${now.kind}; the message is still paused`);
  if (was.hasId && JSON.stringify(now.id) !== JSON.stringify(was.id)) {
    throw new CommandError(`edit: the id must stay ${JSON.stringify(was.id)} (the other side matches the answer by it); the message is still paused`);
  }
  return message;
}

/** A mock answers a paused request: its text is a result value or a whole JSON-RPC response. */
function mockAnswer(text: unknown, paused: PausedMessage): unknown {
  if (paused.summary.kind !== 'request') throw new CommandError(`mock answers a paused request; message ${paused.pauseId} is a ${paused.summary.kind} (use edit or drop)`);
  return parseJson(text, 'mock');
}

/** The hub's commands without a socket, for a UI in the proxy's own process. */
class InProcessLink extends LinkBase {
  private readonly connection: PeerConnection;
  private queue: string[] = [];
  private queuedChars = 0;
  private scheduled = false;

  constructor(hub: ControlHub) {
    super();
    // Delivery is deferred, so the UI never runs inside the pipeline's call; what waits counts
    // as unsent, so a UI that falls behind is skipped like a slow socket.
    this.connection = hub.attach({ send: (text) => this.enqueue(text), unsent: () => this.queuedChars });
  }

  /** The hub runs the command and answers through the peer, as it does for a socket. */
  protected transmit(text: string): void {
    this.connection.receive(text);
  }

  private enqueue(text: string): void {
    if (this.closedReason !== undefined) return;
    this.queue.push(text);
    this.queuedChars += text.length;
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    this.queuedChars = 0;
    for (const text of queue) {
      if (this.closedReason !== undefined) return;
      this.deliver(JSON.parse(text) as ServerMessage);
    }
  }

  close(): void {
    this.connection.detach();
    this.finish('closed');
  }
}
