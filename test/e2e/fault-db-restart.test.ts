import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startEmbedded, type EmbeddedServer } from '../../src/db/embedded';
import { EVENTS_CHANNEL } from '../../src/graphql/pubsub';
import { createHelpdesk, type Helpdesk } from '../support/fault-setup';
import { waitFor } from '../support/wait';
import { wsClient } from '../support/ws';
import { login, must } from '../support/api';
import {
  deliverUntilOk,
  newSecretKey,
  pool,
  startService,
  type RetryStats,
  type ServiceProcess,
} from '../support/process';
import { smsapiSms } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import { FakeMultiInfoInbox } from '../fakes/push/inboxes';
import { pem } from '../fakes/base';

/*
 * Database restart under load: the service runs against a PostgreSQL of its own (embedded, persistent, on a
 * fixed port); while webhooks arrive, PostgreSQL is stopped for a few seconds and started again. The service
 * must recover by itself: webhooks during the outage get a retryable status (503) and none is lost, /readyz
 * goes back to ready, the LISTEN connection comes back (live notifications), the job worker sends again, and
 * a subscriber either keeps its socket or reconnects and catches up with notifications(after: cursor).
 */

const OUTAGE_MS = 3_000;
const N = 120;
const NOTIFICATION = `subscription { notificationAdded { id message { id } } }`;

let dir: string;
let pgPort: number;
let server: EmbeddedServer | undefined;
let dbUrl: string;
let svc: ServiceProcess;
let desk: Helpdesk;
let admin: string;
const smsapi = new FakeSmsapi();
const mi = new FakeMultiInfoInbox();
const SMS_IN_FLIGHT = 6;

async function startPg(): Promise<void> {
  server = await startEmbedded({ dir, persistent: true, port: pgPort });
}

/**
 * A graphql-ws client as a browser app would run it: reconnects on any close, then catches up by cursor.
 * The cursor comes from the catch-up query only: notification ids are handed out at insert and
 * concurrent webhooks commit (and push) in any order, so a pushed id does not prove that every lower id
 * was seen. (A client that moved its cursor to pushed ids skipped a notification whose push was lost
 * while a later one's arrived.)
 */
function liveFeed(url: string, token: string) {
  const seen = new Map<string, string>(); // notification id → message id
  let lastCursor: string | undefined;
  let connects = 0;
  let closes = 0;
  // Whether the socket is open now: failed attempts while the database is away close without connecting, so
  // the counts alone do not tell.
  let open = false;
  const catchUp = async () => {
    for (;;) {
      const r = await must(
        url,
        `query($a: String) { notifications(first: 100, after: $a) { edges { cursor node { id message { id } } } pageInfo { hasNextPage } } }`,
        { a: lastCursor ?? null },
        token,
      );
      for (const e of r.notifications.edges) {
        seen.set(e.node.id, e.node.message.id);
        lastCursor = e.cursor;
      }
      if (!r.notifications.pageInfo.hasNextPage) return;
    }
  };
  const client = wsClient(url, token, {
    retryAttempts: 1000,
    shouldRetry: () => true,
    retryWait: async () => new Promise((r) => setTimeout(r, 200)),
    lazy: false,
    on: {
      connected: () => {
        connects++;
        open = true;
        // After a reconnect, what was published while we were away comes from the query.
        if (connects > 1) void catchUp().catch(() => {});
      },
      closed: () => {
        closes++;
        open = false;
      },
    },
  });
  let live = 0;
  client.subscribe(
    { query: NOTIFICATION },
    {
      next: (v) => {
        const n = (v.data as any)?.notificationAdded;
        if (!n) return;
        live++;
        seen.set(n.id, n.message.id);
      },
      error: () => {},
      complete: () => {},
    },
  );
  return {
    seen,
    catchUp,
    stats: () => ({ connects, closes, live, open }),
    dispose: () => client.dispose(),
  };
}

beforeAll(async () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'smsdesk-fault-pg-'));
  fs.chmodSync(parent, 0o755);
  dir = path.join(parent, 'data');
  pgPort = await freePort();
  await startPg();
  await server!.createDatabase('smsdesk');
  dbUrl = server!.url('smsdesk');
  await Promise.all([smsapi.start(), mi.start()]);
  svc = await startService({
    databaseUrl: dbUrl,
    secretKey: newSecretKey(),
    env: {
      OUTBOUND_STALE_LOCK_MS: '3000',
      OUTBOUND_SWEEP_MS: '250',
      OUTBOUND_HTTP_TIMEOUT_MS: '5000',
      INBOUND_POLL_SUPERVISOR_MS: '1000',
    },
  });
  admin = await login(svc.url);
  desk = await createHelpdesk(svc.url, admin, { password: smsapi.token, apiBaseUrl: smsapi.url });
  // A polled mailbox (MultiInfo getsms over mutual TLS), to see the pollers come back.
  await must(
    svc.url,
    `mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`,
    {
      i: {
        name: 'MultiInfo',
        provider: 'MULTIINFO',
        login: mi.login,
        password: mi.password,
        serviceId: mi.serviceId,
        host: 'api1.multiinfo.plus.pl',
        apiBaseUrl: `${mi.url}/Api61`,
        certificatePem: pem('client-bundle.pem'),
        destinationNumber: '7968',
        incomingActive: true,
      },
    },
    admin,
  );
}, 90_000);

afterAll(async () => {
  if (process.env.FAULT_LOG) fs.writeFileSync(process.env.FAULT_LOG, svc?.out() ?? '');
  await svc?.kill();
  await server?.stop().catch(() => {});
  await Promise.all([smsapi.stop(), mi.stop()]);
  if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

describe('PostgreSQL stops for a few seconds under load', () => {
  it('the service recovers by itself and loses nothing', async () => {
    const feed = liveFeed(svc.url, desk.agents[0].token);
    await new Promise((r) => setTimeout(r, 300));

    const stats: RetryStats = { retried: 0, statuses: new Map() };
    const deadline = Date.now() + 45_000;
    let acked = 0;
    let outage: Promise<{ stoppedAt: number; startedAt: number }> | undefined;
    const load = pool(
      Array.from({ length: N }, (_, i) => i),
      4,
      async (i) => {
        await deliverUntilOk(
          () =>
            smsapiSms(svc.url, {
              to: desk.our,
              from: `4860070${String(i).padStart(4, '0')}`,
              text: `Outage test ${i}`,
              msgId: `PGR-${i}`,
              // A retry carries the first attempt's sms_date, as SMSAPI's does.
              date: 1717000000 + i,
            }),
          stats,
          deadline,
          100,
        );
        if (++acked === 20) {
          outage = (async () => {
            // Sends in flight when the database goes: the provider answers after 1.5 s, into the outage.
            smsapi.latencyMs = 1500;
            for (let k = 0; k < SMS_IN_FLIGHT; k++)
              await must(
                svc.url,
                `mutation($i: SendSmsInput!) { sendSms(input: $i) { id } }`,
                { i: { to: `+4850070070${k}`, text: `In flight ${k}`, gatewayId: desk.gatewayId } },
                admin,
              );
            await waitFor(() => smsapi.requests.length >= SMS_IN_FLIGHT, 'the sends in flight', 5_000);
            await server!.stop();
            server = undefined;
            const stoppedAt = Date.now();
            await new Promise((r) => setTimeout(r, OUTAGE_MS));
            await startPg();
            return { stoppedAt, startedAt: Date.now() };
          })();
        }
        // Keep a steady trickle, so that the outage meets requests.
        await new Promise((r) => setTimeout(r, 40));
      },
    );
    await load;
    const { stoppedAt, startedAt } = await outage!;

    // Ready again, by itself.
    let readyAt = 0;
    for (const until = Date.now() + 20_000; Date.now() < until;) {
      const r = await fetch(`${svc.url}/readyz`).catch(() => undefined);
      if (r?.status === 200) {
        readyAt = Date.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(readyAt, svc.out().slice(-3000)).toBeGreaterThan(0);
    expect(svc.proc.exitCode, 'the service must not exit').toBeNull();

    // During the outage the webhooks were answered with a retryable 503, never another error.
    const statuses = Object.fromEntries(stats.statuses);
    const otherErrors = Object.keys(statuses).filter((k) => k !== '200' && k !== '503');
    expect(otherErrors, JSON.stringify(statuses)).toEqual([]);
    expect(statuses['503'] ?? 0).toBeGreaterThan(0);

    const db = new pg.Pool({ connectionString: dbUrl, max: 1 });
    try {
      const [row] = (
        await db.query(
          `select count(*)::int n, count(distinct provider_message_id)::int d from message where direction = 'INBOUND'`,
        )
      ).rows;
      expect(row).toEqual({ n: N, d: N });

      // Ready again (readiness includes LISTEN): a new message reaches the subscriber live, once it is
      // connected again if the server asked it to reconnect.
      await waitFor(() => feed.stats().open, 'the subscriber to be connected', 20_000).catch((e: Error) => {
        throw new Error(`${e.message}; the subscriber's counts: ${JSON.stringify(feed.stats())}`);
      });
      await new Promise((r) => setTimeout(r, 200));
      const before = feed.stats().live;
      await deliverUntilOk(
        () =>
          smsapiSms(svc.url, {
            to: desk.our,
            from: '48600700999',
            text: 'After the outage',
            msgId: 'PGR-after',
            date: 1717009999,
          }),
        stats,
        Date.now() + 10_000,
      );
      const liveAt = await waitFor(() => feed.stats().live > before && Date.now(), 'a live notification', 10_000);
      // Catch-up by cursor fills anything the socket missed: every notification of this agent is known.
      await feed.catchUp();
      const [{ c }] = (
        await db.query(`select count(*)::int c from notification where user_id = $1`, [Number(desk.agents[0].id)])
      ).rows;
      expect(c).toBe(N + 1);
      expect(feed.seen.size).toBe(N + 1);
      // This instance's own events reach its sockets without LISTEN (above); what other instances or
      // transactions NOTIFY needs LISTEN itself to be back: an event NOTIFYed from outside is pushed too.
      const [after] = (await db.query(`select id, ticket_id from message where provider_message_id = 'PGR-after'`))
        .rows;
      const beforeNotify = feed.stats().live;
      const note = {
        messageId: after.id,
        kind: 'SMS',
        title: '[SMS] through LISTEN',
        createdAt: new Date().toISOString(),
      };
      await db.query(`select pg_notify($1, $2)`, [
        EVENTS_CHANNEL,
        JSON.stringify({
          t: 'NOTIFICATIONS_ADDED',
          d: {
            notifications: [[Number(desk.agents[0].id), 2_000_000_000]],
            ticketId: after.ticket_id,
            queueId: 0,
            note,
          },
        }),
      ]);
      await waitFor(() => feed.stats().live > beforeNotify, 'the NOTIFYed notification', 10_000);

      // The job worker is back: an SMS queued now goes out, and those cut off by the outage are settled,
      // each at the provider exactly once.
      smsapi.latencyMs = 0;
      await must(
        svc.url,
        `mutation($i: SendSmsInput!) { sendSms(input: $i) { id } }`,
        { i: { to: '+48500600700', text: 'After the outage', gatewayId: desk.gatewayId } },
        admin,
      );
      const outbound = async () =>
        (
          await db.query(
            `select status, count(*)::int n from message where direction = 'OUTBOUND' group by status order by status`,
          )
        ).rows;
      const workerAt = await waitFor(
        async () => (await outbound()).every((r) => r.status !== 'QUEUED') && Date.now(),
        'the outbound messages to settle',
        20_000,
      ).catch(async (e) => {
        console.log(
          JSON.stringify(
            {
              outbound: await outbound(),
              jobs: (
                await db.query(
                  `select task_identifier, attempts, max_attempts, locked_by, run_at, last_error from graphile_worker.jobs`,
                )
              ).rows,
            },
            null,
            1,
          ),
        );
        throw e;
      });
      expect(await outbound()).toEqual([{ status: 'SENT', n: SMS_IN_FLIGHT + 1 }]);
      const texts = smsapi.sent.map((x) => x.message);
      expect(new Set(texts).size).toBe(texts.length);
      expect(texts).toHaveLength(SMS_IN_FLIGHT + 1);

      // The pollers are back: an SMS waiting at MultiInfo is fetched and stored.
      const miId = mi.deliver({ from: '48600000777', text: 'Polled after the outage' });
      const pollAt = await waitFor(
        async () =>
          (await db.query(`select 1 from message where provider_message_id = $1`, [String(miId)])).rowCount === 1 &&
          Date.now(),
        'the polled message',
        20_000,
      ).catch(async (e) => {
        console.log(
          JSON.stringify(
            {
              jobs: (
                await db.query(
                  `select task_identifier, key, attempts, max_attempts, locked_by, run_at, last_error from graphile_worker.jobs`,
                )
              ).rows,
              state: (await db.query(`select * from inbound_poll_state`)).rows,
            },
            null,
            1,
          ),
        );
        throw e;
      });

      console.log(
        JSON.stringify({
          scenario: 'db-restart',
          N,
          outageMs: startedAt - stoppedAt,
          readyAfterPgStartMs: readyAt - startedAt,
          liveNotificationAfterPgStartMs: liveAt - startedAt,
          outboundSettledAfterPgStartMs: workerAt - startedAt,
          polledAfterPgStartMs: pollAt - startedAt,
          statuses,
          subscriber: feed.stats(),
        }),
      );
    } finally {
      await db.end();
      await feed.dispose();
    }
  }, 70_000);
});
