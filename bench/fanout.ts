/**
 * Fan-out benchmark: K (default 10,000) graphql-ws subscribers of notificationAdded on one instance.
 *  - memory per connection: the server's heap (+ external buffers) and RSS after a GC, before and after
 *    the K sockets connected and subscribed;
 *  - one notification for all of them: a webhook to a mailbox whose messages go to the default queue (no
 *    members: every agent is notified), and the time until each subscriber got it (p50/p99/max);
 *  - baseline in the same run: K plain WebSockets on a bare ws server in this process (memory per socket)
 *    and one broadcast of a same-sized message to all (delivery p99);
 *  - a subscriber that stops reading: bursts for it until the server closes it with 4008 (bounded).
 *
 *   npm run bench:fanout                  (BENCH_SUBSCRIBERS=10000)
 * Needs node --expose-gc (the npm script passes it). The clients run in a child process on this machine.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { fork } from 'node:child_process';
import pg from 'pg';
import { WebSocketServer } from 'ws';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config';
import { SecretBox } from '../src/common/secret-box';
import { ormConfig } from '../src/db/mikro-orm.config';
import { migrate } from '../src/db/database';
import { startEmbedded, type EmbeddedServer } from '../src/db/embedded';
import { buildApp } from '../src/app';
import { slowConsumerStats } from '../src/graphql/slow-consumer';
import { WsClose } from '../src/graphql/close-codes';
import type { FanoutCommand } from './fanout-load';
import { machine } from './machine';
import { Fanout } from '../src/modules/notifications/fanout';
import { requireImport } from './ts-require';

const K = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000);
const QUERY = 'subscription { notificationAdded { id kind title createdAt } }';
const SLOW_LIMITS = { maxBufferedBytes: 1024 * 1024, maxStallMs: 2000, closeGraceMs: 20_000 };
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (s: number[], p: number) =>
  s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
const now = () => performance.timeOrigin + performance.now();

function memory(): { heap: number; rss: number } {
  (global as { gc?: () => void }).gc?.();
  (global as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

function startClients() {
  const child = fork(path.join(__dirname, 'fanout-load.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: 'inherit',
  });
  return {
    child,
    ask: <T = unknown>(c: FanoutCommand) =>
      new Promise<T>((resolve, reject) => {
        child.once('message', (m) => resolve(m as T));
        child.once('exit', (code) => reject(new Error(`client process exited with ${code}`)));
        child.send(c);
      }),
  };
}

async function main() {
  if (!(global as { gc?: unknown }).gc) console.error('run with node --expose-gc for stable memory figures');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smsdesk-bench-'));
  const embedded: EmbeddedServer = await startEmbedded({ dir: tmp, persistent: true });
  const dbName = `bench_${crypto.randomBytes(4).toString('hex')}`;
  await embedded.createDatabase(dbName);
  const dbUrl = embedded.url(dbName);
  const key = crypto.randomBytes(32);
  const config = loadConfig({
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL: 'http://bench.local',
    DATABASE_URL: dbUrl,
    SECRET_KEY: key.toString('hex'),
    LOG_LEVEL: 'error',
  });
  const orm = await MikroORM.init(ormConfig(dbUrl, { dynamicImportProvider: requireImport }));
  await migrate(orm);
  const app = await buildApp({
    config,
    orm,
    databaseUrl: dbUrl,
    box: new SecretBox(key),
    worker: false,
    logger: false,
    slowConsumer: SLOW_LIMITS,
  });
  const base = await app.listen();
  const db = new pg.Pool({ connectionString: dbUrl, max: 2 });

  // K agents with API tokens, written with SQL (the token is random, only its hash is stored).
  const tokens = Array.from({ length: K }, () => `smsd_${crypto.randomBytes(32).toString('base64url')}`);
  const users = await db.query<{ id: number }>(
    `insert into app_user (email, name, role, password_hash, created_at)
     select 'agent' || g || '@bench.local', 'Agent ' || g, 'AGENT', 'x', now() from generate_series(1, $1) g returning id`,
    [K],
  );
  await db.query(
    `insert into api_token (user_id, name, kind, token_hash, created_at) select u, 'bench', 'API', h, now() from unnest($1::int[], $2::text[]) as t(u, h)`,
    [users.rows.map((u) => u.id), tokens.map((t) => crypto.createHash('sha256').update(t).digest('hex'))],
  );
  await app.services.gateways.create(orm.em.fork(), {
    name: 'Fan-out',
    provider: 'SMSAPI' as never,
    password: 'oauth-token',
    destinationNumber: '48732999000',
    incomingActive: true,
  } as never);
  await db.query('analyze');

  const clients = startClients();
  const wsUrl = base.replace('http', 'ws') + '/graphql';

  // Full: K graphql-ws subscribers.
  const m0 = memory();
  const conn = await clients.ask<{ seconds: number }>({ cmd: 'connect', url: wsUrl, tokens, n: K, query: QUERY });
  await new Promise((r) => setTimeout(r, 1000 + K / 10)); // the last subscriptions register
  const m1 = memory();
  await clients.ask({ cmd: 'arm' });
  const sent = now();
  if (process.env.BENCH_TRACE === '1') {
    const proto = Fanout.prototype as unknown as { deliver(b: unknown[]): Promise<void> };
    const orig = proto.deliver;
    proto.deliver = async function (this: unknown, b: unknown[]) {
      console.error(`deliver ${b.length} events from ${round(now() - sent)} ms`);
      await orig.call(this, b);
      console.error(`delivered by ${round(now() - sent)} ms`);
    };
  }
  const res = await fetch(`${base}/panel/tickets/incoming/smsapi`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      sms_to: '48732999000',
      sms_from: '48500123123',
      sms_text: 'One for all: the system is back online',
      sms_date: String(Math.floor(Date.now() / 1000)),
      username: 'bench',
      MsgId: 'fanout-1',
    }).toString(),
  });
  const answered = now();
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${await res.text()}`);
  const got = await clients.ask<{ at: number[] }>({ cmd: 'collect', expect: K, timeoutMs: 30_000 });
  const lat = got.at.map((t) => t - sent).sort((a, b) => a - b);
  const full = {
    subscribers: K,
    connectSeconds: round(conn.seconds, 2),
    heapPerConnectionKB: round((m1.heap - m0.heap) / K / 1024, 2),
    rssPerConnectionKB: round((m1.rss - m0.rss) / K / 1024, 2),
    webhookAnsweredMs: round(answered - sent),
    delivered: got.at.length,
    deliveryP50Ms: round(pct(lat, 50)),
    deliveryP99Ms: round(pct(lat, 99)),
    deliveryMaxMs: round(lat.at(-1) ?? NaN),
  };

  // A subscriber that stops reading: ~60 × 250 pushes for its user, a few MB for it, until closed with 4008.
  const [n1] = (
    await db.query(
      `select id, user_id, ticket_id, message_id, kind, title, created_at from notification order by id limit 1`,
    )
  ).rows;
  const note1 = {
    messageId: Number(n1.message_id),
    kind: String(n1.kind),
    title: String(n1.title),
    createdAt: new Date(n1.created_at).toISOString(),
  };
  const BIG = `subscription { notificationAdded { id ${Array.from({ length: 20 }, (_, i) => `t${i}: title`).join(' ')} } }`;
  await clients.ask({ cmd: 'slow', url: wsUrl, token: tokens[0], query: BIG });
  const closedBefore = slowConsumerStats.closed;
  const s0 = memory();
  const t0 = Date.now();
  let events = 0;
  while (slowConsumerStats.closed === closedBefore && Date.now() - t0 < 30_000) {
    for (let i = 0; i < 20; i++, events++) {
      app.ctx.events.publish('NOTIFICATIONS_ADDED', {
        notifications: Array.from({ length: 250 }, () => [Number(n1.user_id), Number(n1.id)] as [number, number]),
        ticketId: Number(n1.ticket_id),
        queueId: 0,
        note: note1,
      });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const s1 = memory();
  const closedAfterMs = Date.now() - t0;
  const slowClose = await clients.ask<{ code: number; reason: string; received: number }>({ cmd: 'resume-slow' });
  const slow = {
    pushesSentForIt: events * 250,
    closedAfterMs,
    closeCode: slowClose.code,
    closeReason: slowClose.reason,
    pushesItReceived: slowClose.received,
    bytesQueuedAtClose: slowConsumerStats.maxBufferedAtClose,
    serverHeapGrowthMB: round((s1.heap - s0.heap) / 2 ** 20, 2),
    limits: SLOW_LIMITS,
    ok: slowClose.code === WsClose.TooSlow,
  };
  await clients.ask({ cmd: 'close' });
  await new Promise((r) => setTimeout(r, 1000));

  // Baseline: K plain WebSockets on a bare ws server, one broadcast of the same size.
  const bare = startClients();
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const b0 = memory();
  await bare.ask({ cmd: 'connect', url: `ws://127.0.0.1:${(server.address() as { port: number }).port}`, n: K });
  await new Promise((r) => setTimeout(r, 1000));
  const b1 = memory();
  await bare.ask({ cmd: 'arm' });
  const msg = JSON.stringify({
    id: '1',
    type: 'next',
    payload: {
      data: {
        notificationAdded: {
          id: '1',
          kind: 'SMS',
          title: '[SMS] +48500123123: One for all: the system is back online',
          createdAt: new Date().toISOString(),
        },
      },
    },
  });
  const bsent = now();
  for (const c of wss.clients) c.send(msg);
  const bgot = await bare.ask<{ at: number[] }>({ cmd: 'collect', expect: K, timeoutMs: 30_000 });
  const blat = bgot.at.map((t) => t - bsent).sort((a, b) => a - b);
  const baseline = {
    heapPerConnectionKB: round((b1.heap - b0.heap) / K / 1024, 2),
    rssPerConnectionKB: round((b1.rss - b0.rss) / K / 1024, 2),
    delivered: bgot.at.length,
    deliveryP50Ms: round(pct(blat, 50)),
    deliveryP99Ms: round(pct(blat, 99)),
  };
  await bare.ask({ cmd: 'close' });
  wss.close();
  server.close();

  const result = {
    bench: 'fanout',
    machine: machine(),
    full,
    baseline,
    slowSubscriber: slow,
    ratio: {
      memory: round(full.heapPerConnectionKB / baseline.heapPerConnectionKB, 2),
      deliveryP99: round(full.deliveryP99Ms / baseline.deliveryP99Ms, 2),
    },
    targets: { memoryPerConnectionKB: 30, deliveryP99Ms: 1000 },
  };
  console.log(`\nmachine: ${JSON.stringify(result.machine)}`);
  console.table({
    [`${K} graphql-ws subscribers`]: {
      'heap KB/conn': full.heapPerConnectionKB,
      'RSS KB/conn': full.rssPerConnectionKB,
      delivered: full.delivered,
      'p50 ms': full.deliveryP50Ms,
      'p99 ms': full.deliveryP99Ms,
    },
    [`baseline: ${K} bare ws sockets`]: {
      'heap KB/conn': baseline.heapPerConnectionKB,
      'RSS KB/conn': baseline.rssPerConnectionKB,
      delivered: baseline.delivered,
      'p50 ms': baseline.deliveryP50Ms,
      'p99 ms': baseline.deliveryP99Ms,
    },
  });
  console.log(
    `slow subscriber: closed with ${slow.closeCode} after ${slow.closedAfterMs} ms, ${slow.bytesQueuedAtClose} bytes queued at close, heap growth ${slow.serverHeapGrowthMB} MB`,
  );
  console.log(JSON.stringify(result));

  await db.end();
  await app.close();
  await orm.close(true);
  await embedded.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
