/** A real redis-server on a free loopback port, started for a test file and stopped after. */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './servers.js';
import { missingTool } from './tools.js';

export interface RunningRedis {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startRedis(port?: number): Promise<RunningRedis> {
  const missing = missingTool('redis-server');
  if (missing) throw new Error(missing);
  const chosen = port ?? (await freePort());
  // No persistence: each test run starts empty and leaves nothing behind.
  const child = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be run (is the redis-server package installed? .ci/run installs it): ${error.message}`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    url: `redis://127.0.0.1:${chosen}/0`,
    port: chosen,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A redis-server for a whole test file, or, when none is installed, a stand-in whose address
 * fails the tests that use it with "not run: ... needs redis-server", so the file's other tests
 * still run.
 */
export async function redisForFile(): Promise<RunningRedis> {
  const missing = missingTool('redis-server');
  if (!missing) return startRedis();
  const notRun = (): never => {
    throw new Error(missing);
  };
  return {
    get url() {
      return notRun();
    },
    get port() {
      return notRun();
    },
    get child() {
      return notRun();
    },
    stop: async () => undefined,
  };
}
