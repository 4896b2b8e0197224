/**
 * The flags every proxying command shares for breakpoints and the control channel (--break,
 * --pause-timeout, --no-control), and what they turn into for createProxy.
 */
import type { Command } from 'commander';
import { compileFilter, FilterSyntaxError, formatFilterSource } from '../filter/index.js';
import type { ProxyOptions } from '../proxy/create.js';
import { collect, UsageError } from './common.js';

export interface ControlFlags {
  break: string[];
  pauseTimeout: string;
  keepCancelledHolds?: boolean;
  /** false with --no-control. */
  control: boolean;
}

export type ControlProxyOptions = Pick<ProxyOptions, 'breakpoints' | 'pauseTimeoutMs' | 'keepCancelledHolds' | 'control'>;

export function addControlOptions(command: Command): Command {
  return command
    .option('--break <filter>', 'pause messages that match this filter until resumed through the control channel (repeatable), e.g. "~t echo" or "~d s2c & ~m tools/*"', collect, [])
    .option('--pause-timeout <seconds>', 'a paused message continues by itself after this long (the tape notes it)', '300')
    .option('--keep-cancelled-holds', 'a paused request whose sender cancels it stays paused, marked cancelled, for you to decide (default: it is dropped, and nobody is sent an answer)')
    .option('--no-control', 'do not open the control channel (mcp-tap attach and mcp-tap proxies will not see this proxy)');
}

/** Checks the flags (a wrong --break fails here, with the column) and builds the proxy options. */
export function controlOptions(flags: ControlFlags, about: { title: string; tape?: string; upstream?: string; rulesFile?: string }): ControlProxyOptions {
  for (const expression of flags.break) {
    try {
      compileFilter(expression);
    } catch (error) {
      // The expression on a line of its own, so the caret stands under the column it names.
      if (error instanceof FilterSyntaxError) throw new UsageError(`--break: ${error.message}\n${indented(formatFilterSource(error), '  ')}`);
      throw error;
    }
  }
  const seconds = Number(flags.pauseTimeout);
  if (flags.pauseTimeout.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(`--pause-timeout takes a number of seconds, got "${flags.pauseTimeout}"`);
  }
  return {
    breakpoints: flags.break,
    pauseTimeoutMs: Math.round(seconds * 1000),
    keepCancelledHolds: flags.keepCancelledHolds === true,
    control: flags.control ? about : undefined,
  };
}

const indented = (text: string, by: string) => text.split('\n').map((line) => by + line).join('\n');
