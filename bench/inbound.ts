/**
 * Inbound benchmark: SMSAPI-shaped webhooks through the whole path (parse, route, one transaction with
 * message, customer, rules, ticket, notification rows and NOTIFY, answer after commit, LISTEN, graphql-ws
 * push) with K connected agents, against a baseline in the same run: a bare Fastify handler that does one
 * INSERT per request on the same database, under the same load generator.
 *
 *   npm run bench:inbound                       # embedded PostgreSQL with durable defaults (fsync on)
 *   BENCH_N=5000 BENCH_CONCURRENCY=64 BENCH_AGENTS=200 BENCH_QUEUE_AGENTS=10 npm run bench:inbound
 *   DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres npm run bench:inbound   # an existing server
 *
 * Prints machine info, a table and one JSON line. Providers and agents are simulated by a child process
 * (bench/inbound-load.ts) on the same machine, so they share its cores with the server and PostgreSQL:
 * absolute figures are lower than with separate machines, which is why the baseline runs in the same way
 * and the ratio is reported.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config';
import { SecretBox } from '../src/common/secret-box';
import { ormConfig } from '../src/db/mikro-orm.config';
import { migrate } from '../src/db/database';
import { startEmbedded, type EmbeddedServer } from '../src/db/embedded';
import { buildApp } from '../src/app';
import type { LoadCommand, RunResult } from './inbound-load';
import { sqlTrace } from '../src/db/raw-sql';
import { cpuByPid, cpuDelta, cpuMs, diskSyncProbe, postgresPids, postmasterOf } from './machine';
import { requireImport } from './ts-require';

const N = Number(process.env.BENCH_N ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
/** Mailboxes, each routed by a rule to its own queue of QUEUE_AGENTS subscribed agents. */
const MAILBOXES = Number(process.env.BENCH_MAILBOXES ?? 10);
const QUEUE_AGENTS = Number(process.env.BENCH_QUEUE_AGENTS ?? 10);
/** Connected agents in all; those beyond MAILBOXES × QUEUE_AGENTS are in no queue (idle). */
const AGENTS = Math.max(MAILBOXES * QUEUE_AGENTS, Number(process.env.BENCH_AGENTS ?? 100));
const SENDERS = Number(process.env.BENCH_SENDERS ?? 10_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 300);
/** The token every bench mailbox is given; each webhook carries it, as a provider's would. */
const WEBHOOK_TOKEN = 'bench-webhook-token-1';
/** Open loop at this many webhooks/s (latency runs); 0: closed loop, as fast as CONCURRENCY allows. */
const RATE = Number(process.env.BENCH_RATE ?? 0);
/** Webhooks to one instance, agents connected to a second one on the same database. */
const SPLIT = process.env.BENCH_SPLIT === '1';
const SEED_CUSTOMERS = process.env.BENCH_SEED_CUSTOMERS !== '0';
const NUMBERS = Array.from({ length: MAILBOXES }, (_, i) => `487321234${String(i).padStart(2, '0')}`);

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** The client process: webhooks out, graphql-ws pushes in. */
function startLoad(): { ask<T>(c: LoadCommand): Promise<T>; child: ChildProcess } {
  const child = fork(path.join(__dirname, 'inbound-load.ts'), [], {
    execArgv: ['-r', 'ts-node/register/transpile-only'],
    stdio: 'inherit',
  });
  return {
    child,
    ask: <T>(c: LoadCommand) =>
      new Promise<T>((resolve, reject) => {
        child.once('message', (m) => resolve(m as T));
        child.once('exit', (code) => reject(new Error(`load process exited with ${code}`)));
        child.send(c);
      }),
  };
}

/** Slow = over the latency target (50 ms); windows of 250 ms by send time. */
const SLOW_MS = 50;
const WINDOW_MS = 250;

/**
 * Where the slow pushes were: how many, in how many 250 ms windows of the run (by when their webhook was
 * sent), and the slowest HTTP answer to a webhook sent in those windows. A few windows holding them all,
 * with slow HTTP answers too, is the whole machine stalling (a disk sync, the VM) rather than the push path.
 */
function slowPushes(r: RunResult): { pushes: number; windows: number; httpMaxInThoseWindowsMs: number } {
  const windows = new Set<number>();
  let pushes = 0;
  r.pushLatencies.forEach((ms, i) => {
    if (ms <= SLOW_MS) return;
    pushes++;
    windows.add(Math.floor(r.pushSentAt[i] / WINDOW_MS));
  });
  let httpMax = 0;
  r.httpLatencies.forEach((ms, i) => {
    if (windows.has(Math.floor(r.httpSentAt[i] / WINDOW_MS))) httpMax = Math.max(httpMax, ms);
  });
  return { pushes, windows: windows.size, httpMaxInThoseWindowsMs: round(httpMax, 1) };
}

function summary(r: RunResult) {
  const h = [...r.httpLatencies].sort((a, b) => a - b);
  const p = [...r.pushLatencies].sort((a, b) => a - b);
  return {
    ...r,
    httpP50: pct(h, 50),
    httpP99: pct(h, 99),
    pushP50: pct(p, 50),
    pushP99: pct(p, 99),
    slow: slowPushes(r),
  };
}

async function main() {
  let embedded: EmbeddedServer | undefined;
  let tmp: string | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'smsdesk-bench-'));
    // persistent: true keeps PostgreSQL's durable defaults (fsync, synchronous_commit) as in production.
    embedded = await startEmbedded({ dir: tmp, persistent: process.env.BENCH_FAST !== '1' });
    adminUrl = embedded.url('postgres');
  }
  const dbName = `bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
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
  // BENCH_POOL: the ORM pool's size (default: the app's, src/db/mikro-orm.config.ts).
  const pool = process.env.BENCH_POOL ? { pool: { min: 0, max: Number(process.env.BENCH_POOL) } } : {};
  const orm = await MikroORM.init(ormConfig(dbUrl, { ...pool, dynamicImportProvider: requireImport }));
  await migrate(orm);
  const app = await buildApp({
    config,
    orm,
    databaseUrl: dbUrl,
    box: new SecretBox(key),
    worker: false,
    logger: false,
  });
  const base = await app.listen();
  // The agents' instance: the same one, or (SPLIT) a second app on the same database.
  const orm2 = SPLIT ? await MikroORM.init(ormConfig(dbUrl, { dynamicImportProvider: requireImport })) : undefined;
  const app2 = orm2
    ? await buildApp({ config, orm: orm2, databaseUrl: dbUrl, box: new SecretBox(key), worker: false, logger: false })
    : undefined;
  const wsBase = app2 ? await app2.listen() : base;
  const db = new pg.Pool({ connectionString: dbUrl, max: 4 });

  // K agents with API tokens (no argon2 per user: they never log in with a password); the first
  // QUEUE_AGENTS are members of the queue the rule sends the mailbox's messages to.
  const em = orm.em.fork();
  const users = await db.query<{ id: number }>(
    `insert into app_user (email, name, role, password_hash, created_at)
     select 'agent' || g || '@bench.local', 'Agent ' || g, 'AGENT', 'x', now() from generate_series(1, $1) g returning id`,
    [AGENTS],
  );
  const tokens: string[] = [];
  for (const u of users.rows) tokens.push((await app.services.auth.createApiToken(em, u.id, 'bench')).token);
  // Mailbox i → rule i → queue i with agents [i × QUEUE_AGENTS, (i + 1) × QUEUE_AGENTS).
  for (let i = 0; i < MAILBOXES; i++) {
    const queue = await db.query<{ id: number }>(
      `insert into queue (name, created_at) values ($1, now()) returning id`,
      [`Bench ${i}`],
    );
    await db.query(
      `insert into queue_member (queue_id, user_id) select $1, id from app_user where role = 'AGENT' order by id offset $2 limit $3`,
      [queue.rows[0].id, i * QUEUE_AGENTS, QUEUE_AGENTS],
    );
    const g = await app.services.gateways.create(em.fork(), {
      name: `Bench SMSAPI ${i}`,
      provider: 'SMSAPI' as never,
      password: `oauth-token-${i}`,
      destinationNumber: NUMBERS[i],
      incomingActive: true,
      webhookToken: WEBHOOK_TOKEN,
    } as never);
    await db.query(
      `insert into message_rule (name, position, active, gateway_id, queue_id, stop, created_at) values ($1, $2, true, $3, $4, true, now())`,
      [`bench ${i}`, i, g.id, queue.rows[0].id],
    );
  }

  // Steady state: the senders are known customers (BENCH_SEED_CUSTOMERS=0: every sender writes for the first
  // time and gets a new card), and PostgreSQL has statistics for the tables (as autovacuum keeps them).
  if (SEED_CUSTOMERS) {
    await db.query(
      `insert into customer (name, phone_numbers, created_at, updated_at)
       select 'Customer ' || g, array['+48500' || (100000 + g)::text], now(), now() from generate_series(0, $1 - 1) g`,
      [SENDERS],
    );
    // …and they have tickets: one closed ticket each, so the table is not empty when the run starts.
    // Planned on an empty `ticket`, some connections kept a sequential scan for the foreign-key check of
    // message.ticket_id; it read the whole growing table per webhook (pg_stat_user_tables: 1.2 million
    // rows read in 1,431 scans in one run of 3,300), which autovacuum's ANALYZE of a real, non-empty table
    // does not let happen.
    await db.query(
      `insert into ticket (queue_id, customer_id, gateway_id, status, created_at, updated_at, last_message_at)
       select (select min(id) from queue where name like 'Bench %'), c.id, (select min(id) from gateway), 'CLOSED', now(), now(), now() from customer c`,
    );
  }
  await db.query('analyze');
  // K graphql-ws clients subscribed to notificationAdded, in the client process.
  const load = startLoad();
  await load.ask({
    cmd: 'connect',
    wsUrl: wsBase.replace('http', 'ws') + '/graphql',
    tokens,
    queueAgents: QUEUE_AGENTS,
    mailboxes: MAILBOXES,
  });
  const run = async (url: string, name: string, n: number, pushes: boolean) =>
    summary(
      await load.ask<RunResult>({
        cmd: 'run',
        url,
        run: name,
        n,
        concurrency: CONCURRENCY,
        expectPushes: pushes ? n * QUEUE_AGENTS : 0,
        to: NUMBERS,
        senders: SENDERS,
        rate: RATE,
      }),
    );

  // The disk the database commits to (its WAL flushes), probed before the runs: its stalls show in every p99.
  const disk = diskSyncProbe(tmp ?? os.tmpdir(), Number(process.env.BENCH_DISK_PROBE_MS ?? 3000));
  const cpu0 = process.cpuUsage();
  await run(`${base}/panel/tickets/incoming/smsapi?token=${WEBHOOK_TOKEN}`, 'warm', WARMUP, true);
  // PostgreSQL's and the load process's CPU too: all three share the machine's cores.
  const postmaster = postmasterOf((await db.query(`select pg_backend_pid() as p`)).rows[0].p as number);
  const others = () => ({ pg: cpuByPid(postgresPids(postmaster)), load: cpuMs([load.child.pid!]) });
  const fullCpu0 = process.cpuUsage();
  const fullOther0 = others();
  const full = await run(`${base}/panel/tickets/incoming/smsapi?token=${WEBHOOK_TOKEN}`, 'main', N, true);
  const fullCpu = process.cpuUsage(fullCpu0);
  const fullOther = others();
  void cpu0;
  const stored = (await db.query(`select count(*)::int n from message where provider_message_id like 'main-%'`)).rows[0]
    .n;
  if (process.env.BENCH_EXPLAIN === '1') {
    // One more webhook with its statements captured, then each statement again under EXPLAIN ANALYZE in a
    // transaction that is rolled back: planning vs execution time as PostgreSQL reports them.
    sqlTrace.on = true;
    await run(`${base}/panel/tickets/incoming/smsapi?token=${WEBHOOK_TOKEN}`, 'explain', 1, false);
    sqlTrace.on = false;
    const c = await db.connect();
    try {
      await c.query('begin');
      for (const st of sqlTrace.statements) {
        if (/^\s*select pg_advisory/.test(st)) continue;
        const plan = await c.query(`explain (analyze, summary, costs off, timing off) ${st}`);
        const lines = plan.rows.map((r) => r['QUERY PLAN'] as string);
        console.error(
          `EXPLAIN ${st.replace(/\s+/g, ' ').slice(0, 80)}…: ${lines.filter((l) => /Planning Time|Execution Time/.test(l)).join(', ')}`,
        );
        if (process.env.BENCH_EXPLAIN_FULL) console.error(lines.join('\n'));
      }
    } finally {
      await c.query('rollback');
      c.release();
    }

    // The hot path's reads, as PostgreSQL runs them now (after N messages from SENDERS numbers).
    for (const [label, q, params] of [
      [
        'customer by number',
        `select id, name from customer where phone_numbers @> array[$1]::text[] order by id limit 1`,
        ['48500100042'],
      ],
      ['queue members', `select user_id from queue_member where queue_id = (select min(id) from queue)`, []],
      [
        'rules',
        `select json_agg(json_build_array(r.id, r.position, r.gateway_id, r.queue_id, r.stop, r.name)) from message_rule r where r.active`,
        [],
      ],
    ] as const) {
      const plan = await db.query(`explain (analyze, buffers, costs off) ${q}`, params as unknown as unknown[]);
      console.error(`EXPLAIN ${label}:\n  ${plan.rows.map((r) => r['QUERY PLAN']).join('\n  ')}`);
    }
  }

  // Baseline: a bare handler, one INSERT per request, same database, same pool size as the app's ORM.
  await db.query(
    `create table bench_baseline (id bigserial primary key, sms_from text, sms_text text, msg_id text, created_at timestamptz not null default now())`,
  );
  const basePool = new pg.Pool({ connectionString: dbUrl, max: 20 });
  const bare = Fastify({ logger: false });
  await bare.register(formbody);
  bare.post('/hook', async (req) => {
    const b = req.body as Record<string, string>;
    await basePool.query(`insert into bench_baseline (sms_from, sms_text, msg_id) values ($1, $2, $3)`, [
      b.sms_from,
      b.sms_text,
      b.MsgId,
    ]);
    return 'OK';
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}/hook`;
  await run(bareUrl, 'bwarm', WARMUP, false);
  const baseCpu0 = process.cpuUsage();
  const baseOther0 = others();
  const baseline = await run(bareUrl, 'base', N, false);
  const baseCpu = process.cpuUsage(baseCpu0);
  const baseOther = others();

  const settings = (
    await db.query(
      `select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'max_connections', 'shared_buffers')`,
    )
  ).rows;
  const version = (await db.query(`select version()`)).rows[0].version as string;
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    postgres: version.split(',')[0],
    pgSettings: Object.fromEntries(settings.map((s) => [s.name, s.setting])),
    embedded: !process.env.DATABASE_URL,
    diskSync: disk,
  };
  const result = {
    params: {
      webhooks: N,
      concurrency: CONCURRENCY,
      rate: RATE || 'closed loop',
      split: SPLIT,
      mailboxes: MAILBOXES,
      connectedAgents: AGENTS,
      agentsPerQueue: QUEUE_AGENTS,
      senders: SENDERS,
      sendersAreKnownCustomers: SEED_CUSTOMERS,
    },
    machine,
    full: {
      webhooksPerSecond: round(full.perSecond),
      httpP50Ms: round(full.httpP50, 2),
      httpP99Ms: round(full.httpP99, 2),
      pushP50Ms: round(full.pushP50, 2),
      pushP99Ms: round(full.pushP99, 2),
      pushesOver50Ms: full.slow,
      notificationsPushed: full.pushes,
      notificationsExpected: N * QUEUE_AGENTS,
      allPushed: full.complete,
      notificationsPerSecond: round(full.pushes / full.secondsUntilAllPushed),
      pushedToOtherAgents: full.pushedToOthers,
      pushedToWrongQueue: full.misrouted,
      messagesStored: stored,
      httpErrors: full.errors,
      serverCpuMsPerWebhook: round((fullCpu.user + fullCpu.system) / 1000 / N, 3),
      postgresCpuMsPerWebhook: round(cpuDelta(fullOther0.pg, fullOther.pg) / N, 3),
      loadGeneratorCpuMsPerWebhook: round((fullOther.load - fullOther0.load) / N, 3),
    },
    baseline: {
      webhooksPerSecond: round(baseline.perSecond),
      httpP50Ms: round(baseline.httpP50, 2),
      httpP99Ms: round(baseline.httpP99, 2),
      httpErrors: baseline.errors,
      serverCpuMsPerWebhook: round((baseCpu.user + baseCpu.system) / 1000 / N, 3),
      postgresCpuMsPerWebhook: round(cpuDelta(baseOther0.pg, baseOther.pg) / N, 3),
      loadGeneratorCpuMsPerWebhook: round((baseOther.load - baseOther0.load) / N, 3),
    },
    ratio: round(full.perSecond / baseline.perSecond, 3),
  };

  const rows = [
    ['', 'webhooks/s', 'HTTP p50 ms', 'HTTP p99 ms', 'push p50 ms', 'push p99 ms'],
    [
      'full inbound path',
      result.full.webhooksPerSecond,
      result.full.httpP50Ms,
      result.full.httpP99Ms,
      result.full.pushP50Ms,
      result.full.pushP99Ms,
    ],
    [
      'baseline (1 INSERT)',
      result.baseline.webhooksPerSecond,
      result.baseline.httpP50Ms,
      result.baseline.httpP99Ms,
      '-',
      '-',
    ],
  ].map((r) => r.map(String));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  console.log(
    `\nmachine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.postgres} (${JSON.stringify(machine.pgSettings)})`,
  );
  console.log(
    `disk: 8 KiB write + fdatasync on the database's filesystem, ${disk.syncs} in ${(Number(process.env.BENCH_DISK_PROBE_MS ?? 3000) / 1000).toFixed(0)} s before the runs: p50 ${disk.p50Ms} ms, p99 ${disk.p99Ms} ms, max ${disk.maxMs} ms, ${disk.stallsOver20Ms} over 20 ms`,
  );
  console.log(
    `load: ${N} webhooks ${RATE ? `at ${RATE}/s` : 'closed loop'}, concurrency ${CONCURRENCY}, ${MAILBOXES} mailboxes → ${MAILBOXES} queues × ${QUEUE_AGENTS} agents, ${AGENTS} agents connected${SPLIT ? ' to a second instance' : ''}, ${SENDERS} senders${SEED_CUSTOMERS ? ' (known customers)' : ' (all new)'}; load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}\n`,
  );
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  '));
  console.log(
    `\nratio full/baseline: ${result.ratio}; notifications ${full.pushes}/${N * QUEUE_AGENTS}, to agents outside the queues: ${full.pushedToOthers}, to the wrong queue: ${full.misrouted}, messages stored ${stored}/${N}`,
  );
  const slow = result.full.pushesOver50Ms;
  console.log(
    `pushes over ${SLOW_MS} ms: ${slow.pushes} of ${full.pushes}, sent in ${slow.windows} window(s) of ${WINDOW_MS} ms; slowest HTTP answer to a webhook sent in those windows: ${slow.httpMaxInThoseWindowsMs} ms`,
  );
  console.log(
    `CPU ms per webhook (server / PostgreSQL / load generator): full ${result.full.serverCpuMsPerWebhook} / ${result.full.postgresCpuMsPerWebhook} / ${result.full.loadGeneratorCpuMsPerWebhook}, baseline ${result.baseline.serverCpuMsPerWebhook} / ${result.baseline.postgresCpuMsPerWebhook} / ${result.baseline.loadGeneratorCpuMsPerWebhook}\n`,
  );
  console.log(JSON.stringify(result));

  await load.ask({ cmd: 'stop' });
  await bare.close();
  await basePool.end();
  await db.end();
  await app2?.close();
  await orm2?.close(true);
  await app.close();
  await orm.close(true);
  await admin.query(`drop database ${dbName} with (force)`).catch(() => {});
  await admin.end();
  await embedded?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
