/**
 * A tape as a readable timeline: one line per frame. Pure: the caller passes a chalk instance
 * (colourless when stdout is not a terminal).
 */
import type { ChalkInstance } from 'chalk';
import { isObject } from '../core/jsonrpc.js';
import type { TapeFrame, TapeInfo } from './types.js';

export interface TimelineOptions {
  /** Print each message's pretty JSON under its line. */
  full?: boolean;
}

function describePeer(info: unknown): string {
  if (!isObject(info)) return '-';
  return `${String(info.name ?? '?')} ${String(info.version ?? '')}`.trim();
}

export function tapeHeader(tape: TapeInfo, color: ChalkInstance): string[] {
  const upstream = tape.upstream?.url ?? tape.upstream?.command?.join(' ') ?? '-';
  const lines = [
    color.bold(`tape ${tape.name}`),
    `  created    ${tape.createdAt}${tape.endedAt ? `  (ended ${tape.endedAt})` : ''}`,
    `  upstream   ${upstream}  [${tape.transport}]`,
    `  client     ${describePeer(tape.clientInfo)}`,
    `  server     ${describePeer(tape.serverInfo)}`,
    `  protocol   ${tape.protocolVersion ?? '-'}`,
    `  frames     ${tape.frameCount} in ${tape.sessionCount} session(s)`,
  ];
  const labels = Object.entries(tape.labels);
  if (labels.length > 0) lines.push(`  labels     ${labels.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const own = tape.redactions.filter((r) => !r.endsWith('(default)'));
  lines.push(`  redacted   ${own.length > 0 ? own.join(', ') : '-'}${tape.redactions.length > own.length ? ' + default secret keys' : ''}`);
  return lines;
}

/** The tool a tools/call frame names (requests carry it; responses do not). */
function toolOf(frame: TapeFrame, message: unknown): string | undefined {
  if (frame.method !== 'tools/call' || !isObject(message) || !isObject(message.params)) return undefined;
  return typeof message.params.name === 'string' ? message.params.name : undefined;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The start of a message that is not JSON-RPC (a server's stray output), quoted so control characters show. */
function preview(text: string, max = 60): string {
  const quoted = JSON.stringify(text);
  return quoted.length > max ? `${quoted.slice(0, max - 4)}..."` : quoted;
}

/** `answeredTool`: for a response, the tool its request called (responses do not name it). */
export function timelineLine(frame: TapeFrame, color: ChalkInstance, sessionTag?: string, answeredTool?: string): string {
  const message = parse(frame.message);
  const time = `+${(frame.tMs / 1000).toFixed(3)}s`.padStart(10);
  const arrow = frame.direction === 'c2s' ? color.cyan('→') : color.magenta('←');
  const tool = toolOf(frame, message) ?? answeredTool;
  const what = `${frame.method ?? ''}${tool ? ` ${tool}` : ''}`;
  const kindColor = frame.kind === 'error' || frame.kind === 'invalid' ? color.red : frame.kind === 'notification' ? color.dim : (s: string) => s;
  const parts = [color.dim(time), arrow, kindColor(frame.kind.padEnd(12)), color.bold(what || '-')];
  if (frame.id !== undefined) parts.push(color.dim(`#${frame.id}`));
  if (frame.latencyMs !== undefined) parts.push(color.yellow(`${frame.latencyMs.toFixed(1)} ms`));
  if (frame.action !== 'continue') parts.push(color.blue(`[${frame.action}]`));
  if (frame.flags.length > 0) parts.push(color.red(`{${frame.flags.join(', ')}}`));
  if (frame.kind === 'error' && isObject(message) && isObject(message.error)) parts.push(color.red(String(message.error.message)));
  if (frame.kind === 'invalid') parts.push(color.dim(preview(frame.message)));
  if (frame.note) parts.push(color.dim(`— ${frame.note}`));
  if (sessionTag) parts.push(color.dim(`(${sessionTag})`));
  return parts.join(' ');
}

export function renderTimeline(tape: TapeInfo, frames: TapeFrame[], color: ChalkInstance, options: TimelineOptions = {}): string[] {
  const sessionNumbers = new Map<number, number>();
  for (const frame of frames) if (!sessionNumbers.has(frame.session)) sessionNumbers.set(frame.session, sessionNumbers.size + 1);
  const many = sessionNumbers.size > 1;
  const lines = [...tapeHeader(tape, color), ''];
  const tools = new Map<string, string>();
  for (const frame of frames) {
    const key = `${frame.session}:${frame.direction === 'c2s' ? 's2c' : 'c2s'}:${frame.id}`;
    if (frame.kind === 'request' && frame.method === 'tools/call') {
      const tool = toolOf(frame, parse(frame.message));
      if (tool) tools.set(`${frame.session}:${frame.direction}:${frame.id}`, tool);
    }
    const answered = frame.kind === 'response' || frame.kind === 'error' ? tools.get(key) : undefined;
    lines.push(timelineLine(frame, color, many ? `s${sessionNumbers.get(frame.session)}` : undefined, answered));
    if (options.full) {
      let pretty: string;
      try {
        pretty = JSON.stringify(JSON.parse(frame.message), null, 2);
      } catch {
        pretty = frame.message;
      }
      lines.push(...pretty.split('\n').map((l) => color.dim(`      ${l}`)));
      if (frame.original !== undefined) lines.push(color.dim(`      original: ${frame.original}`));
    }
  }
  return lines;
}
