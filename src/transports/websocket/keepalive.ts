/** Ping/pong keepalive for a ws socket: a peer that misses a pong within one interval is dead. */
import type { WebSocket } from 'ws';

export const DEFAULT_PING_INTERVAL_MS = 30_000;

/**
 * Pings every `intervalMs`; calls `dead` once if the previous ping was not answered by the time
 * the next is due. Returns a function that stops it.
 */
export function keepAlive(socket: WebSocket, intervalMs: number, dead: () => void): () => void {
  let answered = true;
  const pong = () => (answered = true);
  socket.on('pong', pong);
  const timer = setInterval(() => {
    if (!answered) {
      stop();
      dead();
      return;
    }
    answered = false;
    socket.ping();
  }, intervalMs);
  // A keepalive alone must not keep the process running.
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    socket.off('pong', pong);
  };
  return stop;
}
