/**
 * Keeping tapes lean: which recorded exchanges a replay used, kept in a usage file (one JSON line
 * per replay, so a whole test suite's replays add up), and the frames of the exchanges none of
 * them used, for `tapes prune --unused`. An exchange goes with everything that belongs to it: its
 * answer, notifications, the server's requests made during it, every round of a multi round-trip
 * call, a listen stream's deliveries.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { describeRequest } from './matcher.js';
import { tapeExchanges } from './exchanges.js';
import type { Exchange, ExchangeLog } from '../core/exchange.js';
import { isObject } from '../core/jsonrpc.js';
import { TapeError } from './errors.js';
import type { TapeFrame, TapeInfo } from './types.js';

/** One replay, as the usage file records it. */
export interface UsageEntry {
  tape: string;
  /** The tape it replayed, identified so a re-recorded or pruned tape's old usage is not counted. */
  createdAt: string;
  frames: number;
  at: string;
  strict: boolean;
  /** No miss, no unused recording, no client answer that differed. */
  clean: boolean;
  /** Requests the tape had no answer for. */
  missed: number;
  /** Frame numbers of the recorded requests it answered with. */
  used: number[];
}

/** Appends one replay's usage (the file is created readable only by its owner). */
export function appendUsage(file: string, entry: UsageEntry): void {
  appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
}

/** The replays of this very tape (same name, same recording, same length) in a usage file. */
export function usageOf(file: string, tape: TapeInfo): UsageEntry[] {
  if (!existsSync(file)) throw new TapeError(`no usage file at ${file} (replay with --usage ${file}, or MCP_TAP_USAGE in tests, first)`);
  const entries: UsageEntry[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, index) => {
      if (!line.trim()) return;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        throw new TapeError(`${file}:${index + 1}: not a usage line (JSON)`);
      }
      if (!isObject(entry) || !Array.isArray(entry.used)) throw new TapeError(`${file}:${index + 1}: not a usage line (no "used")`);
      const usage = entry as unknown as UsageEntry;
      if (usage.tape === tape.name && usage.createdAt === tape.createdAt && usage.frames === tape.frameCount) entries.push(usage);
    });
  return entries;
}

/** What replay never needs to have been used to keep it: the handshake and the probe. */
const ALWAYS_KEPT = new Set(['initialize', 'server/discover']);

/** Every frame of an exchange and of what belongs to it (server requests made during it, later rounds). */
function framesOf(exchange: Exchange, log: ExchangeLog, into: Set<number>): void {
  for (const round of log.rounds(exchange)) {
    into.add(round.request.seq);
    if (round.answer) into.add(round.answer.seq);
    if (round.delivered) into.add(round.delivered.seq);
    for (const note of round.notifications) into.add(note.seq);
    for (const key of round.children) {
      const child = log.get(key);
      if (child) framesOf(child, log, into);
    }
  }
}

export interface Unused {
  /** Frames to remove. */
  seqs: number[];
  /** The logical calls they make up, described. */
  requests: string[];
}

/** The recorded client requests (logical calls) whose frame number is in no replay's `used`, with everything that belongs to them. */
export function unusedExchanges(frames: TapeFrame[], used: Set<number>): Unused {
  const log = tapeExchanges(frames);
  const seqs = new Set<number>();
  const requests: string[] = [];
  for (const exchange of log.exchanges()) {
    if (exchange.direction !== 'c2s' || ALWAYS_KEPT.has(exchange.method)) continue;
    if (exchange.call && exchange.call.round > 1) continue;
    const rounds = log.rounds(exchange);
    if (rounds.some((round) => used.has(round.request.seq))) continue;
    framesOf(exchange, log, seqs);
    const params = isObject(exchange.request.message) ? exchange.request.message.params : undefined;
    requests.push(describeRequest(exchange.method, params));
  }
  return { seqs: [...seqs].sort((a, b) => a - b), requests };
}
