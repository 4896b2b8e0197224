/**
 * Every shape a secret takes on its way to a tape, and the places an upstream's credentials used
 * to leak: non-string values under secret keys, common names, free text, keys echoed back, a
 * unicode-escaped key, lines that are not JSON, the -32700 reply; a URL with a password or an
 * API key, a command line with --api-key, on the tape, in `tapes list`, the export, the state
 * file, `proxies --json` and the logs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { REDACTED, Redactor } from '../src/tape/redact.js';
import { redactArgv, redactUrl } from '../src/core/secrets.js';
import { CLI, ROOT, tempDir } from './support/paths.js';
import { rawProxy, request } from './support/raw-proxy.js';
import { readTape } from './support/record.js';
import { runCli } from './support/cli.js';

const LINE_SERVER = join(ROOT, 'test', 'fixtures', 'line-server.mjs');
let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'Zq8vK2mP9xR4tL7w';

/** What a message looks like on the tape: redacted by the default rules. */
function onTape(message: unknown, redactor = new Redactor()): string {
  const text = JSON.stringify(message);
  return JSON.stringify(redactor.redact(JSON.parse(text), text).value);
}

describe('values under secret keys, whatever their type', () => {
  it.each([
    ['a number', { token: 987654321 }],
    ['an array', { tokens: [SECRET, 'other'] }],
    ['an object', { credentials: { user: 'u', key: SECRET } }],
    ['pwd', { pwd: SECRET }],
    ['pass', { db_pass: SECRET }],
    ['auth', { auth: SECRET }],
    ['basicAuth', { basicAuth: SECRET }],
    ['private_key', { private_key: SECRET }],
    ['privateKey', { privateKey: SECRET }],
    ['access_key', { AWS_ACCESS_KEY_ID: SECRET }],
    ['x-api-key', { 'x-api-key': SECRET }],
    ['passphrase', { passphrase: SECRET }],
    ['a unicode-escaped key', '{"jsonrpc":"2.0","id":1,"method":"x","params":{"\\u0074oken":"Zq8vK2mP9xR4tL7w"}}'],
  ])('%s', (_what, params) => {
    const message = typeof params === 'string' ? JSON.parse(params) : { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { arguments: params } };
    const text = typeof params === 'string' ? params : JSON.stringify(message);
    const shown = JSON.stringify(new Redactor().redact(message, text).value);
    expect(shown).toContain(REDACTED);
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('987654321');
  });

  it('leaves counts, flags and protocol fields alone', () => {
    const message = { jsonrpc: '2.0', id: 1, method: 'sampling/createMessage', params: { maxTokens: 100, usage: { inputTokens: 5 }, passthrough: 'yes', author: 'me', _meta: { progressToken: 'p1' }, needsAuth: false } };
    expect(onTape(message)).toBe(JSON.stringify(message));
  });
});

describe('credentials in free text', () => {
  it.each([
    ['Bearer', `curl -H "Authorization: Bearer ${SECRET}1" https://x`],
    ['an OpenAI-style key', 'your key is sk-proj-abcdefghijklmnop1234'],
    ['a GitHub token', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789'],
    ['an AWS key id', 'AKIAABCDEFGHIJKLMNOP'],
    ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop'],
    ['a PEM private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----'],
    ['a URL with a password', `connect to postgres://app:${SECRET}@db:5432/x`],
    ['an assignment', `export API_KEY=${SECRET}`],
  ])('%s', (_what, text) => {
    const shown = onTape({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } });
    expect(shown).toContain(REDACTED);
    for (const secret of [SECRET, 'abcdefghijklmnop1234', 'ghp_abc', 'AKIAABCD', 'eyJzdWIi', 'MIIEow']) expect(shown).not.toContain(secret);
  });

  it('a key sent under a secret key and echoed back in a result is hidden in the result too', () => {
    const redactor = new Redactor();
    onTape({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { arguments: { apiKey: SECRET } } }, redactor);
    const echoed = onTape({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: `logged in with ${SECRET}` }] } }, redactor);
    expect(echoed).not.toContain(SECRET);
    expect(echoed).toContain(`logged in with ${REDACTED}`);
  });

  it('keeps prose about tokens as it was (a tool description is replayed as recorded)', () => {
    const message = { jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'login', description: 'token: the API token to use. Basic authentication is not supported.' }] } };
    expect(onTape(message)).toBe(JSON.stringify(message));
  });
});

describe('on the tape, through a real proxy', () => {
  it('a malformed client line, a stray server line and the -32700 reply carry no secret', async () => {
    const store = join(dir, 'lines.db');
    const proxy = rawProxy(['--store', store, '--name', 'lines', '--', process.execPath, LINE_SERVER]);
    proxy.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"apiKey":"${SECRET}"`);
    const parseError = await proxy.next((m) => 'error' in m);
    // The sender gets no excerpt of its line back either (it would be recorded too).
    expect(JSON.stringify(parseError)).not.toContain(SECRET);
    proxy.send(request(2, 'emit', { line: `connecting with password=${SECRET}` }));
    await proxy.next((m) => m.id === 2);
    proxy.child.stdin.end();
    await proxy.exited;
    expect(proxy.stderr()).not.toContain(SECRET);
    const tape = JSON.stringify(readTape(store, 'lines').frames);
    expect(tape).not.toContain(SECRET);
    expect(tape).toContain(REDACTED);
  });
});

describe('secrets in the upstream URL and command line', () => {
  let upstream: Server;
  let port: number;
  let authorizations: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      authorizations.push(req.headers.authorization ?? '');
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.method !== 'POST') return void res.writeHead(405).end();
        const message = JSON.parse(body) as { id?: number; method: string };
        if (message.id === undefined) return void res.writeHead(202).end();
        // The server quotes the request URL back, key and all.
        const result = message.method === 'initialize' ? { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 'quoting', version: '1' } } : { content: [{ type: 'text', text: `you asked ${req.url}` }] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    port = (upstream.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => upstream.close(() => resolve())));

  it('are hidden on the tape, in tapes list, the export, the state file, proxies --json and -v logs; user:pass@ becomes a header', async () => {
    authorizations = [];
    const stateDir = join(dir, 'state');
    const store = join(dir, 'url.db');
    const url = `http://alice:${SECRET}@127.0.0.1:${port}/mcp?api_key=${SECRET}2&region=eu`;
    const child = spawn(process.execPath, [CLI, 'record', '-v', '--store', store, '--name', 'url', '--url', url], { env: { ...process.env, MCP_TAP_STATE_DIR: stateDir }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.write(`${request(0, 'initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } })}\n`);
    child.stdin.write(`${request(1, 'tools/call', { name: 'x' })}\n`);
    for (let i = 0; i < 100 && !stdout.includes('you asked'); i++) await new Promise((r) => setTimeout(r, 50));
    const stateFiles = readdirSync(stateDir).filter((f) => f.endsWith('.json')).map((f) => readFileSync(join(stateDir, f), 'utf8'));
    const proxies = await runCli(['proxies', '--json'], { env: { MCP_TAP_STATE_DIR: stateDir } });
    child.stdin.end();
    await new Promise((resolve) => child.on('close', resolve));
    // The server got the credentials, as an Authorization header; the client got its answer.
    expect(authorizations[0]).toBe(`Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`);
    expect(stdout).toContain('you asked /mcp?api_key=');
    const list = await runCli(['tapes', 'list', '--store', store]);
    const exported = await runCli(['tapes', 'export', 'url', '--store', store]);
    const places = { tape: JSON.stringify(readTape(store, 'url')), list: list.stdout, exported: exported.stdout, state: stateFiles.join('\n'), proxies: proxies.stdout, logs: stderr };
    for (const [place, text] of Object.entries(places)) {
      expect(text, place).not.toContain(SECRET);
    }
    expect(list.stdout).toContain(`http://${REDACTED}@127.0.0.1:${port}/mcp?api_key=${REDACTED}&region=eu`.replace(`${REDACTED}@`, `alice:${REDACTED}@`));
  });

  it('hides --api-key=..., --token ..., KEY=... and credential-shaped arguments of a server command', () => {
    expect(redactArgv(['server', `--api-key=${SECRET}`, '--token', SECRET, `OPENAI_API_KEY=${SECRET}`, 'sk-abcdefghijklmnopqrstu1', '--port', '80', `https://u:${SECRET}@h/x`])).toEqual([
      'server',
      `--api-key=${REDACTED}`,
      '--token',
      REDACTED,
      `OPENAI_API_KEY=${REDACTED}`,
      REDACTED,
      '--port',
      '80',
      `https://u:${REDACTED}@h/x`,
    ]);
    expect(redactUrl(`https://h/mcp?token=${SECRET}&q=1`)).toBe(`https://h/mcp?token=${REDACTED}&q=1`);
  });

  it('a stdio server command with --api-key= is recorded without it', async () => {
    const store = join(dir, 'argv.db');
    const proxy = rawProxy(['--store', store, '--name', 'argv', '--', process.execPath, LINE_SERVER, `--api-key=${SECRET}`]);
    proxy.send(request(1, 'echo', { hello: true }));
    await proxy.next((m) => m.id === 1);
    proxy.child.stdin.end();
    await proxy.exited;
    const list = await runCli(['tapes', 'list', '--store', store]);
    expect(list.stdout).toContain(`--api-key=${REDACTED}`);
    expect(JSON.stringify(readTape(store, 'argv').tape)).not.toContain(SECRET);
  });
});
