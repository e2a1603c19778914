/**
 * Outbound benchmark: N SMS through the real path (sendSms service → QUEUED message row, its own queue
 * entry → the sender claims due rows in batches → SMSAPI adapter → a fake SMSAPI answering in ~50 ms), against a
 * baseline run in the same process: the same fake driven by a plain concurrent loop of HTTP calls.
 *
 *   npm run bench:outbound              (BENCH_N=500, BENCH_LATENCY_MS=50, WORKER_CONCURRENCY=20)
 *   BENCH_DATABASE_URL=postgresql://…   use that server (a new database is created) instead of an embedded one
 *
 * Two queue runs, each followed by nothing else on the machine:
 *  - live:  the worker runs while N sendSms calls arrive (BENCH_ENQUEUE_PARALLEL at a time): what an
 *           agent sees; queue-to-provider latency = the fake's receipt time minus the message's created_at;
 *  - drain: N messages wait in the queue, then the worker starts: the worker's own throughput, the
 *           figure to compare with the baseline (same concurrency, same fake).
 * Everything (PostgreSQL, app, worker, fake) shares this machine's cores. Prints JSON, then a table.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config';
import { SecretBox } from '../src/common/secret-box';
import { ormConfig } from '../src/db/mikro-orm.config';
import { migrate } from '../src/db/database';
import { startEmbedded, type EmbeddedServer } from '../src/db/embedded';
import { buildApp } from '../src/app';
import { OutboundSender } from '../src/modules/outbound/sender';
import { ensureAdmin } from '../src/modules/auth/bootstrap';
import { FakeSmsapi } from '../test/fakes/smsapi';
import { requireImport } from './ts-require';

const N = Number(process.env.BENCH_N ?? 500);
const LATENCY = Number(process.env.BENCH_LATENCY_MS ?? 50);
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 20);
/** Parallel sendSms calls while enqueueing (agents clicking "send"). */
const ENQUEUE_PARALLEL = Number(process.env.BENCH_ENQUEUE_PARALLEL ?? 10);
/** Customer cards there before the run (BENCH_SEED_CUSTOMERS). */
const SEED_CUSTOMERS = Number(process.env.BENCH_SEED_CUSTOMERS ?? 10_000);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function pooled<T>(items: T[], parallel: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

async function database(): Promise<{ url: string; embedded?: EmbeddedServer; dir?: string }> {
  const name = `bench_${crypto.randomBytes(4).toString('hex')}`;
  if (process.env.BENCH_DATABASE_URL) {
    const c = new pg.Client({ connectionString: process.env.BENCH_DATABASE_URL });
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
    const u = new URL(process.env.BENCH_DATABASE_URL);
    u.pathname = `/${name}`;
    return { url: u.toString() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smsdesk-bench-'));
  fs.chmodSync(dir, 0o755); // initdb runs as \`postgres\` when we are root
  // Durable commits (fsync, synchronous_commit on) as in production; BENCH_FAST=1 for the tests' settings.
  const embedded = await startEmbedded({ dir, persistent: process.env.BENCH_FAST !== '1' });
  await embedded.createDatabase(name);
  return { url: embedded.url(name), embedded, dir };
}

/** Baseline: the fake driven directly, CONCURRENCY requests in flight, the same form as the adapter sends. */
async function baseline(fake: FakeSmsapi): Promise<{ seconds: number; perSecond: number; p50: number; p99: number }> {
  const lat: number[] = [];
  const t0 = performance.now();
  await pooled(
    Array.from({ length: N }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      const s = performance.now();
      const res = await fetch(`${fake.url}/sms.do`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${fake.token}` },
        body: new URLSearchParams({
          to: '48500600700',
          message: `Baseline ${i}`,
          format: 'json',
          encoding: 'utf-8',
          idx: `base${i}`,
          check_idx: '1',
        }).toString(),
      });
      await res.text();
      lat.push(performance.now() - s);
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    seconds: round(seconds, 2),
    perSecond: round(N / seconds),
    p50: round(pct(lat, 50)),
    p99: round(pct(lat, 99)),
  };
}

async function main() {
  const db = await database();
  const fake = await new FakeSmsapi().start();
  fake.latencyMs = LATENCY;
  fake.points = 1e9;
  const key = crypto.randomBytes(32);
  const config = loadConfig({
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL: 'https://smsdesk.example.com',
    DATABASE_URL: db.url,
    SECRET_KEY: key.toString('hex'),
    LOG_LEVEL: 'silent',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    // The fake provider runs on 127.0.0.1.
    ALLOW_PRIVATE_PROVIDER_URLS: 'true',
    // The benchmark queues thousands of SMS as one user.
    SEND_MAX_PER_USER: '1000000',
    ADMIN_EMAIL: 'bench@example.com',
    ADMIN_PASSWORD: 'bench-password-1',
  });
  const orm = await MikroORM.init(
    ormConfig(db.url, {
      pool: { min: 0, max: ENQUEUE_PARALLEL + 5 },
      dynamicImportProvider: requireImport,
    }),
  );
  await migrate(orm);
  const app = await buildApp({
    config,
    orm,
    databaseUrl: db.url,
    box: new SecretBox(key),
    logger: false,
    worker: false,
  });
  // The sender as background.ts starts it where jobs run (delivery-report polls, graphile-worker, play no part with SMSAPI).
  const startSender = async () =>
    new OutboundSender(app.ctx, app.services.outbound.settings, { concurrency: CONCURRENCY }).start();
  await ensureAdmin(orm, config, app.services.auth);
  const [{ id: authorId }] = await orm.em.fork().execute<{ id: number }[]>(`select id from app_user limit 1`);
  const gateway = await app.services.gateways.create(orm.em.fork(), {
    name: 'bench',
    provider: 'SMSAPI' as never,
    password: fake.token,
    senderName: 'Test',
    apiBaseUrl: fake.url,
  } as never);
  // Distinct recipients: one customer and ticket each, as real traffic (one shared ticket row would serialise every send).
  const send = (label: string, i: number) =>
    app.services.outbound.sendSms(orm.em.fork(), authorId, {
      to: `+485006${String(i).padStart(5, '0')}`,
      text: `${label} ${i}`,
      gatewayId: gateway.id,
    });
  let total = 0;

  // Steady state, as in bench/inbound.ts: a helpdesk that has customer cards (BENCH_SEED_CUSTOMERS, other
  // numbers than the ones sent to, so every send still makes a new card) and statistics for its tables, as
  // autovacuum keeps them. Without them the plans kept for sendSms's card lookup are made on an empty table
  // (a sequential scan) and stay until autovacuum's first ANALYZE, a minute later: longer than the run.
  await orm.em.fork().execute(
    `insert into customer (name, phone_numbers, created_at, updated_at)
     select 'Customer ' || g, array['+48600' || (100000 + g)::text], now(), now() from generate_series(0, ? - 1) g`,
    [SEED_CUSTOMERS],
  );
  // Only this table: statistics of the still empty message and ticket tables would say "no rows" for the
  // whole run, where real ones would hold a helpdesk's history.
  await orm.em.fork().execute('analyze customer');

  // Warm-up (connections, JIT), not measured.
  let sender = await startSender();
  await pooled(
    Array.from({ length: 20 }, (_, i) => i),
    ENQUEUE_PARALLEL,
    (i) => send('warm-up', 90_000 + i).then(() => undefined),
  );
  await waitAllSent(orm, (total += 20));

  // Live run.
  fake.requests.length = 0;
  const t0 = performance.now();
  const enqueueLat: number[] = [];
  await pooled(
    Array.from({ length: N }, (_, i) => i),
    ENQUEUE_PARALLEL,
    async (i) => {
      const s = performance.now();
      await send('live', i);
      enqueueLat.push(performance.now() - s);
    },
  );
  const enqueuedAt = performance.now();
  await waitAllSent(orm, (total += N));
  const seconds = (performance.now() - t0) / 1000;
  const q2p = await queueToProvider(orm, fake, 'live %');
  const live = {
    seconds: round(seconds, 2),
    perSecond: round(N / seconds),
    enqueueSeconds: round((enqueuedAt - t0) / 1000, 2),
    sendSmsP50: round(pct(enqueueLat, 50)),
    queueToProviderP50: round(pct(q2p, 50)),
    queueToProviderP99: round(pct(q2p, 99)),
  };

  // Drain run: fill the queue with the worker stopped, then time the worker alone.
  await sender.stop();
  await pooled(
    Array.from({ length: N }, (_, i) => i),
    ENQUEUE_PARALLEL,
    (i) => send('drain', 50_000 + i).then(() => undefined),
  );
  fake.requests.length = 0;
  const d0 = performance.now();
  sender = await startSender();
  await waitAllSent(orm, total + N);
  const dSeconds = (performance.now() - d0) / 1000;
  await sender.stop();
  const drain = { seconds: round(dSeconds, 2), perSecond: round(N / dSeconds), providerRequests: fake.requests.length };

  // Baseline run on the same fake.
  fake.requests.length = 0;
  const base = await baseline(fake);

  const result = {
    n: N,
    fakeLatencyMs: LATENCY,
    workerConcurrency: CONCURRENCY,
    live,
    drain,
    baseline: base,
    ratio: {
      drainToBaseline: round(drain.perSecond / base.perSecond, 2),
      liveToBaseline: round(live.perSecond / base.perSecond, 2),
    },
    machine: {
      cores: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memoryGiB: round(os.totalmem() / 2 ** 30),
      node: process.version,
      database: db.embedded
        ? process.env.BENCH_FAST === '1'
          ? 'embedded PostgreSQL (fsync=off, as in tests)'
          : 'embedded PostgreSQL, durable (fsync=on, synchronous_commit=on)'
        : 'BENCH_DATABASE_URL',
      loadAverage: os.loadavg().map((x) => round(x, 2)),
    },
  };
  console.log(JSON.stringify(result));
  console.log('');
  console.table({
    'live (sendSms → queue → worker → fake)': {
      'msg/s': live.perSecond,
      'p50 ms': live.queueToProviderP50,
      'p99 ms': live.queueToProviderP99,
      seconds: live.seconds,
    },
    'drain (worker alone, N queued)': { 'msg/s': drain.perSecond, 'p50 ms': '', 'p99 ms': '', seconds: drain.seconds },
    'baseline (plain HTTP loop)': {
      'msg/s': base.perSecond,
      'p50 ms': base.p50,
      'p99 ms': base.p99,
      seconds: base.seconds,
    },
  });
  console.log(`ratio drain/baseline: ${result.ratio.drainToBaseline}; live/baseline: ${result.ratio.liveToBaseline}`);
  console.log('latency: queue-to-provider (created_at → fake receipt) for live; request round trip for the baseline');

  await app.close();
  await orm.close(true);
  await fake.stop();
  await db.embedded?.stop();
  if (db.dir) fs.rmSync(db.dir, { recursive: true, force: true });
}

async function queueToProvider(orm: MikroORM, fake: FakeSmsapi, like: string): Promise<number[]> {
  // The provider sees our idempotency key (idx); the message keeps it.
  const rows = await orm.em
    .fork()
    .execute<{ key: string; created: string }[]>(
      `select idempotency_key as key, extract(epoch from created_at) * 1000 as created from message where text like ?`,
      [like],
    );
  const created = new Map(rows.map((r) => [r.key, Number(r.created)]));
  const out: number[] = [];
  for (const r of fake.requests) {
    const c = created.get(r.fields.idx ?? '');
    if (c !== undefined) out.push(r.at - c);
  }
  return out;
}

async function waitAllSent(orm: MikroORM, n: number): Promise<void> {
  for (;;) {
    const [r] = await orm.em
      .fork()
      .execute<{ done: number; failed: number }[]>(
        `select count(*) filter (where status = 'SENT')::int as done, count(*) filter (where status = 'FAILED')::int as failed from message`,
      );
    if (r.failed) throw new Error(`${r.failed} messages FAILED`);
    if (r.done >= n) return;
    await new Promise((res) => setTimeout(res, 10));
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
