/**
 * The web console's command line: what `--web`, `mcp-tap web` and `mcp-tap send` refuse, and
 * how they say it (the browser tests in web.test.ts cover what they do).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { EVERYTHING, tempDir } from './support/paths.js';

const dir = tempDir('mcp-tap-web-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { MCP_TAP_STATE_DIR: join(dir, 'state') };

describe('the web console on the command line', () => {
  it('--web needs the control channel, and its options need --web', async () => {
    const noControl = await runCli(['record', '--web', '--no-control', '--', process.execPath, EVERYTHING, 'stdio'], { env });
    expect(noControl.code).toBe(2);
    expect(noControl.stderr).toContain('--web needs the control channel; leave out --no-control');
    const alone = await runCli(['record', '--web-port', '8807', '--', process.execPath, EVERYTHING, 'stdio'], { env });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--web-port and --open go with --web');
    const port = await runCli(['record', '--web', '--web-port', 'eighty', '--', process.execPath, EVERYTHING, 'stdio'], { env });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--web-port takes a port number (0 to 65535), got "eighty"');
    expect(port.stdout).toBe('');
  });

  it('mcp-tap web says when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    try {
      const result = await runCli(['web', '--port', String(port)], { env });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is in use; pick another with --port`);
    } finally {
      taken.close();
    }
  });

  it('mcp-tap send says when there is no proxy to send through', async () => {
    const result = await runCli(['send', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/mcp-tap: no mcp-tap proxy is running \(none found in .*state\)/);
  });
});
