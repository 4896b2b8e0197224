/**
 * `record`'s options for what watches a live session besides the tape: `--otlp URL` (spans to an
 * OpenTelemetry collector) and `--baseline NAME` (tool definitions held up against a trusted
 * baseline). Each is loaded only when asked for, so a plain recording proxy starts as fast as ever.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import type { Interceptor } from '../core/chain.js';
import type { Logger } from '../core/log.js';
import { Redactor } from '../tape/redact.js';
import type { TapeStore } from '../tape/store.js';
import { collect, packageVersion, UsageError } from './common.js';

export interface LiveFlags {
  otlp?: string;
  otlpHeader: string[];
  baseline?: string;
  baselineAction: 'warn' | 'block';
  redact: string[];
  redactDefaults: boolean;
}

export function addLiveOptions(command: Command): Command {
  return command
    .option('--otlp <url>', 'send every exchange as an OpenTelemetry span to this OTLP/HTTP collector endpoint, e.g. http://127.0.0.1:4318/v1/traces (redacted as the tape is)')
    .option('--otlp-header <name:value>', 'with --otlp: a header to send to the collector, e.g. an API key (repeatable)', collect, [])
    .option('--baseline <name>', 'hold the server\'s tool, prompt and resource definitions up against this accepted baseline (mcp-tap baseline accept)')
    .addOption(new Option('--baseline-action <action>', 'with --baseline: warn on stderr and mark the tape, or block the changed list and calls to changed tools').choices(['warn', 'block']).default('warn'));
}

function headers(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf(':');
    if (at <= 0) throw new UsageError(`--otlp-header takes NAME:VALUE, got "${pair}"`);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

/** The interceptors the flags ask for (none, usually). */
export async function liveInterceptors(flags: LiveFlags, where: { store: TapeStore; upstreamUrl?: string; upstream: string; tape: string; logger: Logger }): Promise<Interceptor[]> {
  const out: Interceptor[] = [];
  if (flags.baseline !== undefined) {
    const { BaselineInterceptor } = await import('../interceptors/baseline.js');
    const { loadBaseline } = await import('../tape/baseline.js');
    out.push(new BaselineInterceptor(loadBaseline(where.store, flags.baseline), flags.baselineAction, where.logger));
  }
  if (flags.otlp !== undefined) {
    try {
      const url = new URL(flags.otlp);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new UsageError(`--otlp takes the collector's OTLP/HTTP URL, e.g. http://127.0.0.1:4318/v1/traces (got "${flags.otlp}")`);
    }
    const { OtlpInterceptor } = await import('../interceptors/otlp.js');
    out.push(
      new OtlpInterceptor({
        url: flags.otlp,
        headers: headers(flags.otlpHeader),
        redactor: new Redactor(flags.redact, flags.redactDefaults),
        version: packageVersion(),
        logger: where.logger,
        upstreamUrl: where.upstreamUrl,
        resource: { 'mcp_tap.tape': where.tape, 'mcp_tap.upstream': where.upstream },
      }),
    );
  } else if (flags.otlpHeader.length > 0) {
    throw new UsageError('--otlp-header goes with --otlp');
  }
  return out;
}
