import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callback } from '../fakes/base';
import { TEST_WEBHOOK_TOKEN } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import { createAgent, createGateway, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, messageOf, SEND, settled } from '../support/outbound';

/*
 * SMSAPI's own answers as the person sending sees them: the error codes of its table (retried or
 * FAILED with a readable reason), HTTP 429 with Retry-After, check_idx's limited window, and delivery
 * reports with every field real ones carry (411 RENEWAL, 412 STOP: the recipient opted out).
 */

let t: TestApp;
let agent: string;
const smsapi = new FakeSmsapi();
const gw: Record<string, string> = {};

beforeAll(async () => {
  await smsapi.start();
  t = await startTestApp(FAST_OUTBOUND_ENV);
  const admin = await t.login();
  agent = (await createAgent(t, admin, 'Agent', 'agent@test.local')).token;
  gw.SMSAPI = (
    await createGateway(t, admin, {
      name: 'SMSAPI',
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'Helpdesk',
      apiBaseUrl: smsapi.url,
    })
  ).id;
  gw.UNAPPROVED = (
    await createGateway(t, admin, {
      name: 'SMSAPI other sender',
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'NotApproved',
      apiBaseUrl: smsapi.url,
    })
  ).id;
});

afterAll(async () => {
  await t?.close();
  await smsapi.stop();
});

const send = async (gatewayId = gw.SMSAPI) => {
  const r = await t.gql(SEND, { i: { to: '+48500600700', text: 'Hello', gatewayId } }, agent);
  expect(r.errors).toBeUndefined();
  return r.data.sendSms;
};
const keyOf = async (id: string) =>
  (await t.sql(`select idempotency_key from message where id = $1`, [id]))[0].idempotency_key as string;
const legacyError = (error: number, message: string) => ({
  kind: 'answer' as const,
  answer: { status: 200, body: JSON.stringify({ error, message }), contentType: 'application/json' },
});

describe('error codes', () => {
  it.each([
    [200, 'failed, please retry'],
    [202, 'too many simultaneous requests'],
    [203, 'too many requests, try later'],
  ])('%i (%s) is retried, then sent once', async (code, message) => {
    const before = smsapi.sent.length;
    smsapi.failNext(legacyError(code, message));
    const m = await settled(t, agent, await send(), 'SENT');
    expect(m.errorCode).toBeNull();
    expect(smsapi.sent.length).toBe(before + 1);
    const key = await keyOf(m.id);
    expect(smsapi.calls('/sms.do').filter((c) => c.fields.idx === key)).toHaveLength(2);
  });

  it('a 203 that keeps coming is reported readably after the last attempt', async () => {
    smsapi.failNext(legacyError(203, 'Too many requests'), 3);
    const m = await settled(t, agent, await send(), 'FAILED');
    expect(m).toMatchObject({
      errorCode: '203',
      errorMessage: expect.stringMatching(/too many requests and asked to try later \(error 203\).*gave up after 3/),
    });
  });

  it.each([
    [11, 'Too long message', /^the text is too long for SMSAPI \(error 11\)/],
    [12, 'Too many parts', /^the text needs more SMS parts than SMSAPI allows \(max_parts 10, error 12\)/],
    [13, 'No correct phone numbers', /^SMSAPI found no valid recipient number \(error 13\)/],
  ])('%i (%s) fails at once with a reason', async (code, message, reason) => {
    smsapi.failNext(legacyError(code, message));
    const m = await settled(t, agent, await send(), 'FAILED');
    expect(m).toMatchObject({ errorCode: String(code), errorMessage: expect.stringMatching(reason) });
    expect((await t.sql(`select attempts from message where id = $1`, [m.id]))[0].attempts).toBe(1);
  });

  it('14: a sender name the account has not approved fails at once, saying where to register it', async () => {
    const before = smsapi.sent.length;
    const m = await settled(t, agent, await send(gw.UNAPPROVED), 'FAILED');
    expect(m).toMatchObject({
      errorCode: '14',
      errorMessage: expect.stringMatching(
        /^SMSAPI refused the sender name: it is not approved .*SMSAPI panel, error 14/,
      ),
    });
    expect(smsapi.sent.length).toBe(before);
    expect((await t.sql(`select attempts from message where id = $1`, [m.id]))[0].attempts).toBe(1);
  });

  it("HTTP 429: the next attempt waits for the answer's Retry-After", async () => {
    smsapi.failNext({ kind: '429', retryAfter: '2' });
    const m = await send();
    const sent = await settled(t, agent, m, 'SENT', 15_000);
    const key = await keyOf(sent.id);
    const calls = smsapi.calls('/sms.do').filter((c) => c.fields.idx === key);
    expect(calls).toHaveLength(2);
    // The backoff alone would be 20 ms (FAST_OUTBOUND_ENV).
    expect(calls[1].at - calls[0].at).toBeGreaterThanOrEqual(2_000);
  });
});

describe('idempotency window', () => {
  it('a send resumed more than 24 h after an attempt that may have reached SMSAPI fails as "outcome unknown"', async () => {
    const before = smsapi.sent.length;
    smsapi.failNext({ kind: 'hang', processed: true });
    const hung = smsapi.waitForHang();
    const m = await send();
    await hung;
    // The attempt is in flight (its claim committed the mark): make that mark a day and an hour old.
    const moved = await t.sql(
      `update message set in_flight_since = now() - interval '25 hours' where id = $1 and in_flight_since is not null returning id`,
      [m.id],
    );
    expect(moved).toHaveLength(1);
    const failed = await settled(t, agent, m, 'FAILED', 15_000);
    smsapi.releaseHeld();
    expect(failed).toMatchObject({
      errorCode: 'UNKNOWN_OUTCOME',
      errorMessage: expect.stringMatching(/^outcome unknown: .*more than 24 h ago.*does not send it again/),
    });
    const key = await keyOf(m.id);
    expect(smsapi.calls('/sms.do').filter((c) => c.fields.idx === key)).toHaveLength(1);
    expect(smsapi.sent.length).toBe(before + 1);
  });

  it('within the window the resumed send relies on idx: error 53, one SMS, SENT', async () => {
    const before = smsapi.sent.length;
    smsapi.failNext({ kind: 'hang', processed: true });
    const hung = smsapi.waitForHang();
    const m = await send();
    await hung;
    await t.sql(`update message set in_flight_since = now() - interval '23 hours' where id = $1`, [m.id]);
    const sent = await settled(t, agent, m, 'SENT', 15_000);
    smsapi.releaseHeld();
    expect(smsapi.sent.length).toBe(before + 1);
    const key = await keyOf(sent.id);
    expect(smsapi.calls('/sms.do').filter((c) => c.fields.idx === key)).toHaveLength(2);
  });
});

describe('delivery reports', () => {
  /** One report as SMSAPI sends it, with the fields beyond MsgId/status/donedate that real reports carry. */
  const report = (id: string, status: number, statusName: string, donedate: number) => {
    const u = new URL(`${t.url}/panel/tickets/incoming/smsapi/dlr`);
    u.searchParams.set('token', TEST_WEBHOOK_TOKEN);
    for (const [k, v] of Object.entries({
      MsgId: id,
      status: String(status),
      status_name: statusName,
      donedate: String(donedate),
      username: smsapi.username,
      points: '0.16',
      to: '48500600700',
      from: 'Helpdesk',
    }))
      u.searchParams.set(k, v);
    return callback(u.toString());
  };
  const optedOutAt = async (id: string) =>
    ok(await t.gql(`query($id: ID!) { ticket(id: $id) { messages { id recipientOptedOutAt } } }`, { id }, agent));

  it('411 RENEWAL changes nothing; 412 STOP records the opt-out and the message is UNDELIVERED', async () => {
    const q = await send();
    const m = await settled(t, agent, q, 'SENT');
    const done = Math.floor(Date.now() / 1000) - 60;
    expect(await report(String(m.providerMessageId), 411, 'RENEWAL', done)).toEqual({ status: 200, body: 'OK' });
    expect(await messageOf(t, agent, q.ticket.id, m.id)).toMatchObject({ status: 'SENT', errorCode: null });
    expect(await report(String(m.providerMessageId), 412, 'STOP', done)).toEqual({ status: 200, body: 'OK' });
    expect(await messageOf(t, agent, q.ticket.id, m.id)).toMatchObject({
      status: 'UNDELIVERED',
      errorCode: '412 STOP',
      errorMessage: expect.stringMatching(/STOP \(412\): the recipient opted out/),
    });
    const row = (await optedOutAt(q.ticket.id)).ticket.messages.find((x: { id: string }) => x.id === m.id);
    expect(new Date(row.recipientOptedOutAt).getTime()).toBe(done * 1000);
    // A repeated STOP keeps the first time.
    await report(String(m.providerMessageId), 412, 'STOP', done + 30);
    const [db] = await t.sql(`select opted_out_at from message where id = $1`, [m.id]);
    expect(new Date(db.opted_out_at).getTime()).toBe(done * 1000);
    // The number is now opted out of every SMS (test/e2e/opt-outs.test.ts); the other tests here send to it.
    const back = `mutation { setOptOut(phoneNumber: "+48500600700", optedOut: false, reason: "asked again") { optedOut } }`;
    expect(ok(await t.gql(back, {}, agent)).setOptOut).toEqual({ optedOut: false });
  });

  it('a report with the extra fields moves a message as the code table says; no opt-out for other codes', async () => {
    const q = await send();
    const m = await settled(t, agent, q, 'SENT');
    await report(String(m.providerMessageId), 404, 'DELIVERED', Math.floor(Date.now() / 1000));
    expect(await messageOf(t, agent, q.ticket.id, m.id)).toMatchObject({ status: 'DELIVERED' });
    expect((await t.sql(`select opted_out_at from message where id = $1`, [m.id]))[0].opted_out_at).toBeNull();
  });
});
