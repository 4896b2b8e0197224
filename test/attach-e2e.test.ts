/**
 * `mcp-tap attach` in a real terminal (a tmux pane) on a real proxy: a breakpoint holds the
 * client's tools/call, `e` hands it to a scripted $EDITOR that changes the argument, and the client
 * gets the echo of the edited text. Needs tmux.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { listRunningProxies } from '../src/control/state.js';
import { CLI, EVERYTHING, tempDir } from './support/paths.js';
import { paneCommand, Tmux } from './support/tmux.js';

const dir = tempDir('mcp-tap-attach-');
const stateDir = join(dir, 'state');
const tmux = new Tmux('attach');
const pane = 'attach';
const until = (check: (text: string) => boolean, what: string) => tmux.until(pane, check, what);

let client: Client | undefined;

afterAll(async () => {
  tmux.kill();
  await client?.close();
});

describe('mcp-tap attach in a terminal', () => {
  it('edits a paused tools/call in $EDITOR and the client gets the edited answer', async () => {
    const env = { ...process.env, MCP_TAP_STATE_DIR: stateDir } as Record<string, string>;
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'record', '-q', '--store', join(dir, 'tapes.db'), '--break', '~t echo', '--', process.execPath, EVERYTHING, 'stdio'],
      env,
      stderr: 'pipe',
    });
    (transport.stderr as Readable | null)?.resume();
    client = new Client({ name: 'attach-e2e', version: '1.0.0' }, { capabilities: {} });
    await client.connect(transport);
    for (let i = 0; i < 100 && listRunningProxies(stateDir).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listRunningProxies(stateDir)).toHaveLength(1);

    // The editor a person would use, scripted: it changes the echo's message in the file it is given.
    const editor = join(dir, 'editor.mjs');
    writeFileSync(
      editor,
      `import fs from 'node:fs';
const file = process.argv[2];
const message = JSON.parse(fs.readFileSync(file, 'utf8'));
message.params.arguments.message = 'edited in the terminal';
fs.writeFileSync(file, JSON.stringify(message, null, 2));
`,
    );
    tmux.start(pane, paneCommand({ MCP_TAP_STATE_DIR: stateDir, EDITOR: `${process.execPath} ${editor}`, VISUAL: '' }, [process.execPath, CLI, 'attach']));
    await until((text) => text.includes('breakpoints: #1 ~t echo'), 'the UI on the proxy');

    const answer = client.callTool({ name: 'echo', arguments: { message: 'as the client wrote it' } });
    // Held where it arrived, selected (the list follows the newest), and in the held list.
    await until((text) => /#\d+ → tools\/call echo/.test(text) && text.includes('1 held') && /tools\/call echo .*HELD/.test(text), 'the held tools/call');
    tmux.keys(pane, 'e');
    // The breakpoint holds the answer too; it comes back echoing the edited text, and `a` lets it go.
    const held = await until((text) => /#\d+ ← ↳ tools\/call echo/.test(text) && text.includes('Echo: edited in the terminal'), 'the held answer, in the detail pane');
    expect(held).toMatch(/tools\/call echo .*HELD · edited/);
    tmux.keys(pane, 'a');

    const result = (await answer) as { content: { type: string; text: string }[] };
    expect(result.content[0]!.text).toBe('Echo: edited in the terminal');

    // Quitting the UI leaves the proxy running: the client can still call. With a breakpoint
    // armed it asks first; k keeps it, and the note on leaving says so.
    tmux.keys(pane, 'q');
    await until((text) => text.includes('quit?') && text.includes('1 breakpoint is armed'), 'the question');
    tmux.keys(pane, 'k');
    const left = await until((text) => text.includes('detached from'), 'the UI to quit');
    expect(left.replace(/\n/g, '')).toContain('left 1 armed breakpoint on');
    expect(listRunningProxies(stateDir)).toHaveLength(1);
    const again = client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } });
    expect(((await again) as { content: { text: string }[] }).content[0]!.text).toContain('5');
  });
});
