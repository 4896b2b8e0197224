/** Ping/pong keepalive for a ws socket: a peer that misses a pong within one interval is dead. */
import type { WebSocket } from 'ws';

export const DEFAULT_PING_INTERVAL_MS = 30_000;

/** Starts pinging; calls `dead` once if a pong does not come back in time. Returns a stop function. */
export function keepAlive(socket: WebSocket, intervalMs: number, dead: () => void): () => void {
  let answered = true;
  socket.on('pong', () => (answered = true));
  const timer = setInterval(() => {
    if (!answered) {
      clearInterval(timer);
      dead();
      return;
    }
    answered = false;
    socket.ping();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
