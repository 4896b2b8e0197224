/**
 * Who may reach a listening proxy, attacked as a hostile web page would: look-alike loopback
 * origins (over HTTP and a WebSocket, which has no CORS), a rebound host name (same-origin
 * requests carry no Origin, only the Host gives them away), media types that merely start like
 * JSON, and a listen address other machines can reach. And --relay-origin, which hands the
 * decision to the server's own DNS-rebinding protection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { startHttpProxy, type HttpProxy } from '../src/proxy/http.js';
import { silentLogger } from '../src/core/log.js';
import type { HttpPolicyOptions } from '../src/interceptors/http-policy.js';
import type { UpstreamSpec } from '../src/proxy/upstream.js';
import { CLI, ROOT, tempDir } from './support/paths.js';
import { freePort, startFixture, type RunningFixture } from './support/servers.js';

const LINE_SERVER = join(ROOT, 'test', 'fixtures', 'line-server.mjs');
const LINE_UPSTREAM: UpstreamSpec = { kind: 'stdio', command: process.execPath, args: [LINE_SERVER], stderr: 'ignore' };
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
const POST = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Answer {
  status: number;
  body: string;
}

/** A raw HTTP request, so a test can send any Host header (fetch always sends its own). */
export function rawRequest(port: number, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: options.method ?? 'POST', path: options.path ?? '/mcp', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      // SSE answers stay open: the status and the first bytes are enough.
      const done = () => resolve({ status: res.statusCode ?? 0, body });
      res.on('end', done);
      setTimeout(() => {
        done();
        req.destroy();
      }, 300).unref();
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

let proxy: HttpProxy;
let port: number;

async function startProxy(policy: HttpPolicyOptions = {}, upstream: UpstreamSpec = LINE_UPSTREAM, listenPort = 0): Promise<HttpProxy> {
  return startHttpProxy({ listen: { host: '127.0.0.1', port: listenPort }, upstream, logger: silentLogger, policy });
}

beforeAll(async () => {
  proxy = await startProxy({ allowedOrigins: ['https://app.example.com'], allowedHosts: ['mcp.internal'] });
  port = proxy.address.port;
});
afterAll(async () => {
  await proxy?.close({ drainTimeoutMs: 0 });
});

const LOOK_ALIKE_ORIGINS = [
  'http://127.0.0.1.nip.io',
  'http://127.attacker.example',
  'https://127.0.0.1.example.com',
  'http://localhost.evil.example',
  'http://127.0.0.1.evil.example:8808',
  'http://evil.example',
  'null',
  'file://',
  'https://app.example.com.evil.example',
];
const LOOPBACK_ORIGINS = ['http://127.0.0.1:3000', 'http://localhost:5173', 'http://[::1]:8080', 'http://127.1', 'http://127.0.0.2', 'https://app.example.com'];

describe('Origin', () => {
  it.each(LOOK_ALIKE_ORIGINS)('refuses %s with 403, before a session (or a server process) exists', async (origin) => {
    const answer = await rawRequest(port, { headers: { ...POST, origin }, body: INIT });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/origin .* is not allowed/);
    expect(proxy.links.size).toBe(0);
  });

  it.each(LOOPBACK_ORIGINS)('accepts %s', async (origin) => {
    const answer = await rawRequest(port, { headers: { ...POST, origin }, body: INIT });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('line-server');
  });

  it('refuses a WebSocket from a look-alike origin (WebSockets have no CORS), and takes one from loopback', async () => {
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'mcp', { origin: 'http://127.0.0.1.nip.io' });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(403);
    const opened = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'mcp', { origin: 'http://localhost:3000' });
      ws.on('open', () => {
        ws.close();
        resolve(true);
      });
      ws.on('unexpected-response', () => resolve(false));
    });
    expect(opened).toBe(true);
  });
});

describe('Host (DNS rebinding)', () => {
  it.each(['evil.example', 'evil.example:PORT', '127.0.0.1.nip.io:PORT', '127.0.0.1:1', 'localhost:1'])('refuses Host %s with 403', async (template) => {
    const host = template.replace('PORT', String(port));
    const answer = await rawRequest(port, { headers: { ...POST, host }, body: INIT });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/not served as/);
  });

  it.each(['127.0.0.1:PORT', 'localhost:PORT', 'LOCALHOST:PORT', 'mcp.internal:PORT'])('accepts Host %s', async (template) => {
    const answer = await rawRequest(port, { headers: { ...POST, host: template.replace('PORT', String(port)) }, body: INIT });
    expect(answer.status).toBe(200);
  });

  it('refuses a rebound page\'s same-origin EventSource (no Origin at all): no session, no server process', async () => {
    const before = proxy.links.size;
    const answer = await rawRequest(port, { method: 'GET', path: '/sse', headers: { host: `evil.example:${port}`, accept: 'text/event-stream' } });
    expect(answer.status).toBe(403);
    expect(proxy.links.size).toBe(before);
  });

  it('refuses the same on the WebSocket endpoint', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'mcp', { headers: { host: `evil.example:${port}` } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
  });
});

describe('Content-Type', () => {
  it.each(['application/jsonp', 'application/json-seq', 'application/jsonx; charset=utf-8', 'text/plain'])('refuses %s with 415 on /mcp', async (type) => {
    const answer = await rawRequest(port, { headers: { ...POST, 'content-type': type }, body: INIT });
    expect(answer.status).toBe(415);
  });

  it('takes application/json with parameters', async () => {
    const answer = await rawRequest(port, { headers: { ...POST, 'content-type': 'Application/JSON; charset=utf-8' }, body: INIT });
    expect(answer.status).toBe(200);
  });

  it('refuses application/jsonp on the legacy /messages endpoint too', async () => {
    // Open a legacy session, read its endpoint, then POST with the wrong type.
    const endpoint = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/sse', headers: { accept: 'text/event-stream' } }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const match = /data: (\/messages\?sessionId=[^\n]+)/.exec(chunk);
          if (match) {
            resolve(match[1]!);
            setTimeout(() => req.destroy(), 500);
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    const answer = await rawRequest(port, { path: endpoint, headers: { 'content-type': 'application/jsonp' }, body: INIT });
    expect(answer.status).toBe(415);
  });
});

describe('--relay-origin: the server\'s own DNS-rebinding protection, tested through the proxy', () => {
  let server: RunningFixture;
  let relaying: HttpProxy;
  let guarding: HttpProxy;
  let relayPort: number;

  beforeAll(async () => {
    relayPort = await freePort();
    // The server allows only the proxy's address (the Host a client of the proxy sends).
    server = await startFixture(join(ROOT, 'test', 'fixtures', 'rebinding-server.mjs'), [`127.0.0.1:${relayPort}`]);
    const upstream: UpstreamSpec = { kind: 'streamable', url: `http://127.0.0.1:${server.port}/mcp` };
    relaying = await startProxy({ relayOrigin: true }, upstream, relayPort);
    guarding = await startProxy({}, upstream);
  });
  afterAll(async () => {
    await relaying?.close({ drainTimeoutMs: 0 });
    await guarding?.close({ drainTimeoutMs: 0 });
    await server?.stop();
  });

  it('without it, mcp-tap refuses a rebound Host itself: the server never hears of it', async () => {
    const answer = await rawRequest(guarding.address.port, { headers: { ...POST, host: 'evil.example.com' }, body: INIT });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatch(/not served as/);
  });

  it('with it, the Host reaches the server untouched and the server\'s refusal reaches the client', async () => {
    const rebound = await rawRequest(relayPort, { headers: { ...POST, host: 'evil.example.com', origin: 'http://evil.example.com' }, body: INIT });
    // mcp-tap let it through; the server refused it (403 with a JSON-RPC error), and the client's
    // initialize fails with the server's own error.
    expect(rebound.body).toMatch(/Invalid Host header: evil\.example\.com/);
    expect(rebound.body).not.toMatch(/not served as/);
    const valid = await rawRequest(relayPort, { headers: { ...POST, host: `127.0.0.1:${relayPort}` }, body: INIT });
    expect(valid.status).toBe(200);
    expect(valid.body).toContain('rebinding-fixture');
  });
});

describe('a listen address other machines can reach', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, 'record', '--no-control', '--store', join(dir, 't.db'), ...args, '--', process.execPath, LINE_SERVER], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        // Once it serves, it has said what it had to say.
        if (stderr.includes('clients connect to')) child.kill('SIGTERM');
      });
      child.on('close', (code) => resolve({ code, stderr }));
    });
  }

  it('is refused without --allow-remote, saying why', async () => {
    const { code, stderr } = await run(['--listen', '0.0.0.0:0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/accepts connections from other machines.*no authentication.*--allow-remote/);
  });

  it('is served with --allow-remote, with a warning', async () => {
    const { stderr } = await run(['--listen', '0.0.0.0:0', '--allow-remote']);
    expect(stderr).toMatch(/warning: --listen 0\.0\.0\.0:0 accepts connections from other machines/);
    expect(stderr).toContain('clients connect to');
  });
});
