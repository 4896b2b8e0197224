/**
 * The page's end of its WebSocket: the control protocol's commands and results, numbered and
 * matched as every console's link does (control/link.ts), plus the commands only the console's
 * server answers. The socket is the page's own origin's (`/ws`); the cookie the server set
 * authenticates it.
 */
import { LinkBase } from '../../control/link.js';
import type { ControlRequest, ServerMessage } from '../../control/protocol.js';
import type { WebCommand, WebMessage } from '../protocol.js';

export type PageMessage = ServerMessage | WebMessage;

export class PageLink extends LinkBase {
  private readonly ws: WebSocket;
  /** Every message from the server, in order, as it came. */
  onany?: (message: PageMessage) => void;

  constructor(url: string) {
    super();
    this.ws = new WebSocket(url);
    this.onmessage = (message) => this.onany?.(message);
    this.ws.onmessage = (event) => {
      let data: PageMessage | PageMessage[];
      try {
        data = JSON.parse(String(event.data)) as PageMessage | PageMessage[];
      } catch {
        return;
      }
      // The server sends what it gathered within a few milliseconds as one array.
      for (const message of Array.isArray(data) ? data : [data]) this.deliver(message as ServerMessage);
    };
    this.ws.onclose = (event) => this.finish(event.reason || (event.code === 1006 ? 'the connection was lost' : `closed (${event.code})`));
  }

  protected transmit(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) throw new Error('the console is not connected');
    this.ws.send(text);
  }

  /** A command only the console's server answers. */
  ask(command: WebCommand): Promise<unknown> {
    return this.request(command as unknown as ControlRequest);
  }

  close(): void {
    this.ws.close(1000, 'closed');
    this.finish('closed');
  }
}
