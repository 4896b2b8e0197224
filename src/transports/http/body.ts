/** Request bodies with a size limit, and the error responses HTTP handlers share. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpMeta } from '../../core/context.js';
import { errorResponse, type JsonRpcId } from '../../core/jsonrpc.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** A JSON-RPC error code for the body, when the spec gives one. */
    readonly rpcCode = -32000,
  ) {
    super(message);
  }
}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(new HttpError(413, `body of ${declared} bytes exceeds the ${maxBytes}-byte limit`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new HttpError(413, `body exceeds the ${maxBytes}-byte limit`));
        req.resume();
        req.removeAllListeners('data');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** Answers with an HTTP status and a JSON-RPC error body, as the MCP HTTP transports do. */
export function sendHttpError(res: ServerResponse, status: number, message: string, rpcCode = -32000, id: JsonRpcId = null): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(errorResponse(id, rpcCode, message));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export function httpMeta(req: IncomingMessage): HttpMeta {
  return { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, remoteAddress: req.socket.remoteAddress };
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** True when the body is declared JSON: the media type `application/json` exactly (parameters such as charset aside). */
export function isJsonContentType(req: IncomingMessage): boolean {
  const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json';
}

/** True when an Accept header admits the media type (or a wildcard covering it). */
export function accepts(req: IncomingMessage, type: string): boolean {
  const accept = header(req, 'accept');
  if (!accept) return false;
  const [major] = type.split('/');
  return accept.split(',').some((part) => {
    const media = part.split(';')[0]!.trim().toLowerCase();
    return media === type || media === '*/*' || media === `${major}/*`;
  });
}
