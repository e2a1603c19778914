/**
 * The client side of bench/fanout.ts, in its own process: K raw WebSocket clients, either graphql-ws
 * subscribers of notificationAdded or plain sockets (baseline), recording when each got its first message.
 * Driven over IPC. Connects only to 127.0.0.1.
 */
import WebSocket from 'ws';

export type FanoutCommand =
  | { cmd: 'connect'; url: string; tokens?: string[]; n: number; query?: string }
  | { cmd: 'arm' }
  | { cmd: 'collect'; expect: number; timeoutMs: number }
  | { cmd: 'slow'; url: string; token: string; query: string }
  | { cmd: 'resume-slow' }
  | { cmd: 'close' };

const now = () => performance.timeOrigin + performance.now();
let sockets: WebSocket[] = [];
let firstAt: number[] = [];
let slow: { ws: WebSocket; closed: Promise<{ code: number; reason: string }>; received: number } | undefined;

async function open(
  url: string,
  token: string | undefined,
  query: string | undefined,
  idx: number,
): Promise<WebSocket> {
  const ws = new WebSocket(url, token ? 'graphql-transport-ws' : undefined);
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('open', () => {
      if (!token) return resolve();
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
    });
    ws.on('message', (data) => {
      if (token) {
        const s = String(data);
        if (s.includes('"connection_ack"')) {
          ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
          return resolve();
        }
        if (s.includes('"ping"')) return ws.send('{"type":"pong"}');
      }
      if (idx >= 0 && !firstAt[idx]) firstAt[idx] = now();
    });
  });
  return ws;
}

async function connect(c: Extract<FanoutCommand, { cmd: 'connect' }>): Promise<void> {
  sockets = new Array(c.n);
  firstAt = new Array(c.n).fill(0);
  let next = 0;
  // 200 handshakes at a time: the server authenticates each (one query) and registers its subscription.
  await Promise.all(
    Array.from({ length: 200 }, async () => {
      while (next < c.n) {
        const i = next++;
        sockets[i] = await open(c.url, c.tokens?.[i], c.query, i);
      }
    }),
  );
}

process.on('message', (m: FanoutCommand) => {
  void (async () => {
    if (m.cmd === 'connect') {
      const t0 = now();
      await connect(m);
      process.send!({ ok: true, seconds: (now() - t0) / 1000 });
    } else if (m.cmd === 'arm') {
      firstAt.fill(0);
      process.send!({ ok: true });
    } else if (m.cmd === 'collect') {
      const deadline = Date.now() + m.timeoutMs;
      while (firstAt.filter((x) => x > 0).length < m.expect && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      process.send!({ at: firstAt.filter((x) => x > 0) });
    } else if (m.cmd === 'slow') {
      const ws = new WebSocket(m.url, 'graphql-transport-ws');
      const s = {
        ws,
        received: 0,
        closed: new Promise<{ code: number; reason: string }>((r) =>
          ws.on('close', (code, reason) => r({ code, reason: String(reason) })),
        ),
      };
      slow = s;
      await new Promise<void>((resolve) => {
        ws.on('open', () =>
          ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${m.token}` } })),
        );
        ws.on('message', (data) => {
          const d = String(data);
          if (d.includes('"connection_ack"')) {
            ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: m.query } }));
            setTimeout(() => {
              ws.pause(); // stops reading: the kernel buffers fill, then the server's
              resolve();
            }, 300);
          } else s.received++;
        });
      });
      process.send!({ ok: true });
    } else if (m.cmd === 'resume-slow') {
      slow!.ws.resume();
      const r = await Promise.race([
        slow!.closed,
        new Promise<{ code: number; reason: string }>((res) =>
          setTimeout(() => res({ code: 0, reason: 'not closed within 30 s' }), 30_000),
        ),
      ]);
      process.send!({ ...r, received: slow!.received });
    } else {
      for (const s of sockets) s?.terminate();
      process.send!({ ok: true });
      process.exit(0);
    }
  })();
});
