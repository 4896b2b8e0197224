/**
 * Programs some tests need that npm does not install (Debian packages). A test that needs a
 * missing one fails with a message saying it was not run and why; the tests that do not need it
 * run as usual.
 */
import { spawnSync } from 'node:child_process';

const PACKAGES: Record<string, string> = { 'redis-server': 'redis-server', tmux: 'tmux', '/usr/bin/chromium': 'chromium' };

/** Why a test that needs `program` cannot run here, or undefined when it can. */
export function missingTool(program: string, versionFlag = '--version'): string | undefined {
  const found = spawnSync(program, [versionFlag], { stdio: 'ignore' });
  if (!found.error) return undefined;
  return `not run: this test needs ${program}, which is not installed here (Debian: apt-get install ${PACKAGES[program] ?? program})`;
}
