import type { WebSocket, WebSocketServer } from 'ws';
import { intervalLoop, type BackgroundLoop } from '../common/background-loop';

/**
 * WebSocket pings to every graphql-ws socket, every `everyMs`: proxies and load balancers drop connections that
 * carry nothing for a while (often 60 s), and an agent's socket may idle for hours between notifications. A
 * socket that has not answered the previous ping with a pong by the next one is gone (a laptop closed, a
 * network changed) and is terminated, so its subscriptions and token re-checks end too. Browsers and the `ws`
 * client answer pings by themselves. The `connection` listener is added at once, so every socket is counted
 * from its start; the loop itself is started with the app's background loops.
 */
export function keepAlive(
  wss: WebSocketServer,
  everyMs: number,
  log: { info(o: unknown, m?: string): void },
): BackgroundLoop {
  const answered = new WeakMap<WebSocket, boolean>();
  wss.on('connection', (socket) => {
    answered.set(socket, true);
    socket.on('pong', () => answered.set(socket, true));
  });
  return intervalLoop('graphql-ws keep-alive pings', everyMs, async () => {
    let dropped = 0;
    for (const socket of wss.clients) {
      if (answered.get(socket) === false) {
        socket.terminate();
        dropped++;
        continue;
      }
      answered.set(socket, false);
      socket.ping();
    }
    if (dropped) log.info({ dropped }, 'graphql-ws: dropped sockets that did not answer a ping');
  });
}
