import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultRig, type Helpdesk } from '../support/fault-setup';
import { must } from '../support/api';
import { deliverUntilOk, pool, seeded, startService, type RetryStats, type ServiceProcess } from '../support/process';
import { smsapiSms } from '../fakes/push/providers';

/*
 * Crash during inbound load: a provider-like client delivers N webhooks, each retried until it is answered
 * OK; the service is killed with SIGKILL at a (seeded) random moment and started again on the same port.
 * Afterwards: exactly N messages, none lost, none duplicated, and every notification row present.
 */

const N = 240;
const CONCURRENCY = 12;
const SEED = Number(process.env.FAULT_SEED ?? 20261124);

let dbUrl: string;
let secretKey: string;
let svc: ServiceProcess;
let db: pg.Pool;
let desk: Helpdesk;

beforeAll(async () => {
  ({ dbUrl, secretKey, svc, db, desk } = await startFaultRig());
}, 60_000);

afterAll(async () => {
  await svc?.kill();
  await db?.end();
});

/** The callbacks' sms_date (unix seconds). */
const SENT_AT = 1717000000;

describe('SIGKILL during inbound load', () => {
  it(`keeps every acknowledged webhook exactly once (N=${N}, seed ${SEED})`, async () => {
    const rnd = seeded(SEED);
    // Kill after 20–70 % of the webhooks were acknowledged: requests are in flight at that moment.
    const killAfter = Math.floor(N * (0.2 + 0.5 * rnd()));
    const stats: RetryStats = { retried: 0, statuses: new Map() };
    let acked = 0;
    let restarted: Promise<void> | undefined;
    let downMs = 0;
    const base = svc.url;
    const port = svc.port;
    const deadline = Date.now() + 40_000;

    const crash = async () => {
      const t0 = Date.now();
      await svc.kill();
      svc = await startService({ databaseUrl: dbUrl, secretKey, port });
      downMs = Date.now() - t0;
    };

    await pool(
      Array.from({ length: N }, (_, i) => i),
      CONCURRENCY,
      async (i) => {
        const r = await deliverUntilOk(
          () =>
            smsapiSms(base, {
              to: desk.our,
              from: `4850060${String(i % 1000).padStart(4, '0')}`,
              text: `Crash test ${i}`,
              msgId: `CRASH-${i}`,
              // A retry carries the first attempt's sms_date, as SMSAPI's does: with the MsgId, sender and
              // text it is what makes it the same callback.
              date: SENT_AT + i,
            }),
          stats,
          deadline,
        );
        expect(r.body).toBe('OK');
        if (++acked === killAfter) restarted = crash();
      },
    );
    await restarted;
    expect(acked).toBe(N);

    const [{ n, distinct_ids }] = (
      await db.query(
        `select count(*)::int n, count(distinct provider_message_id)::int distinct_ids from message where direction = 'INBOUND'`,
      )
    ).rows;
    const ids = new Set(
      (await db.query(`select provider_message_id from message where direction = 'INBOUND'`)).rows.map(
        (r) => r.provider_message_id,
      ),
    );
    const lost = Array.from({ length: N }, (_, i) => `CRASH-${i}`).filter((id) => !ids.has(id));
    console.log(
      JSON.stringify({
        scenario: 'inbound-crash',
        N,
        seed: SEED,
        killAfter,
        stored: n,
        lost: lost.length,
        duplicated: n - distinct_ids,
        retried: stats.retried,
        statuses: Object.fromEntries(stats.statuses),
        downMs,
      }),
    );
    expect(lost).toEqual([]);
    expect(n).toBe(N);
    expect(distinct_ids).toBe(N);
    // Some deliveries did meet the dead service (refused, reset, or 503 while starting) and were retried.
    expect(stats.retried).toBeGreaterThan(0);

    // Every message has its notification for each agent of the queue, exactly once, and a ticket.
    const [notes] = (
      await db.query(
        `select count(*)::int total, count(distinct (n.user_id, n.message_id))::int pairs, count(*) filter (where m.ticket_id is null)::int no_ticket
           from message m left join notification n on n.message_id = m.id where m.direction = 'INBOUND'`,
      )
    ).rows;
    expect(notes).toEqual({ total: N * desk.agents.length, pairs: N * desk.agents.length, no_ticket: 0 });
    const users = (
      await db.query(`select user_id::text, count(*)::int c from notification group by user_id order by user_id`)
    ).rows;
    expect(users).toEqual(
      desk.agents.map((a) => ({ user_id: a.id, c: N })).sort((a, b) => Number(a.user_id) - Number(b.user_id)),
    );
    // Every accepted request is in the inbound event log; duplicates (a retry of a stored message) too.
    const [ev] = (
      await db.query(`select count(*) filter (where outcome = 'ACCEPTED')::int accepted from inbound_event`)
    ).rows;
    expect(ev.accepted).toBe(N);

    // The restarted service serves them to the agent as any other.
    const page = await must(
      svc.url,
      `query { notifications(first: 5) { edges { node { id kind } } } }`,
      {},
      desk.agents[0].token,
    );
    expect(page.notifications.edges).toHaveLength(5);
  }, 60_000);
});
