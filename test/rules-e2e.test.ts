/**
 * `--rules FILE` through the real command line in front of the real server-everything, with the
 * SDK client: block, mock, modify, delay and a per-method rate limit, reloading the file while a
 * client stays connected, refusing a bad file at start, and the same rules in replay and over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { runCli } from './support/cli.js';
import { CLI, EVERYTHING, tempDir } from './support/paths.js';
import { readTape } from './support/record.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('mcp-tap-rules-e2e-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Proxied {
  client: Client;
  /** Everything mcp-tap printed on stderr so far. */
  stderr: () => string;
  close(): Promise<void>;
}

/** `mcp-tap record --rules FILE` in front of server-everything, an SDK client on its stdio. */
async function recordWithRules(store: string, name: string, rules: string, extra: string[] = []): Promise<Proxied> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'record', '--store', store, '--name', name, '--rules', rules, ...extra, '--', process.execPath, EVERYTHING, 'stdio'],
    stderr: 'pipe',
  });
  let stderr = '';
  (transport.stderr as Readable).on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'rules-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The text of a tool result, or the error the call failed with. */
function outcome(call: Promise<unknown>): Promise<string> {
  return call.then(
    (result) => (result as { content: { text: string }[] }).content[0]!.text,
    (error: Error) => `error: ${error.message}`,
  );
}

const RULES = `# The feature's own example, plus a patch and a rate limit.
rules:
  - name: no sums
    match: "~m tools/call & ~t get-sum"
    action: block
    reason: "sums are off today"
  - name: fix the message
    match: "~t echo & ~k request & ~b 'patch me'"
    action: modify
    patch:
      - { op: test, path: /params/arguments/message, value: "patch me" }
      - { op: replace, path: /params/arguments/message, value: "patched by a rule" }
  # "& ~k request": the answer to the patched call (a response to a tools/call of echo) is left alone.
  - match: "~t echo & ~k request"
    action: mock
    result: { content: [{ type: text, text: "mocked: {{params.arguments.message}}" }] }
  - match: "~m resources/read & ~k request"
    action: delay
    ms: 250
rateLimits:
  prompts/list: { rate: 1/min, burst: 1 }
`;

describe('mcp-tap record --rules', () => {
  it('blocks, mocks, modifies, delays and rate-limits as the file says, and the tape tells what happened', async () => {
    const store = join(dir, 'actions.db');
    const rules = join(dir, 'actions.yaml');
    writeFileSync(rules, RULES);
    const proxied = await recordWithRules(store, 'actions', rules, ['-q']);
    let resourceUri: string;
    let readMs: number;
    try {
      const { client } = proxied;
      expect(await outcome(client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }))).toMatch(/^error: .*sums are off today/);
      expect(await outcome(client.callTool({ name: 'echo', arguments: { message: 'hello' } }))).toBe('mocked: hello');
      // The server answers the call as the rule changed it.
      expect(await outcome(client.callTool({ name: 'echo', arguments: { message: 'patch me' } }))).toBe('Echo: patched by a rule');

      const resources = await client.listResources();
      resourceUri = resources.resources[0]!.uri;
      const started = performance.now();
      await client.readResource({ uri: resourceUri });
      readMs = performance.now() - started;

      await client.listPrompts();
      await expect(client.listPrompts()).rejects.toThrow(/rate limited: over 1\/min per session for prompts\/list; retry after \d+ ms/);
      // Other methods have no limit of their own.
      await client.listTools();
      await client.listTools();
    } finally {
      await proxied.close();
    }
    expect(readMs).toBeGreaterThanOrEqual(245);

    const { frames } = readTape(store, 'actions');
    const calls = frames.filter((f) => f.direction === 'c2s' && f.method === 'tools/call');
    const sum = calls.find((f) => f.message.includes('get-sum'))!;
    expect(sum).toMatchObject({ action: 'block', note: 'sums are off today' });
    // The mocked echo never reached the server: no answer came from it, only the proxy's.
    const mocked = calls.find((f) => f.message.includes('"hello"'))!;
    expect(mocked.action).toBe('mock');
    const mockAnswers = frames.filter((f) => f.direction === 's2c' && f.id === mocked.id && f.seq > mocked.seq);
    expect(mockAnswers).toHaveLength(1);
    expect(mockAnswers[0]!.flags).toContain('synthesized');
    expect(mockAnswers[0]!.message).toContain('mocked: hello');
    // The tape holds the call as sent and as the client wrote it.
    const patched = calls.find((f) => f.original?.includes('patch me'))!;
    expect(patched.action).toBe('modify');
    expect(JSON.parse(patched.message).params.arguments).toEqual({ message: 'patched by a rule' });
    expect(JSON.parse(patched.original!).params.arguments).toEqual({ message: 'patch me' });
    const read = frames.find((f) => f.direction === 'c2s' && f.method === 'resources/read')!;
    expect(read).toMatchObject({ action: 'delay', note: 'delayed 250 ms' });
    const prompts = frames.filter((f) => f.direction === 'c2s' && f.method === 'prompts/list');
    expect(prompts.map((f) => f.action)).toEqual(['continue', 'block']);
  });

  it('picks up a changed file without dropping the client, and keeps the old rules when the new file is wrong', async () => {
    const store = join(dir, 'reload.db');
    const rules = join(dir, 'reload.yaml');
    writeFileSync(rules, 'rules:\n  - { match: "~t echo", action: block, reason: "version one" }\n');
    const proxied = await recordWithRules(store, 'reload', rules);
    try {
      const echo = () => outcome(proxied.client.callTool({ name: 'echo', arguments: { message: 'hi' } }));
      expect(await echo()).toMatch(/version one/);

      writeFileSync(rules, 'rules:\n  - { match: "~t echo", action: mock, result: { content: [{ type: text, text: "version two" }] } }\n  - { match: "~m ping", action: continue }\n');
      await until(() => proxied.stderr().includes(`rules reloaded from ${rules}: 2 rules now in force`), 'the reload');
      expect(await echo()).toBe('version two');

      writeFileSync(rules, 'rules:\n  - { match: "~t echo", action: mock, reslt: {} }\n');
      await until(() => proxied.stderr().includes('are still in force'), 'the refusal');
      expect(proxied.stderr()).toContain(`error: ${rules}:2: rule 1, field "reslt": unknown field; mock takes name, match, action, result, response; did you mean "result"?; the previous rules (2 rules) are still in force`);
      expect(await echo()).toBe('version two');

      // Fixing the file brings the new rules in, rate limits too; the same client is still connected.
      writeFileSync(rules, 'rules: []\nrateLimits:\n  tools/call: { rate: 1/min, burst: 1 }\n');
      await until(() => proxied.stderr().includes('0 rules now in force'), 'the reload of the fixed file');
      expect(await echo()).toBe('Echo: hi');
      expect(await echo()).toMatch(/rate limited: over 1\/min per session for tools\/call/);
    } finally {
      await proxied.close();
    }
    expect(readTape(store, 'reload').sessions).toHaveLength(1);
  });

  it('refuses to start with a rules file that has a mistake, naming the file, rule, field and column', async () => {
    const rules = join(dir, 'bad.yaml');
    writeFileSync(rules, 'rules:\n  - name: no sums\n    match: "~m tools/call & ~x get-sum"\n    action: block\n    reason: x\n');
    const result = await runCli(['record', '--store', join(dir, 'bad.db'), '--rules', rules, '--', process.execPath, EVERYTHING, 'stdio']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`mcp-tap: ${rules}:3: rule 1 ("no sums"), field "match": column 17: unknown atom ~x`);
    const missing = await runCli(['record', '--store', join(dir, 'bad.db'), '--rules', join(dir, 'none.yaml'), '--', process.execPath, EVERYTHING, 'stdio']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(dir, 'none.yaml')}: cannot read the rules file: no such file`);
  });

  it('applies the rules to HTTP clients with --listen', async () => {
    const rules = join(dir, 'http.yaml');
    writeFileSync(rules, RULES);
    const proxy = spawn(process.execPath, [CLI, 'record', '--store', join(dir, 'http.db'), '--name', 'http', '--rules', rules, '--listen', '127.0.0.1:0', '--', process.execPath, EVERYTHING, 'stdio'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    proxy.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const client = new Client({ name: 'rules-http', version: '1.0.0' });
    try {
      await until(() => /Streamable HTTP\s+(\S+)/.test(stderr), 'the proxy to listen');
      await client.connect(new StreamableHTTPClientTransport(new URL(/Streamable HTTP\s+(\S+)/.exec(stderr)![1]!)));
      expect(await outcome(client.callTool({ name: 'echo', arguments: { message: 'over http' } }))).toBe('mocked: over http');
      expect(await outcome(client.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }))).toMatch(/sums are off today/);
      await client.listPrompts();
      await expect(client.listPrompts()).rejects.toThrow(/rate limited/);
    } finally {
      await client.close();
      proxy.kill('SIGTERM');
      await new Promise((resolve) => proxy.once('exit', resolve));
    }
  });
});

describe('mcp-tap replay --rules', () => {
  it('answers from the rules before the tape', async () => {
    const store = join(dir, 'replay.db');
    const rules = join(dir, 'replay.yaml');
    writeFileSync(rules, 'rules: []\n');
    // A short recording to replay: the rules file is empty, so everything goes to the server.
    const recording = await recordWithRules(store, 'to-replay', rules, ['-q']);
    expect(await outcome(recording.client.callTool({ name: 'echo', arguments: { message: 'recorded' } }))).toBe('Echo: recorded');
    await recording.close();

    writeFileSync(rules, 'rules:\n  - { match: "~t not-on-tape", action: mock, result: { content: [{ type: text, text: "from a rule" }] } }\n  - { match: "~t echo", action: block, reason: "not in replay" }\n');
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'replay', 'to-replay', '-q', '--store', store, '--rules', rules], stderr: 'ignore' });
    const client = new Client({ name: 'rules-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(await outcome(client.callTool({ name: 'not-on-tape', arguments: {} }))).toBe('from a rule');
      expect(await outcome(client.callTool({ name: 'echo', arguments: { message: 'recorded' } }))).toMatch(/not in replay/);
    } finally {
      await client.close();
    }
  });
});
