/**
 * Tapes as users really record them: with secrets redacted, and replayed to clients (such as the
 * MCP Inspector) that send housekeeping the tape never saw. Real server-everything, the SDK client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { runCli } from './support/cli.js';
import { readTape, recordEverything } from './support/record.js';
import { CLI, EVERYTHING, tempDir } from './support/paths.js';

let dir: string;
let store: string;
const SECRET = 'hunter2-correct-horse';
const server = ['--', process.execPath, EVERYTHING, 'stdio'];

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  // The argument is redacted on the tape; the answer (which echoes it) is not.
  const asked = await recordEverything(store, 'asked', ['--redact', 'params.arguments.message']);
  await asked.client.callTool({ name: 'echo', arguments: { message: SECRET } });
  await asked.close();
  // The answer's text is redacted on the tape.
  const answered = await recordEverything(store, 'answered', ['--redact', 'result.content.*.text']);
  await answered.client.callTool({ name: 'echo', arguments: { message: 'plain' } });
  await answered.close();
  expect((await runCli(['demo', '-q', '--store', store], { timeoutMs: 60_000 })).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The SDK client on `mcp-tap replay <args>`; its stderr and exit code come back on close. */
async function replay(args: string[]) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'replay', ...args, '--store', store], stderr: 'pipe' });
  let stderr = '';
  (transport.stderr as Readable | null)?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'redaction-test', version: '1.0.0' });
  await client.connect(transport);
  const child = (transport as unknown as { _process: { once(e: 'exit', f: (code: number | null) => void): void } })._process;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    client,
    async close() {
      await client.close();
      return { code: await exited, stderr };
    },
  };
}

describe('replaying a tape with redacted arguments', () => {
  it('matches whatever value the client sends there, says so, and never prints the live value', async () => {
    const r = await replay(['asked']);
    const answer = await r.client.callTool({ name: 'echo', arguments: { message: 'another-secret-value' } });
    // The recorded answer, whatever the client sent where the tape has [REDACTED].
    expect(JSON.stringify(answer)).toContain(`Echo: ${SECRET}`);
    // The tape has no second echo: a miss, whose error must not show what the client sent.
    const miss = await r.client.callTool({ name: 'echo', arguments: { message: 'never-print-me' } }).catch((error: Error) => error);
    expect(String(miss)).toMatch(/no recorded answer for tools\/call .*"message":"\[REDACTED\]"/);
    expect(String(miss)).not.toContain('never-print-me');
    const { stderr } = await r.close();
    expect(stderr).toContain('replay: 2 matched, 1 missed');
    expect(stderr).toContain('redacted on the tape, so any value matched: params.arguments.message (1 request)');
    expect(stderr).not.toMatch(/never-print-me|another-secret-value/);
  });
});

describe('verify with redacted values', () => {
  it('refuses to send the marker, and says how to give the value', async () => {
    const result = await runCli(['verify', 'asked', '--store', store, ...server], { timeoutMs: 60_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/params\.arguments\.message in tools\/call .*--secret message=ENV_VAR/);
    expect(result.stdout).toBe('');
  });

  it('sends the value from --secret, finds no drift, and never prints it', async () => {
    const result = await runCli(['verify', 'asked', '--store', store, '--secret', 'message=ECHO_SECRET', ...server], { timeoutMs: 60_000, env: { ECHO_SECRET: SECRET } });
    expect(result.stdout).toMatch(/no drift: \d+ of \d+ answers match tape "asked"/);
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(SECRET);
    const json = await runCli(['verify', 'asked', '--store', store, '--json', '--secret', 'params.arguments.message=ECHO_SECRET', ...server], { timeoutMs: 60_000, env: { ECHO_SECRET: SECRET } });
    expect(JSON.parse(json.stdout).drifted).toBe(0);
    // The server echoes the secret in its answer; the report shows the mark instead.
    expect(json.stdout).not.toContain(SECRET);
  });

  it('refuses a --secret whose variable is not set', async () => {
    const result = await runCli(['verify', 'asked', '--store', store, '--secret', 'message=NOT_SET_ANYWHERE', ...server]);
    expect([result.code, result.stderr]).toEqual([2, 'mcp-tap: --secret message: the environment variable NOT_SET_ANYWHERE is not set\n']);
  });

  it('leaves a redacted answer field out of the comparison, and says so', async () => {
    expect(readTape(store, 'answered').frames.find((f) => f.direction === 's2c' && f.method === 'tools/call')?.redacted).toEqual(['result.content.0.text']);
    const result = await runCli(['verify', 'answered', '--store', store, ...server], { timeoutMs: 60_000 });
    expect(result.stdout).toContain('not compared (redacted on the tape): result.content.0.text');
    expect(result.stdout).toMatch(/no drift/);
    expect(result.code).toBe(0);
  });
});

describe('housekeeping a client sends that the tape lacks', () => {
  it('gets the answers the recorded server implies, as the MCP Inspector needs, and counts as a miss under --strict', async () => {
    const r = await replay(['demo']);
    // What the Inspector sends after connecting, before the user does anything.
    await r.client.setLoggingLevel('debug');
    await r.client.subscribeResource({ uri: 'demo://resource/static/document/architecture.md' });
    await r.client.unsubscribeResource({ uri: 'demo://resource/static/document/architecture.md' });
    await r.client.ping();
    expect((await r.client.listTools()).tools.length).toBeGreaterThan(0);
    const { stderr, code } = await r.close();
    expect(code).toBe(0);
    expect(stderr).toContain('answered without the tape, as the recorded server would: logging/setLevel');
    expect(stderr).toContain('answered without the tape, as the recorded server would: resources/subscribe');

    const strict = await replay(['demo', '--strict']);
    await expect(strict.client.setLoggingLevel('debug')).rejects.toThrow(/no recorded answer for logging\/setLevel/);
    expect((await strict.close()).code).toBe(1);
  });
});
