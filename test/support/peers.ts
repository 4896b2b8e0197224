/**
 * Where the SDK-written test peers live (test/peers/README.md), and the Python SDK's virtual
 * environment, which may be missing: `pythonPeers()` then says why, so a test can say so plainly.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export const PEERS = join(ROOT, 'test', 'peers');
export const TS_SERVER = join(PEERS, 'ts-server.mjs');
export const TS_CLIENT = join(PEERS, 'ts-client.mjs');
export const PY_SERVER = join(PEERS, 'py-server.py');
export const PY_CLIENT = join(PEERS, 'py-client.py');
export const VENV_PYTHON = join(ROOT, '.venv-test', 'bin', 'python');

export type PythonPeers = { available: true; python: string } | { available: false; reason: string };

let cached: PythonPeers | undefined;

/** The Python SDK peers, when the virtual environment `.ci/run` makes is there and imports mcp 2.3. */
export function pythonPeers(): PythonPeers {
  if (cached) return cached;
  if (!existsSync(VENV_PYTHON)) {
    cached = { available: false, reason: `no Python SDK environment at ${VENV_PYTHON} (create it: python3 -m venv .venv-test && .venv-test/bin/pip install --retries 0 --timeout 5 mcp==2.3.0)` };
    return cached;
  }
  const probe = spawnSync(VENV_PYTHON, ['-c', 'import importlib.metadata as m; print(m.version("mcp"))'], { encoding: 'utf8', timeout: 20_000 });
  const version = probe.stdout.trim();
  cached = probe.status === 0 && version === '2.3.0' ? { available: true, python: VENV_PYTHON } : { available: false, reason: `the Python SDK environment at ${VENV_PYTHON} does not have mcp 2.3.0 (${version || probe.stderr.trim()})` };
  return cached;
}
