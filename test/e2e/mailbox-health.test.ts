import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pem } from '../fakes/base';
import { smsapiDlrUrl, smsapiSms } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import { codes, createAgent, createGateway, fields, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';
import { waitFor } from '../support/wait';

/*
 * Gateway.health as an admin reads it: the latest times and the counts of the last 24 h move with real
 * webhooks (accepted and refused), sends, failures and delivery reports, on two instances of one database.
 */

let t: TestApp;
let t2: TestApp;
let admin: string;
let agent: string;
let gw: string;
const smsapi = new FakeSmsapi();
const OURS = '48739200001';
// The alert loop runs often here: no condition holds but the one the last test makes.
const ENV = { ...FAST_OUTBOUND_ENV, HEALTH_FLUSH_MS: '50', ALERT_CHECK_MS: '100' };

const HEALTH = `health { status problems lastInboundAt lastRefusedAt lastRefusalCode lastRefusalReason lastSentAt lastFailedAt
  lastDeliveryReportAt last24h { received refused { reason count } sent failed deliveryReports } lastTest { ok } }`;

const healthOf = async (at: TestApp = t) => {
  const r = ok(await at.gql(`{ gateways { id name ${HEALTH} } }`, {}, admin));
  return r.gateways.find((g: { id: string }) => g.id === gw).health;
};

beforeAll(async () => {
  await smsapi.start();
  t = await startTestApp(ENV);
  t2 = await startTestApp(ENV, { on: { dbUrl: t.dbUrl, key: t.key } });
  admin = await t.login();
  agent = (await createAgent(t, admin, 'Health Agent')).token;
  gw = (
    await createGateway(t, admin, {
      name: 'Health',
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'Helpdesk',
      apiBaseUrl: smsapi.url,
      destinationNumber: OURS,
      incomingActive: true,
    })
  ).id;
});

afterAll(async () => {
  await t2?.close();
  await t?.close();
  await smsapi.stop();
});

describe('Gateway.health', () => {
  it('is OK and empty for a new mailbox, with the last test', async () => {
    const h = await healthOf();
    expect(h).toMatchObject({
      status: 'OK',
      problems: [],
      lastInboundAt: null,
      lastRefusedAt: null,
      lastSentAt: null,
      lastDeliveryReportAt: null,
      last24h: { received: 0, refused: [], sent: 0, failed: 0, deliveryReports: 0 },
      lastTest: null,
    });
  });

  it('counts accepted and refused webhooks on both instances; refusals without a mailbox stay out', async () => {
    const before = Date.now();
    const sms = (base: string, n: number, token?: string) =>
      smsapiSms(base, { to: OURS, from: '48500100200', text: `hi ${n}`, msgId: `H-${n}` }, { token });
    expect((await sms(t.url, 1)).body).toBe('OK');
    expect((await sms(t2.url, 2)).body).toBe('OK');
    expect((await sms(t2.url, 3)).body).toBe('OK');
    // A provider's retry of a stored message is not a second message.
    expect((await sms(t.url, 3)).body).toBe('OK');
    expect((await sms(t.url, 4, 'not-the-token-1')).status).not.toBe(200);
    expect((await sms(t2.url, 5, 'not-the-token-2')).status).not.toBe(200);
    // Another number: no mailbox matched, so the refusal is the provider's, not this mailbox's.
    await smsapiSms(t.url, { to: '48739299999', from: '48500100200', text: 'x', msgId: 'H-X' });

    const h = await waitFor(async () => {
      const x = await healthOf(t2);
      return x.last24h.received === 3 && x.last24h.refused[0]?.count === 2 ? x : undefined;
    }, 'health counts from both instances');
    expect(h.last24h.refused).toEqual([{ reason: 'BAD_TOKEN', count: 2 }]);
    expect(new Date(h.lastInboundAt).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(new Date(h.lastRefusedAt).getTime()).toBeGreaterThanOrEqual(new Date(h.lastInboundAt).getTime() - 1000);
    expect(h.lastRefusalCode).toBe('BAD_TOKEN');
    expect(h.lastRefusalReason).toMatch(/token/);
    expect(h.status).toBe('WARNING');
    expect(h.problems).toEqual(['2 webhook requests refused in the last 24 h']);

    const unmatched = await waitFor(
      async () =>
        ok(
          await t2.gql(
            `{ unmatchedRefusals { provider refused { reason count } lastRefusedAt lastRefusalCode lastRefusalReason } }`,
            {},
            admin,
          ),
        ).unmatchedRefusals[0],
      "the provider's refusal",
    );
    expect(unmatched).toMatchObject({
      provider: 'SMSAPI',
      refused: [{ reason: 'NO_MAILBOX', count: 1 }],
      lastRefusalCode: 'NO_MAILBOX',
      lastRefusalReason: expect.stringMatching(/no SMSAPI.* mailbox has the destination number 48739299999/),
    });
    expect(codes(await t.gql(`{ unmatchedRefusals { provider } }`, {}, agent))).toEqual(['FORBIDDEN']);
  });

  it('moves with sends, failures and delivery reports', async () => {
    const send = async () => {
      const r = await t.gql(SEND, { i: { to: '+48500600700', text: 'Hello', gatewayId: gw } }, agent);
      expect(r.errors).toBeUndefined();
      return r.data.sendSms;
    };
    const sent = await settled(t, agent, await send(), 'SENT');
    smsapi.failNext({
      kind: 'answer',
      answer: {
        status: 200,
        body: JSON.stringify({ error: 101, message: 'Authorization failed' }),
        contentType: 'application/json',
      },
    });
    await settled(t, agent, await send(), 'FAILED');
    expect(await smsapi.pushDlr(smsapiDlrUrl(t2.url), [{ id: String(sent.providerMessageId), status: 404 }])).toEqual([
      { status: 200, body: 'OK' },
    ]);

    const h = await waitFor(async () => {
      const x = await healthOf();
      return x.last24h.deliveryReports === 1 && x.last24h.failed === 1 ? x : undefined;
    }, 'send, failure and report counts');
    expect(h.last24h).toMatchObject({ received: 3, sent: 1, failed: 1, deliveryReports: 1 });
    for (const at of [h.lastSentAt, h.lastFailedAt, h.lastDeliveryReportAt])
      expect(Date.now() - new Date(at).getTime()).toBeLessThan(60_000);
    expect(h.problems).toContain('1 message failed in the last 24 h');
  });

  it('shows the last test result', async () => {
    ok(await t.gql(`mutation($id: ID!) { testGateway(id: $id) { ok } }`, { id: gw }, admin));
    expect((await healthOf()).lastTest).toEqual({ ok: true });
  });

  it('is for admins only', async () => {
    const r = await t.gql(`{ gateways { id health { status } } }`, {}, agent);
    expect(codes(r)).toContain('FORBIDDEN');
  });
});

describe('the alert loop', () => {
  it('raises an alert by itself, and the status shows it', async () => {
    const { id } = await createGateway(t, admin, {
      name: 'Old certificate',
      provider: 'MULTIINFO',
      login: 'smsdesk-test',
      password: 'mi-secret',
      serviceId: 24138,
      host: 'api1.multiinfo.plus.pl',
      certificatePem: pem('expired-bundle.pem'),
    });
    const n = await waitFor(
      async () =>
        ok(
          await t.gql(`{ notifications(last: 5) { edges { node { kind title } } } }`, {}, admin),
        ).notifications.edges.find((e: { node: { title: string } }) => e.node.title.includes('"Old certificate"')),
      'the alert',
    );
    expect(n.node).toEqual({
      kind: 'ALERT',
      title: '[ALERT] Mailbox "Old certificate": client certificate expired 2021-01-01',
    });
    const h = ok(await t.gql(`query($id: ID!) { gateway(id: $id) { health { status problems } } }`, { id }, admin));
    // Expired, it fails every call: FAILING (one that only expires soon is a WARNING).
    expect(h.gateway.health).toEqual({
      status: 'FAILING',
      problems: ['Mailbox "Old certificate": client certificate expired 2021-01-01'],
    });
  });
});

describe('silenceAlertHours', () => {
  it('is validated, kept, and switched off with 0', async () => {
    const update = (h: number) =>
      t.gql(
        `mutation($id: ID!, $h: Int) { updateGateway(id: $id, input: { silenceAlertHours: $h }) { silenceAlertHours } }`,
        { id: gw, h },
        admin,
      );
    const bad = await update(721);
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
    expect(fields(bad)).toEqual(['silenceAlertHours']);
    expect(ok(await update(6)).updateGateway.silenceAlertHours).toBe(6);
    expect(ok(await update(0)).updateGateway.silenceAlertHours).toBeNull();
  });
});
