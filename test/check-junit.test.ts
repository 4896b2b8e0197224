/**
 * `mcp-tap check` on real recordings of both eras, and the JUnit XML that check, verify and
 * `tapes diff` write, each report validated against a JUnit schema with libxml2 (xmllint-wasm).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { runCli } from './support/cli.js';
import { EVERYTHING, MEMORY, ROOT, tempDir } from './support/paths.js';
import { recordEverything } from './support/record.js';
import { HOSTILE_TOOL, recordLegacyTape, recordModernTape } from './support/exports.js';

let dir: string;
let store: string;
const XSD = readFileSync(join(ROOT, 'test', 'fixtures', 'junit.xsd'), 'utf8');
const CONTROL_TOOL = 'bell\u0007\u001b[31mred\u0000';

/** Validates a report against the schema; returns its text. */
async function validJUnit(file: string): Promise<string> {
  const xml = readFileSync(file, 'utf8');
  const result = await validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: XSD }] });
  expect(result.errors.map((e) => e.message), xml.slice(0, 2000)).toEqual([]);
  expect(result.valid).toBe(true);
  return xml;
}

const counts = (xml: string) => {
  const suite = /<testsuite [^>]*tests="(\d+)" failures="(\d+)"/.exec(xml)!;
  return { tests: Number(suite[1]), failures: Number(suite[2]) };
};

async function recordEcho(name: string, message: string, extraTools: string[] = []): Promise<void> {
  const client = await recordEverything(store, name);
  try {
    // server-everything asks for the roots once initialized: the answer belongs on the tape.
    for (let i = 0; i < 100 && client.rootsAsked() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await client.client.callTool({ name: 'echo', arguments: { message } });
    for (const tool of extraTools) await client.client.callTool({ name: tool, arguments: {} });
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  dir = tempDir();
  store = join(dir, 'tapes.db');
  await recordEcho('clean', 'hello');
  await recordEcho('clean-later', 'goodbye');
  await recordEcho('control', 'x', [CONTROL_TOOL]);
  await recordLegacyTape(store, 'legacy');
  await recordModernTape(store, 'modern');
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mcp-tap check', () => {
  it('passes a healthy tape (exit 0), and writes a JUnit case per exchange with no failure', async () => {
    const junit = join(dir, 'clean.xml');
    const result = await runCli(['check', 'clean', '--store', store, '--expect-tool', 'echo', '--junit', junit]);
    expect(result.stdout).toMatch(/check: tape "clean" passed/);
    expect(result.code).toBe(0);
    const xml = await validJUnit(junit);
    expect(counts(xml).failures).toBe(0);
    expect(xml).toMatch(/<testcase classname="tools\/call" name="tools\/call echo #\d+ \(seq \d+\)" time="[\d.]+"\/>/);
  });

  it('fails (exit 1) a slow call, a tool expected but not called, and a forbidden tool that was', async () => {
    const result = await runCli(['check', 'clean', '--store', store, '--max-duration', '0', '--expect-tool', 'get-sum', '--forbid-tool', 'echo', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { problems: number; items: { subject: string; problems: { rule: string; message: string }[] }[] };
    const rules = report.items.flatMap((i) => i.problems.map((p) => p.rule));
    expect(rules).toContain('slow');
    expect(report.items.find((i) => i.subject === 'tape')!.problems.map((p) => p.message)).toEqual([
      'expected a call to tool "get-sum": the tape has none',
      expect.stringMatching(/^tool "echo" must not be called: called 1 time\(s\), first #\d+$/),
    ]);
  });

  it('fails a 2025 tape with a tool error, naming the hostile tool inert, and --skip leaves a rule out', async () => {
    const result = await runCli(['check', 'legacy', '--store', store]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`✗ tools/call ${HOSTILE_TOOL}`);
    expect(result.stdout).toMatch(/tool-error the tool reported an error \(isError\): MCP error -32602: Tool <img src=x onerror=alert\(1\)> not found/);
    const skipped = await runCli(['check', 'legacy', '--store', store, '--skip', 'tool-error']);
    expect(skipped.stdout).not.toContain('tool-error');
  });

  it('reports what 2026-07-28 deprecates on a 2026 tape (Logging, asked for with _meta logLevel), in JUnit too', async () => {
    const junit = join(dir, 'modern.xml');
    const result = await runCli(['check', 'modern', '--store', store, '--junit', junit]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/✗ tools\/call shout #\d+[\s\S]*deprecated the request asks for log messages \(io\.modelcontextprotocol\/logLevel\): Logging is deprecated in 2026-07-28/);
    const xml = await validJUnit(junit);
    expect(xml).toMatch(/<testcase classname="tools\/call" name="tools\/call shout[^"]*"[^>]*>\s*<failure message="[^"]*Logging is deprecated in 2026-07-28[^"]*" type="[^"]*deprecated[^"]*"/);
  });

  it('writes valid JUnit whatever bytes a peer sent (control characters in a tool name)', async () => {
    const junit = join(dir, 'control.xml');
    const result = await runCli(['check', 'control', '--store', store, '--junit', junit]);
    expect(result.code).toBe(1);
    // On the terminal the control characters are shown as escapes, never sent.
    expect(result.stdout).toContain('bell\\u0007\\u001b[31mred\\u0000');
    expect(result.stdout).not.toContain('\u001b[31m');
    const xml = await validJUnit(junit);
    expect(xml).toContain('bell\\u0007\\u001b[31mred\\u0000');
  });

  it('refuses a tape it cannot find with exit 2', async () => {
    const result = await runCli(['check', 'no-such', '--store', store]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no tape named "no-such"/);
  });
});

describe('verify --junit and tapes diff --junit', () => {
  it('verify: every request a passing case against the server it was recorded with', async () => {
    const junit = join(dir, 'verify.xml');
    const result = await runCli(['verify', 'clean', '--store', store, '--junit', junit, '--', process.execPath, EVERYTHING, 'stdio'], { timeoutMs: 40_000 });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    const xml = await validJUnit(junit);
    expect(counts(xml)).toMatchObject({ failures: 0 });
    expect(counts(xml).tests).toBeGreaterThan(1);
  }, 45_000);

  it('verify: drift against another server fails, case by case', async () => {
    const junit = join(dir, 'drift.xml');
    const result = await runCli(['verify', 'clean', '--store', store, '--junit', junit, '--', process.execPath, MEMORY], { timeoutMs: 40_000 });
    expect(result.code).toBe(1);
    const xml = await validJUnit(junit);
    expect(counts(xml).failures).toBeGreaterThan(0);
    expect(xml).toMatch(/<testcase classname="tools\/call"[^>]*>\s*<failure message="answer drifted: result.content\[0\].text: &quot;Echo: hello&quot; → /);
  }, 45_000);

  it('tapes diff: the same tape agrees with itself; a later recording differs where it does', async () => {
    const same = join(dir, 'same.xml');
    const agreed = await runCli(['tapes', 'diff', 'clean', 'clean', '--store', store, '--junit', same]);
    expect(agreed.code).toBe(0);
    const sameXml = await validJUnit(same);
    expect(counts(sameXml).failures).toBe(0);
    expect(counts(sameXml).tests).toBeGreaterThan(1);
    const differ = join(dir, 'differ.xml');
    const result = await runCli(['tapes', 'diff', 'clean', 'clean-later', '--store', store, '--junit', differ]);
    expect(result.code).toBe(1);
    const xml = await validJUnit(differ);
    expect(xml).toMatch(/failure message="only in clean" type="removed"/);
    expect(xml).toMatch(/failure message="only in clean-later" type="added"/);
  });
});
