import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSmsapi } from '../fakes/smsapi';
import { FakeSerwersms } from '../fakes/serwersms';
import { FakeJustsend } from '../fakes/justsend';
import { createGateway, ok } from '../support/api';
import { startTestApp, testEnv, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND } from '../support/outbound';
import { waitFor } from '../support/wait';

/*
 * "Never twice", with a real crash: the worker runs in its own process, which is killed (SIGKILL)
 * while three providers hold its requests (each has accepted the SMS; the answer never comes). A new
 * worker process then resumes the three messages:
 *  - SMSAPI: resent with the same idx + check_idx=1 → error 53 → SENT, one SMS at the fake;
 *  - SerwerSMS: messages/view by unique_id finds the first attempt → SENT with its id, one SMS;
 *  - JustSend (no idempotency): not resent → FAILED with the reason, one SMS.
 * The API instance runs no worker. The dead worker's leases run out, and the new one resumes its messages.
 */

const ROOT = path.join(__dirname, '../..');
const smsapi = new FakeSmsapi();
const serwersms = new FakeSerwersms();
const justsend = new FakeJustsend();
const ENV = {
  ...FAST_OUTBOUND_ENV,
  // The first worker must still be waiting when it is killed; its leases run out after 1.5 s (default: minutes),
  // and the new worker looks for such messages every 200 ms.
  OUTBOUND_HTTP_TIMEOUT_MS: '20000',
  OUTBOUND_STALE_LOCK_MS: '1500',
  OUTBOUND_POLL_MS: '200',
};
let t: TestApp;
const children: ChildProcess[] = [];

/** Starts a worker process (the real app without HTTP) and resolves once it is running. */
function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register', path.join(ROOT, 'test/fakes/worker-process.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...testEnv(t.dbUrl, t.key),
      ...ENV,
      TS_NODE_SWC: 'true',
      TS_NODE_TRANSPILE_ONLY: 'true',
      TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => String(d).includes('ready') && resolve(child));
    child.on('exit', (code) => reject(new Error(`worker process exited (${code}): ${err}`)));
  });
}

beforeAll(async () => {
  await Promise.all([smsapi, serwersms, justsend].map((f) => f.start()));
  // This instance runs no worker: the worker processes send.
  t = await startTestApp(ENV, { app: { worker: false } });
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await t?.close();
  await Promise.all([smsapi, serwersms, justsend].map((f) => f.stop()));
});

describe('a worker killed mid-send', () => {
  it('is resumed by a new worker without a second SMS', async () => {
    const token = await t.login();
    const gateway = async (input: Record<string, unknown>) =>
      (await createGateway(t, token, { name: String(input.provider), ...input })).id;
    const ids = {
      smsapi: await gateway({ provider: 'SMSAPI', password: smsapi.token, apiBaseUrl: smsapi.url }),
      serwersms: await gateway({
        provider: 'SERWERSMS',
        login: serwersms.username,
        password: serwersms.password,
        senderName: 'HELPDESK',
        apiBaseUrl: serwersms.url,
      }),
      justsend: await gateway({
        provider: 'JUSTSEND',
        password: justsend.appKey,
        apiBaseUrl: `${justsend.url}/api/rest`,
      }),
    };
    // Each provider accepts the SMS and then never answers.
    for (const f of [smsapi, serwersms, justsend]) f.failNext({ kind: 'hang', processed: true });
    const hung = Promise.all([smsapi.waitForHang(), serwersms.waitForHang(), justsend.waitForHang()]);
    const sent: Record<string, string> = {};
    for (const [k, g] of Object.entries(ids)) {
      sent[k] = ok(
        await t.gql(SEND, { i: { to: '+48500600700', text: `Hello via ${k}`, gatewayId: g } }, token),
      ).sendSms.id;
    }

    const first = await startWorkerProcess();
    await hung;
    const inFlight = await t.sql(
      `select id, attempts, in_flight_since is not null as in_flight, status from message order by id`,
    );
    expect(inFlight.map((r) => [r.attempts, r.in_flight, r.status])).toEqual([
      [1, true, 'QUEUED'],
      [1, true, 'QUEUED'],
      [1, true, 'QUEUED'],
    ]);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    expect([smsapi.sent.length, serwersms.sent.length, justsend.sent.length]).toEqual([1, 1, 1]);

    await startWorkerProcess();
    const rows = await waitFor(
      async () => {
        const r = await t.sql(
          `select id, status, attempts, provider_message_id, error_code, error_message, in_flight_since from message order by id`,
        );
        return r.every((x) => x.status !== 'QUEUED') ? r : undefined;
      },
      'the new worker to settle all three messages',
      20_000,
    );
    const byId = Object.fromEntries(rows.map((r) => [String(r.id), r]));
    expect(byId[sent.smsapi]).toMatchObject({ status: 'SENT', attempts: 2, in_flight_since: null, error_code: null });
    expect(byId[sent.serwersms]).toMatchObject({
      status: 'SENT',
      attempts: 2,
      provider_message_id: serwersms.sent[0].id,
    });
    expect(byId[sent.justsend]).toMatchObject({ status: 'FAILED', attempts: 1, error_code: 'UNKNOWN_OUTCOME' });
    expect(byId[sent.justsend].error_message).toMatch(
      /may or may not have been sent; JustSend\.pl has no idempotency key, so smsdesk does not send it again/,
    );

    // Exactly one SMS at each provider, whatever the retries asked.
    expect([smsapi.sent.length, serwersms.sent.length, justsend.sent.length]).toEqual([1, 1, 1]);
    const smsapiCalls = smsapi.calls('/sms.do');
    expect(smsapiCalls).toHaveLength(2);
    expect(smsapiCalls[1].fields.idx).toBe(smsapiCalls[0].fields.idx);
    expect(serwersms.calls('/messages/view')).toHaveLength(1);
    expect(serwersms.calls('/messages/send_sms')).toHaveLength(1);
    expect(justsend.calls('/v2/message/send')).toHaveLength(1);
  }, 60_000);
});
