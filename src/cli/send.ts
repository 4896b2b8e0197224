/**
 * `mcp-tap send [ID] --conversation C JSON`: a request sent through a running proxy to its
 * server, as the consoles' re-send does (control command `send`): under a fresh id, through the
 * rules, breakpoints and the tape (marked resent), its answer printed here and never delivered to
 * the proxy's client. The web console's "copy as mcp-tap" writes this command.
 */
import type { Command } from 'commander';
import { connectControl } from '../control/client.js';
import type { ServerMessage } from '../control/protocol.js';
import { findRunningProxy, listRunningProxies, stateDir } from '../control/state.js';
import { UsageError } from './common.js';

interface SendFlags {
  conversation?: string;
  timeout: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerSend(program: Command): void {
  program
    .command('send')
    .summary('send a request through a running proxy to its server and print the answer')
    .description(
      'Sends a JSON-RPC request on a conversation of a running proxy, as if its client had sent it: the proxy gives it a fresh id, ' +
        'runs it through its rules and breakpoints and onto the tape (marked resent), and the answer is printed on stdout, never ' +
        'delivered to the client. The request is the argument, or stdin when there is none.',
    )
    .argument('[id]', 'the proxy (as mcp-tap proxies lists it; default: the only one running)')
    .argument('[request]', 'the request as JSON text (default: read from stdin)')
    .option('--conversation <id>', 'the conversation (session) to send on (default: the only one the proxy has)')
    .option('--timeout <seconds>', 'how long to wait for the answer', '30')
    .addHelpText('after', `\nExamples:\n  mcp-tap send 3fa2c1 --conversation 1f0c... '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}'\n  echo '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' | mcp-tap send\n`)
    .action(async (id: string | undefined, request: string | undefined, flags: SendFlags) => {
      const seconds = Number(flags.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout takes a number of seconds, got "${flags.timeout}"`);
      let proxy;
      try {
        const running = listRunningProxies();
        if (id === undefined && running.length !== 1) throw new Error(running.length === 0 ? `no mcp-tap proxy is running (none found in ${stateDir()})` : `${running.length} proxies are running; say which one: mcp-tap send ID`);
        proxy = id === undefined ? running[0]! : findRunningProxy(id);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const text = request ?? (await readStdin());
      let control;
      try {
        control = await connectControl(proxy);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      try {
        const sessions = control.hello.sessions;
        const conversation = flags.conversation ?? (sessions.length === 1 ? sessions[0]!.id : undefined);
        if (conversation === undefined) throw new UsageError(`say which conversation with --conversation: proxy ${proxy.id} has ${sessions.length === 0 ? 'none open' : sessions.map((s) => s.id).join(', ')}`);
        const answered = new Promise<string>((resolve, reject) => {
          let sentId: unknown;
          const early: ServerMessage[] = [];
          const look = (message: ServerMessage) => {
            if (message.type !== 'frame' || message.frame.sessionId !== conversation || message.frame.direction !== 's2c') return;
            if (message.frame.kind !== 'response' && message.frame.kind !== 'error') return;
            if (sentId !== undefined && message.frame.id === sentId) resolve(message.frame.text);
          };
          control.onmessage = (message) => (sentId === undefined ? early.push(message) : look(message));
          control.onclose = (reason) => reject(new UsageError(`the proxy went away before answering: ${reason}`));
          setTimeout(() => reject(new UsageError(`no answer within ${seconds} s`)), seconds * 1000).unref();
          control
            .request({ cmd: 'send', sessionId: conversation, text })
            .then((data) => {
              sentId = (data as { id: unknown }).id;
              for (const message of early.splice(0)) look(message);
            })
            .catch((error: Error) => reject(new UsageError(error.message)));
        });
        process.stdout.write(`${await answered}\n`);
      } finally {
        control.close();
      }
    });
}
