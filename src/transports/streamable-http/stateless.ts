/**
 * Sessionless 2025 exchanges (a client of a stateless server: no initialize, no Mcp-Session-Id;
 * modern POSTs, which carry a `_meta` envelope, go through the pipeline instead, see
 * conversation.ts). Relayed to the upstream untouched at the
 * HTTP level (status, headers, a JSON or SSE body streamed through as it arrives); the messages
 * are still reported so they land on the tape, each exchange as its own session.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpMeta } from '../../core/context.js';
import { summarize, type Direction } from '../../core/jsonrpc.js';
import { readSse } from '../http/sse-reader.js';

/** Response headers that belong to one hop and are not relayed. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'upgrade', 'trailer', 'te']);

export interface StatelessFrame {
  exchangeId: string;
  direction: Direction;
  text: string;
  /** Milliseconds from forwarding the request to this message, for server messages. */
  latencyMs?: number;
}

export interface StatelessRelayOptions {
  url: string;
  /** The client headers that may go upstream (the HTTP policy decides). */
  forwardHeaders: (http: HttpMeta) => Record<string, string>;
  /** Reports each message of an exchange (recording). */
  report: (frame: StatelessFrame) => void;
  /** Called once an exchange is over. */
  finished?: (exchangeId: string) => void;
}

let exchanges = 0;

export class StatelessRelay {
  constructor(private readonly options: StatelessRelayOptions) {}

  async relay(req: IncomingMessage, res: ServerResponse, body: Buffer, http: HttpMeta): Promise<void> {
    const exchangeId = `stateless-${process.pid}-${++exchanges}`;
    const started = performance.now();
    const headers: Record<string, string> = { ...this.options.forwardHeaders(http) };
    // Unlike in a session, these are the client's to set: relayed as they came.
    for (const name of ['content-type', 'accept', 'mcp-protocol-version', 'mcp-method', 'mcp-name']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const text = body.toString('utf8');
    this.reportAll(exchangeId, 'c2s', text);
    let upstream: Response;
    try {
      upstream = await fetch(this.options.url, { method: 'POST', headers, body });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32002, message: `upstream unreachable: ${cause}` } }));
      this.options.finished?.(exchangeId);
      return;
    }
    const relayed: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!HOP_BY_HOP.has(name)) relayed[name] = value;
    });
    res.writeHead(upstream.status, relayed);
    res.flushHeaders();
    try {
      if (!upstream.body) {
        res.end();
      } else if ((upstream.headers.get('content-type') ?? '').includes('text/event-stream')) {
        // Tee: one branch goes to the client byte for byte, the other is parsed for the tape.
        const [toClient, toTape] = upstream.body.tee();
        const parsing = (async () => {
          for await (const event of readSse(toTape)) {
            if (event.data) this.reportAll(exchangeId, 's2c', event.data, performance.now() - started);
          }
        })();
        for await (const chunk of toClient as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
        res.end();
        await parsing;
      } else {
        const answer = await upstream.text();
        res.end(answer);
        if (answer.trim()) this.reportAll(exchangeId, 's2c', answer, performance.now() - started);
      }
    } catch {
      res.destroy();
    } finally {
      this.options.finished?.(exchangeId);
    }
  }

  /** A body may be one message or a batch; each is reported on its own. */
  private reportAll(exchangeId: string, direction: Direction, text: string, latencyMs?: number): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.options.report({ exchangeId, direction, text });
      return;
    }
    const items = Array.isArray(parsed) ? parsed.map((item) => JSON.stringify(item)) : [text];
    for (const item of items) {
      const frame: StatelessFrame = { exchangeId, direction, text: item };
      if (direction === 's2c') {
        const kind = summarize(JSON.parse(item)).kind;
        if (kind === 'response' || kind === 'error') frame.latencyMs = latencyMs;
      }
      this.options.report(frame);
    }
  }
}
