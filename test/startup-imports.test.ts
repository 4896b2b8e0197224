/**
 * A recording proxy loads only what it uses. The UI (Ink, React and a layout engine), the SDK
 * client of the demo, the Redis client and the YAML rules loader were once imported by every
 * command and made up most of its start-up time (about 1.2 s) and memory (about 60 MB); they are
 * now loaded when asked for. A resolve hook logs every module the proxy's process loads while a
 * real client records a call through it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { connectStdioClient } from './support/record.js';
import { CLI, EVERYTHING, tempDir } from './support/paths.js';

const dir = tempDir('mcp-tap-imports-');
const hooks = join(dir, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
let log;
export async function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, resolved.url + '\\n');
  return resolved;
}
`,
);

/** Modules a plain recording proxy must not load. */
const OPTIONAL = {
  'the UI': /\/dist\/tui\/|\/dist\/bundle\/(run|pick|terminal)-\w+\.js$|\/node_modules\/(ink|react|yoga-layout)\//,
  'the SDK client': /\/node_modules\/@modelcontextprotocol\/sdk\/dist\/esm\/client\//,
  'the Redis client': /\/node_modules\/ioredis\//,
  'the YAML parser': /\/node_modules\/yaml\//,
  'the web console': /\/dist\/web\/(server|backends|session|commands)\.js/,
  OpenTelemetry: /\/node_modules\/@opentelemetry\//,
  'the JUnit writer': /\/node_modules\/junit-report-builder\//,
  'the exports, check and baselines': /\/dist\/tape\/(har|otlp|report|check|baseline|junit|prune)\.js$|\/dist\/interceptors\/(otlp|baseline)\.js$|\/dist\/bundle\/(har|otlp|report|check|baseline|baseline-run|junit|prune)-\w+\.js$/,
};

/** Records one echo through `mcp-tap record` with the extra flags; returns every module URL the proxy resolved. */
async function modulesLoadedBy(name: string, extraArgs: string[] = []): Promise<string[]> {
  const log = join(dir, `${name}.log`);
  const register = join(dir, `${name}-register.mjs`);
  writeFileSync(log, '');
  // The path is written into the file: the SDK's stdio client passes only a few variables to its child.
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });\n`);
  const client = await connectStdioClient(process.execPath, ['--import', pathToFileURL(register).href, CLI, 'record', '-q', '--store', join(dir, 'tapes.db'), '--name', name, ...extraArgs, '--', process.execPath, EVERYTHING, 'stdio']);
  try {
    const result = await client.client.callTool({ name: 'echo', arguments: { message: 'hi' } });
    expect(result.content).toEqual([{ type: 'text', text: 'Echo: hi' }]);
  } finally {
    await client.close();
  }
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

describe('what a recording proxy loads', () => {
  it('does not load the UI, the SDK client, the Redis client, the YAML parser, OpenTelemetry or the exports when not asked for them', async () => {
    const loaded = await modulesLoadedBy('plain');
    // The log is real: the command line's bundle is in it.
    expect(loaded.some((url) => url.endsWith('/dist/bundle/main.js'))).toBe(true);
    // Our code comes from the bundle alone: a module of tsc's dist/ beside it would be a second
    // copy of what the bundle holds (a second class of the same name, a second registry).
    expect(loaded.filter((url) => /\/dist\/(?!bundle\/)/.test(url))).toEqual([]);
    for (const [what, pattern] of Object.entries(OPTIONAL)) {
      expect(loaded.filter((url) => pattern.test(url)), `${what} was loaded`).toEqual([]);
    }
  });

  it('loads the YAML parser when --rules is given', async () => {
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - { match: "~t nothing-matches", action: block, reason: not today }\n');
    const loaded = await modulesLoadedBy('with-rules', ['--rules', rules]);
    expect(loaded.some((url) => OPTIONAL['the YAML parser'].test(url))).toBe(true);
    expect(loaded.filter((url) => OPTIONAL['the UI'].test(url))).toEqual([]);
  });
});

describe('what --otlp loads', () => {
  it('loads OpenTelemetry only when asked for it', async () => {
    const loaded = await modulesLoadedBy('with-otlp', ['--otlp', 'http://127.0.0.1:9/v1/traces']);
    expect(loaded.some((url) => OPTIONAL.OpenTelemetry.test(url))).toBe(true);
    expect(loaded.filter((url) => OPTIONAL['the UI'].test(url))).toEqual([]);
  });
});
