import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultRig, type Helpdesk } from '../support/fault-setup';
import { must } from '../support/api';
import { pool, seeded, startService, type ServiceProcess } from '../support/process';
import { FakeSmsapi } from '../fakes/smsapi';

/*
 * Crash during outbound: M messages are queued; while the worker sends them (the fake answers in 150 ms, four at a time,
 * so sends are in flight at any moment), the service is killed with SIGKILL at a seeded random point and
 * started again. Every message must reach the fake exactly once and end SENT (SMSAPI has an idempotency
 * key: an attempt cut off mid-call is resent with the same idx + check_idx, which the fake refuses as a
 * duplicate, and the message counts as sent).
 */

const M = 60;
const SEED = Number(process.env.FAULT_SEED ?? 20261124);
const ENV = {
  // A dead instance's leases run out quickly (default: minutes), and the restarted one looks every 200 ms.
  OUTBOUND_STALE_LOCK_MS: '1500',
  OUTBOUND_POLL_MS: '200',
  OUTBOUND_HTTP_TIMEOUT_MS: '2000',
  // Few sends at a time, so that the stream lasts long enough to be cut (60 × 150 ms / 4 ≈ 2.3 s).
  WORKER_CONCURRENCY: '4',
};

const smsapi = new FakeSmsapi();
let dbUrl: string;
let secretKey: string;
let svc: ServiceProcess;
let db: pg.Pool;
let desk: Helpdesk;
let admin: string;

beforeAll(async () => {
  await smsapi.start();
  ({ dbUrl, secretKey, svc, db, admin, desk } = await startFaultRig({
    env: ENV,
    gateway: { password: smsapi.token, apiBaseUrl: smsapi.url },
  }));
}, 60_000);

afterAll(async () => {
  await svc?.kill();
  await db?.end();
  await smsapi.stop();
});

describe('SIGKILL while the worker sends', () => {
  it(`sends every queued message exactly once (M=${M}, seed ${SEED})`, async () => {
    const rnd = seeded(SEED + 1);
    const killAt = 8 + Math.floor(rnd() * (M / 2));
    smsapi.latencyMs = 150;
    await pool(
      Array.from({ length: M }, (_, i) => i),
      8,
      (i) =>
        must(
          svc.url,
          `mutation($i: SendSmsInput!) { sendSms(input: $i) { id status } }`,
          {
            i: { to: `+4850060${String(i).padStart(4, '0')}`, text: `Outbound crash ${i}`, gatewayId: desk.gatewayId },
          },
          admin,
        ),
    );
    const until = Date.now() + 20_000;
    while (smsapi.sent.length < killAt && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    const atKill = smsapi.sent.length;
    await svc.kill();
    // Attempts cut off by the kill: marked in flight, outcome unknown.
    const [inFlight] = (
      await db.query(
        `select count(*) filter (where in_flight_since is not null)::int n from message where direction = 'OUTBOUND'`,
      )
    ).rows;
    svc = await startService({ databaseUrl: dbUrl, secretKey, port: svc.port, env: ENV });
    const restartMs = Date.now() - t0;

    let rows: {
      id: number;
      status: string;
      attempts: number;
      error_code: string | null;
      in_flight_since: Date | null;
    }[] = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      rows = (
        await db.query(
          `select id, status, attempts, error_code, in_flight_since from message where direction = 'OUTBOUND' order by id`,
        )
      ).rows;
      if (rows.every((r) => r.status !== 'QUEUED')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const settledAt = Date.now();
    const perText = new Map<string, number>();
    for (const s of smsapi.sent) perText.set(s.message, (perText.get(s.message) ?? 0) + 1);
    const duplicated = [...perText.values()].filter((n) => n > 1).length;
    const lost = Array.from({ length: M }, (_, i) => `Outbound crash ${i}`).filter((t) => !perText.has(t));
    const statuses = rows.reduce<Record<string, number>>((a, r) => ((a[r.status] = (a[r.status] ?? 0) + 1), a), {});
    console.log(
      JSON.stringify({
        scenario: 'outbound-crash',
        M,
        seed: SEED,
        killAt,
        atKill,
        inFlightAtKill: inFlight.n,
        restartMs,
        settleAfterRestartMs: settledAt - t0 - restartMs,
        statuses,
        lost: lost.length,
        duplicated,
        resent: smsapi.calls('/sms.do').length - smsapi.sent.length,
      }),
    );

    expect(rows).toHaveLength(M);
    expect(statuses).toEqual({ SENT: M });
    expect(rows.filter((r) => r.in_flight_since !== null)).toEqual([]);
    expect(lost).toEqual([]);
    expect(duplicated).toBe(0);
    expect(smsapi.sent).toHaveLength(M);
    // The kill really happened mid-stream.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(M);
  }, 60_000);
});
