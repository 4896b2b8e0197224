/**
 * `mcp-tap record -- <server...>` starts the server before it loads the rest of itself, so the
 * server's start-up (often the larger part of a client's wait) runs while ours does. The launcher
 * calls EarlyServer.start() with nothing else loaded; the command line, once it has parsed its
 * arguments, claims the process if it is the server it would have started, and it is stopped
 * otherwise (a usage error, another server).
 *
 * Its messages wait in the pipe until the proxy reads them; nothing is lost or reordered, and the
 * server's stderr is passed through as it would have been.
 */
import { spawnServer, type ServerProcess } from '../transports/server-process.js';

/** Options that make record something other than a stdio proxy of its own server, or no run at all. */
const NOT_A_STDIO_RUN = /^(--url|--listen|--help|-h|--version|-V)(=|$)/;

/**
 * Node discards the output of a child that exits while nobody reads its stdout (it resumes such
 * streams on exit). A 'readable' listener keeps what the server said, and its exit, waiting in the
 * stream until the proxy takes it; once it is removed, the proxy's 'data' listener gets it all.
 */
const keep = (): void => {};

export class EarlyServer {
  private claimed = false;

  private constructor(
    readonly command: string,
    readonly args: string[],
    private readonly server: ServerProcess,
  ) {
    server.child.stdout?.on('readable', keep);
  }

  /** The server of `record [options] -- command args...` over stdio, started now; undefined for any other command line. */
  static start(argv: string[]): EarlyServer | undefined {
    if (argv[2] !== 'record') return undefined;
    const end = argv.indexOf('--', 3);
    if (end < 0 || end === argv.length - 1) return undefined;
    if (argv.slice(3, end).some((arg) => NOT_A_STDIO_RUN.test(arg))) return undefined;
    const [command, ...args] = argv.slice(end + 1) as [string, ...string[]];
    return new EarlyServer(command, args, spawnServer(command, args));
  }

  /** The started process if it is this server, once; a different server (or none) means it is stopped. */
  claim(command: string, args: string[]): ServerProcess | undefined {
    if (this.claimed) return undefined;
    if (command !== this.command || args.length !== this.args.length || args.some((arg, i) => arg !== this.args[i])) {
      this.stop();
      return undefined;
    }
    this.claimed = true;
    this.server.child.stdout?.off('readable', keep);
    return this.server;
  }

  /**
   * Called when the command line is done: stops the server if it still runs (nothing claimed it,
   * or what claimed it failed before it took charge of it). A proxy that ran it has seen it exit.
   */
  stop(): void {
    this.claimed = true;
    const { child } = this.server;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    child.kill('SIGTERM');
    // Its pipes must not keep this process waiting for it.
    child.stdout?.destroy();
    child.unref();
  }
}
