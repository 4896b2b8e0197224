/** `mcp-tap demo`, the README's first command: records a real session, shows it, replays it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TapeStore } from '../src/tape/store.js';
import { runCli } from './support/cli.js';
import { tempDir } from './support/paths.js';

let dir: string;
beforeAll(() => {
  dir = tempDir();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mcp-tap demo', () => {
  it('records the tour against the real server, prints the timeline, and replays it with the same answers', async () => {
    const store = join(dir, 'demo.db');
    const { code, stdout, stderr } = await runCli(['demo', '--store', store], { timeoutMs: 60_000 });
    expect(code, stderr).toBe(0);
    for (const step of ['initialize', 'tools/list', 'tools/call echo', 'tools/call get-sum', 'resources/read', 'tools/call trigger-long-running-operation', 'roots/list (asked by the server)']) {
      expect(stdout).toMatch(new RegExp(`✓ ${step.replace(/[()/]/g, '\\$&')}`));
    }
    expect(stdout).toContain('Echo: hello from mcp-tap');
    expect(stdout).toContain('The sum of 19 and 23 is 42.');
    // The timeline shows the server's request to the client and the progress it reported.
    expect(stdout).toMatch(/← request\s+roots\/list/);
    expect(stdout).toMatch(/← notification notifications\/progress/);
    expect(stdout).toMatch(/✓ 8 of 8 steps gave the same answers as the real server/);
    expect(stdout).toMatch(/replay: 7 matched, 0 missed, 0 recorded request\(s\) unused/);

    const tapes = TapeStore.open(store, { readonly: true });
    try {
      const tape = tapes.requireTape('demo');
      const frames = tapes.frames(tape.id);
      expect(frames.filter((f) => f.kind === 'request' && f.direction === 'c2s').map((f) => f.method)).toEqual([
        'initialize',
        'tools/list',
        'tools/call',
        'tools/call',
        'resources/list',
        'resources/read',
        'tools/call',
      ]);
      // Replaying records nothing: the store holds the one tape.
      expect(tapes.listTapes().map((t) => t.name)).toEqual(['demo']);
    } finally {
      tapes.close();
    }
    expect(statSync(store).mode & 0o777).toBe(0o600);
  });
});
