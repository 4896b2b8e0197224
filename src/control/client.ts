/**
 * The UI's side of the control channel: a WebSocket to a running proxy, found through its state
 * file. `connectControl` resolves once the proxy's hello has arrived, so a wrong token, a proxy
 * that is gone or one speaking another protocol version fail right there with a clear message.
 */
import WebSocket from 'ws';
import { LinkBase } from './link.js';
import { CONTROL_PROTOCOL_VERSION, type ControlLink, type ProxyStateFile, type ServerMessage } from './protocol.js';

/** A frame carries a whole MCP message and hello a history of them: allow big ones from our own proxy. */
const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

export type HelloMessage = Extract<ServerMessage, { type: 'hello' }>;

export interface ControlClient extends ControlLink {
  /** The proxy's hello (also delivered to onmessage first). */
  readonly hello: HelloMessage;
  /** The proxy this client is attached to. */
  readonly proxy: HelloMessage['proxy'];
}

export interface ConnectOptions {
  /** Give up connecting after this long. Default 5 s. */
  timeoutMs?: number;
}

class WebSocketControlClient extends LinkBase implements ControlClient {
  hello!: HelloMessage;

  constructor(private readonly ws: WebSocket) {
    super();
  }

  get proxy(): HelloMessage['proxy'] {
    return this.hello.proxy;
  }

  protected transmit(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) throw new Error('the control channel is not open');
    this.ws.send(text);
  }

  receive(message: ServerMessage): void {
    this.deliver(message);
  }

  ended(reason: string): void {
    this.finish(reason);
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000, 'detached');
    this.finish('closed');
  }
}

export function connectControl(state: Pick<ProxyStateFile, 'url' | 'token'> & Partial<ProxyStateFile>, options: ConnectOptions = {}): Promise<ControlClient> {
  const name = state.id ? `proxy ${state.id}` : state.url;
  return new Promise<ControlClient>((resolve, reject) => {
    const ws = new WebSocket(state.url, { headers: { Authorization: `Bearer ${state.token}` }, handshakeTimeout: options.timeoutMs ?? 5000, maxPayload: MAX_MESSAGE_BYTES });
    const client = new WebSocketControlClient(ws);
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      ws.terminate();
      reject(new Error(message));
    };

    ws.on('unexpected-response', (_request, response) => {
      const status = response.statusCode ?? 0;
      const why = status === 401 ? 'the token was refused' : status === 403 ? 'requests with an Origin header are refused' : `HTTP ${status}`;
      fail(`cannot attach to ${name}: ${why}`);
    });
    ws.on('error', (error) => fail(`cannot attach to ${name}: ${error.message}`));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message: ServerMessage;
      try {
        message = JSON.parse(data.toString()) as ServerMessage;
      } catch {
        return;
      }
      if (!settled) {
        if (message.type !== 'hello') return fail(`cannot attach to ${name}: it did not say hello`);
        if (message.protocolVersion !== CONTROL_PROTOCOL_VERSION) {
          return fail(`cannot attach to ${name}: it speaks control protocol ${message.protocolVersion}, this mcp-tap speaks ${CONTROL_PROTOCOL_VERSION}`);
        }
        settled = true;
        client.hello = message;
        resolve(client);
      }
      client.receive(message);
    });
    ws.on('close', (code, reason) => {
      const text = reason.toString() || (code === 1006 ? 'the connection was lost' : `closed (${code})`);
      if (!settled) fail(`cannot attach to ${name}: ${text}`);
      client.ended(text);
    });
  });
}
