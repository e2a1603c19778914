import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultRig, type Helpdesk } from '../support/fault-setup';
import { must } from '../support/api';
import type { ServiceProcess } from '../support/process';
import { waitFor } from '../support/wait';
import { FakeSmsapi } from '../fakes/smsapi';

/*
 * Provider outage: the fake SMSAPI first lets calls time out, then answers 503 for a while, then recovers.
 * Queued messages retry with a growing backoff and all go out once it is back, each exactly once. A
 * permanent error (sender name not approved) fails the message at once, with the provider's reason shown.
 */

const RETRY_BASE_MS = 100;
const ENV = {
  OUTBOUND_HTTP_TIMEOUT_MS: '400',
  OUTBOUND_RETRY_BASE_MS: String(RETRY_BASE_MS),
  OUTBOUND_RETRY_MAX_MS: '800',
  OUTBOUND_MAX_ATTEMPTS: '12',
};
const MESSAGE = `id status errorCode errorMessage`;

const smsapi = new FakeSmsapi();
let svc: ServiceProcess;
let db: pg.Pool;
let desk: Helpdesk;
let admin: string;

beforeAll(async () => {
  await smsapi.start();
  ({ svc, db, admin, desk } = await startFaultRig({
    env: ENV,
    gateway: { password: smsapi.token, apiBaseUrl: smsapi.url },
  }));
}, 60_000);

afterAll(async () => {
  await svc?.kill();
  await db?.end();
  await smsapi.stop();
});

const send = async (text: string, gatewayId = desk.gatewayId) =>
  (
    await must(
      svc.url,
      `mutation($i: SendSmsInput!) { sendSms(input: $i) { ${MESSAGE} ticket { id } } }`,
      { i: { to: '+48500600700', text, gatewayId } },
      admin,
    )
  ).sendSms;

async function settledRows(ids: string[], ms: number) {
  return waitFor(
    async () => {
      const rows = (
        await db.query(
          `select id::text, status, attempts, error_code, error_message from message where id = any($1::int[]) order by id`,
          [ids],
        )
      ).rows;
      return rows.every((r) => r.status !== 'QUEUED') && rows;
    },
    `messages ${ids.join(', ')} to leave QUEUED`,
    ms,
  );
}

describe('a provider outage', () => {
  it('retries with backoff through timeouts and 5xx, then sends each message once', async () => {
    const K = 5;
    // Outage: two calls time out (the fake holds them), then twelve are answered 503; then it works again.
    smsapi.failNext({ kind: 'hang', processed: false }, 2);
    smsapi.failNext({ kind: '5xx', status: 503 }, 12);
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < K; i++) ids.push((await send(`Outage ${i}`)).id);
    const rows = await settledRows(ids, 25_000);
    const recoveredMs = Date.now() - started;

    expect(rows.map((r) => r.status)).toEqual(Array(K).fill('SENT'));
    // Exactly once at the provider, whatever the retries.
    const texts = smsapi.sent.map((s) => s.message).sort();
    expect(texts).toEqual(Array.from({ length: K }, (_, i) => `Outage ${i}`).sort());
    const calls = smsapi.calls('/sms.do');
    expect(calls.length).toBe(K + 14);
    const attempts = rows.reduce((n, r) => n + r.attempts, 0);
    expect(attempts).toBe(K + 14);

    // Backoff: a message's calls are spaced by at least the retry delay, which doubles.
    const byIdx = new Map<string, number[]>();
    for (const c of calls) byIdx.set(c.fields.idx, [...(byIdx.get(c.fields.idx) ?? []), c.at]);
    let doubled = false;
    for (const times of byIdx.values()) {
      const gaps = times.slice(1).map((t, i) => t - times[i]);
      for (const g of gaps) expect(g).toBeGreaterThanOrEqual(RETRY_BASE_MS * 0.9);
      if (gaps.length >= 2 && gaps[1] >= 2 * RETRY_BASE_MS * 0.9) doubled = true;
    }
    expect(doubled).toBe(true);
    console.log(
      JSON.stringify({
        scenario: 'provider-outage',
        K,
        failedCalls: 14,
        calls: calls.length,
        maxAttempts: Math.max(...rows.map((r) => r.attempts)),
        sentAfterMs: recoveredMs,
        sent: smsapi.sent.length,
      }),
    );
  }, 40_000);

  it('fails a permanent error at once, with the reason shown', async () => {
    const g = (
      await must(
        svc.url,
        `mutation($i: GatewayInput!) { createGateway(input: $i) { id } }`,
        {
          i: {
            name: 'SMSAPI unapproved',
            provider: 'SMSAPI',
            password: smsapi.token,
            apiBaseUrl: smsapi.url,
            senderName: 'NotApproved',
          },
        },
        admin,
      )
    ).createGateway.id;
    const before = smsapi.calls('/sms.do').length;
    const m = await send('Permanent', g);
    const [row] = await settledRows([m.id], 10_000);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 1 });
    expect(smsapi.calls('/sms.do').length - before).toBe(1);
    const shown = await must(
      svc.url,
      `query($id: ID!) { ticket(id: $id) { messages { ${MESSAGE} } } }`,
      { id: m.ticket.id },
      admin,
    );
    const msg = shown.ticket.messages.find((x: { id: string }) => x.id === m.id);
    expect(msg.status).toBe('FAILED');
    expect(msg.errorCode).toBeTruthy();
    expect(msg.errorMessage).toMatch(/sender/i);
    console.log(
      JSON.stringify({ scenario: 'provider-permanent', errorCode: msg.errorCode, errorMessage: msg.errorMessage }),
    );
  }, 20_000);
});
