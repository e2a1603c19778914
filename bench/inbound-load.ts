/**
 * The client side of bench/inbound.ts, in its own process (as providers and agents are on other
 * machines, they must not take the server's CPU): an HTTP load generator sending SMSAPI-shaped webhooks,
 * and K graphql-ws clients subscribed to notificationAdded. Driven over IPC by bench/inbound.ts.
 */
import http from 'node:http';
import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

export type LoadCommand =
  | { cmd: 'connect'; wsUrl: string; tokens: string[]; queueAgents: number; mailboxes: number }
  | {
      cmd: 'run';
      url: string;
      run: string;
      n: number;
      concurrency: number;
      expectPushes: number;
      to: string[];
      senders: number;
      rate: number;
    }
  | { cmd: 'stop' };

export interface RunResult {
  n: number;
  seconds: number;
  perSecond: number;
  errors: number;
  httpLatencies: number[];
  pushLatencies: number[];
  /** When each webhook (of httpLatencies) and each push's webhook (of pushLatencies) was sent, ms after the run's start. */
  httpSentAt: number[];
  pushSentAt: number[];
  pushes: number;
  pushedToOthers: number;
  /** Pushes to an agent of another queue than the one the message's mailbox routes to. */
  misrouted: number;
  secondsUntilAllPushed: number;
  complete: boolean;
}

const send = (m: unknown) => process.send!(m);

let clients: Client[] = [];
let queueAgents = 0;
let mailboxes = 1;
let misrouted = 0;
const sentAt = new Map<string, number>();
let pushLatencies: number[] = [];
let pushSentAt: number[] = [];
let runStarted = 0;
let pushes = 0;
let pushedToOthers = 0;
let onPush: () => void = () => {};

function body(run: string, to: string[], senders: number, i: number): string {
  return new URLSearchParams({
    sms_to: to[i % to.length],
    sms_from: `48500${String(100000 + (i % senders)).slice(-6)}`,
    sms_text: `bench ${run}#${i} Dzień dobry, proszę o kontakt w sprawie zgłoszenia`,
    sms_date: String(Math.floor(Date.now() / 1000)),
    username: 'bench',
    MsgId: `${run}-${i}`,
  }).toString();
}

async function connect(c: Extract<LoadCommand, { cmd: 'connect' }>): Promise<void> {
  queueAgents = c.queueAgents;
  mailboxes = c.mailboxes;
  let ready = 0;
  await new Promise<void>((resolve) => {
    clients = c.tokens.map((token, idx) => {
      const client = createClient({
        url: c.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
      });
      client.on('connected', () => {
        if (++ready === c.tokens.length) resolve();
      });
      client.subscribe(
        { query: 'subscription { notificationAdded { id title } }' },
        {
          next: (v) => {
            const now = performance.now();
            const title = (v.data as { notificationAdded: { title: string } }).notificationAdded.title;
            const m = /bench (\w+)#(\d+)/.exec(title);
            const t0 = m ? sentAt.get(`${m[1]}#${m[2]}`) : undefined;
            if (idx >= queueAgents * mailboxes) pushedToOthers++;
            else if (m && Math.floor(idx / queueAgents) !== Number(m[2]) % mailboxes) misrouted++;
            if (t0 !== undefined) {
              pushLatencies.push(now - t0);
              pushSentAt.push(t0 - runStarted);
            }
            pushes++;
            onPush();
          },
          error: () => {},
          complete: () => {},
        },
      );
      return client;
    });
  });
  // The server registers a subscription after the socket is up: give it a moment.
  await new Promise((r) => setTimeout(r, 500 + c.tokens.length * 2));
}

async function run(c: Extract<LoadCommand, { cmd: 'run' }>): Promise<RunResult> {
  pushLatencies = [];
  pushSentAt = [];
  pushes = 0;
  pushedToOthers = 0;
  misrouted = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: c.concurrency });
  const u = new URL(c.url);
  const httpLatencies: number[] = [];
  const httpSentAt: number[] = [];
  let next = 0;
  let errors = 0;
  const allPushed = new Promise<void>((resolve) => {
    onPush = () => pushes >= c.expectPushes && resolve();
    if (c.expectPushes === 0) resolve();
  });
  const started = performance.now();
  runStarted = started;
  const worker = async () => {
    while (next < c.n) {
      const i = next++;
      if (c.rate > 0) {
        // Open loop: request i leaves at its scheduled time, whatever happened to the ones before.
        const wait = started + (i * 1000) / c.rate - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const payload = body(c.run, c.to, c.senders, i);
      const t0 = performance.now();
      sentAt.set(`${c.run}#${i}`, t0);
      const status = await new Promise<number>((resolve) => {
        const req = http.request(
          {
            host: u.hostname,
            port: u.port,
            path: u.pathname + u.search,
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': Buffer.byteLength(payload),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', () => resolve(0));
        req.end(payload);
      });
      httpLatencies.push(performance.now() - t0);
      httpSentAt.push(t0 - started);
      if (status !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: c.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const complete = await Promise.race([
    allPushed.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 30_000)),
  ]);
  agent.destroy();
  return {
    n: c.n,
    seconds,
    perSecond: c.n / seconds,
    errors,
    httpLatencies,
    pushLatencies,
    httpSentAt,
    pushSentAt,
    pushes,
    pushedToOthers,
    misrouted,
    secondsUntilAllPushed: (performance.now() - started) / 1000,
    complete,
  };
}

process.on('message', (m: LoadCommand) => {
  void (async () => {
    if (m.cmd === 'connect') {
      await connect(m);
      send({ ok: true });
    } else if (m.cmd === 'run') send(await run(m));
    else {
      await Promise.all(clients.map((c) => c.dispose()));
      send({ ok: true });
      process.exit(0);
    }
  })();
});
