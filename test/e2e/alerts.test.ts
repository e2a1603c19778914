import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pem } from '../fakes/base';
import { smsapiSms } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import { createAgent, createGateway, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';
import { subscribe, type Subscriber } from '../support/ws';
import { waitFor } from '../support/wait';
import { loadConfig } from '../../src/config';

/*
 * [ALERT] notifications to admins, each raised once while its condition holds and recovered once, with two
 * instances on one database checking at the same moment. The checks are called with the time to judge at
 * (a later `now` instead of waiting); the alert loop itself is set to an hour so that only the test checks.
 */

let t: TestApp;
let t2: TestApp;
let admin: string;
let agent: string;
let adminSub: Subscriber;
let agentSub: Subscriber;
const smsapi = new FakeSmsapi();
const down = new FakeSmsapi();
const ENV = {
  ...FAST_OUTBOUND_ENV,
  OUTBOUND_MAX_ATTEMPTS: '50',
  OUTBOUND_RETRY_MAX_MS: '200',
  HEALTH_FLUSH_MS: '50',
  ALERT_CHECK_MS: '3600000',
  ALERT_REFUSALS: '3',
  ALERT_SEND_FAILURES: '2',
};
const MINUTE = 60_000;
const SUB = `subscription { notificationAdded { id kind title body ticket { id } message { id } } }`;

/**
 * Both instances check at once, as two servers' loops may; returns what they raised and cleared together, of
 * the conditions whose keys start with `only`. (A check judges every condition at its `now`, and the tests'
 * clock jumps back and forth: refusals of an earlier test are back in the window when a later one checks.)
 */
async function checkBoth(now = new Date(), only = '') {
  const [a, b] = await Promise.all([
    t.app.services.alerts.check(t.orm.em.fork(), now),
    t2.app.services.alerts.check(t2.orm.em.fork(), now),
  ]);
  const mine = (keys: string[]) => keys.filter((k) => k.startsWith(only)).sort();
  return { raised: mine([...a.raised, ...b.raised]), cleared: mine([...a.cleared, ...b.cleared]) };
}

/** The admin's ALERT notifications whose title contains `about`, oldest first. */
async function alertsAbout(about: string, token = admin) {
  const r = ok(
    await t.gql(`{ notifications(first: 100) { edges { node { kind title body ticket { id } } } } }`, {}, token),
  );
  return r.notifications.edges
    .map((e: { node: { kind: string; title: string } }) => e.node)
    .filter((n: { kind: string; title: string }) => n.kind === 'ALERT' && n.title.includes(about));
}

const smsapiGateway = (name: string, extra: Record<string, unknown> = {}) =>
  createGateway(t, admin, {
    name,
    provider: 'SMSAPI',
    password: smsapi.token,
    senderName: 'Helpdesk',
    apiBaseUrl: smsapi.url,
    ...extra,
  }).then((g) => g.id);

beforeAll(async () => {
  await smsapi.start();
  await down.start();
  t = await startTestApp(ENV);
  t2 = await startTestApp(ENV, { on: { dbUrl: t.dbUrl, key: t.key } });
  admin = await t.login();
  agent = (await createAgent(t, admin, 'Alert Agent')).token;
  // The admin watches on the other instance: the pushes of t's checks cross over LISTEN/NOTIFY.
  adminSub = await subscribe(t2, admin, SUB);
  agentSub = await subscribe(t, agent, SUB);
});

afterAll(async () => {
  await adminSub?.close();
  await agentSub?.close();
  await t2?.close();
  await t?.close();
  await smsapi.stop();
  await down.stop();
});

describe('refused webhooks', () => {
  it('3 wrong tokens within 15 minutes raise one alert naming the mailbox, the reason and the fix; it recovers once', async () => {
    await smsapiGateway('Refused', { destinationNumber: '48739300001', incomingActive: true });
    const wrong = (n: number) =>
      smsapiSms(
        t.url,
        { to: '48739300001', from: '48500100200', text: 'x', msgId: `R-${n}` },
        { token: 'wrong-one-1' },
      );
    await wrong(1);
    await wrong(2);
    expect((await checkBoth()).raised).toEqual([]);
    await wrong(3);
    const pushed = adminSub.events.length;
    const { raised } = await checkBoth();
    expect(raised).toHaveLength(1);
    expect(raised[0]).toMatch(/^refusals:gateway:\d+:BAD_TOKEN$/);
    expect((await checkBoth()).raised).toEqual([]);

    const [n] = await alertsAbout('"Refused"');
    expect(n.title).toBe('[ALERT] Mailbox "Refused": webhooks refused (wrong webhook token)');
    expect(n.body).toMatch(/^3 webhook requests to mailbox "Refused" were refused within 15 minutes \(BAD_TOKEN/);
    expect(n.body).toMatch(/Paste the mailbox's current webhook URL/);
    expect(n.ticket).toBeNull();
    const [live] = (await adminSub.take(pushed + 1)).slice(pushed);
    expect(live.notificationAdded).toMatchObject({
      kind: 'ALERT',
      title: n.title,
      body: n.body,
      ticket: null,
      message: null,
    });

    // One more refusal a little later: when only it is left in the window (fewer than 3), the alert holds.
    const third = Date.now();
    await new Promise((r) => setTimeout(r, 300));
    await wrong(4);
    const holding = await checkBoth(new Date(third + 15 * MINUTE + 150));
    expect(holding).toEqual({ raised: [], cleared: [] });

    // 16 minutes on, the refusals are out of the window: recovered, once.
    const later = await checkBoth(new Date(Date.now() + 16 * MINUTE));
    expect(later.cleared).toEqual(raised);
    expect((await checkBoth(new Date(Date.now() + 17 * MINUTE))).cleared).toEqual([]);
    expect((await alertsAbout('"Refused"')).map((x: { title: string }) => x.title)).toEqual([
      '[ALERT] Mailbox "Refused": webhooks refused (wrong webhook token)',
      '[ALERT] Recovered: Mailbox "Refused": webhooks refused (wrong webhook token)',
    ]);
    const health = ok(await t.gql(`{ gateways { name health { status } } }`, {}, admin)).gateways;
    expect(health.find((g: { name: string }) => g.name === 'Refused').health.status).toBe('WARNING');
  });

  it('refusals no mailbox matched are the provider’s', async () => {
    for (let i = 0; i < 3; i++)
      await smsapiSms(t.url, { to: '48739399999', from: '48500100200', text: 'x', msgId: `N-${i}` });
    expect((await checkBoth(new Date(), 'refusals:provider')).raised).toEqual(['refusals:provider:SMSAPI:NO_MAILBOX']);
    const [n] = await alertsAbout('SMSAPI.pl: webhooks refused');
    expect(n.title).toBe('[ALERT] SMSAPI.pl: webhooks refused (unknown destination number)');
    expect(n.body).toMatch(
      /from SMSAPI.pl that matched no mailbox .*Give a mailbox of this provider the destination number/,
    );
    expect((await checkBoth(new Date(Date.now() + 16 * MINUTE), 'refusals:provider')).cleared).toEqual([
      'refusals:provider:SMSAPI:NO_MAILBOX',
    ]);
  });
});

describe('sending', () => {
  const send = async (gatewayId: string) => {
    const r = await t.gql(SEND, { i: { to: '+48500600700', text: 'Hello', gatewayId } }, agent);
    expect(r.errors).toBeUndefined();
    return r.data.sendSms;
  };

  it('ALERT_SEND_FAILURES (2) permanent failures in a row raise an alert; a message that goes out clears it', async () => {
    const id = await smsapiGateway('Failing');
    const authFailed = {
      kind: 'answer' as const,
      answer: {
        status: 200,
        body: JSON.stringify({ error: 101, message: 'Authorization failed' }),
        contentType: 'application/json',
      },
    };
    smsapi.failNext(authFailed);
    await settled(t, agent, await send(id), 'FAILED');
    expect((await checkBoth(new Date(), 'send_failures')).raised).toEqual([]);
    smsapi.failNext(authFailed);
    await settled(t, agent, await send(id), 'FAILED');
    expect((await checkBoth(new Date(), 'send_failures')).raised).toEqual([`send_failures:gateway:${id}`]);
    const [n] = await alertsAbout('"Failing"');
    expect(n.title).toBe('[ALERT] Mailbox "Failing": sending fails');
    expect(n.body).toMatch(/The last 2 messages sent through mailbox "Failing" failed \(last: wrong SMSAPI login/);
    await settled(t, agent, await send(id), 'SENT');
    expect((await checkBoth(new Date(), 'send_failures')).cleared).toEqual([`send_failures:gateway:${id}`]);
    expect(await alertsAbout('Recovered: Mailbox "Failing"')).toHaveLength(1);
  });

  it('messages waiting over 10 minutes on a provider outage raise an alert; sending again clears it', async () => {
    down.failNext({ kind: '5xx', status: 503 }, 100_000);
    const id = await smsapiGateway('Outage', { apiBaseUrl: down.url, password: down.token });
    const m = await send(id);
    await waitFor(() => down.calls('/sms.do').length >= 2, 'retries against the outage');
    expect((await checkBoth(new Date(), 'queue_waiting')).raised).toEqual([]);
    expect((await checkBoth(new Date(Date.now() + 11 * MINUTE), 'queue_waiting')).raised).toEqual([
      `queue_waiting:gateway:${id}`,
    ]);
    const [n] = await alertsAbout('"Outage"');
    expect(n.title).toBe('[ALERT] Mailbox "Outage": messages waiting to be sent');
    expect(n.body).toMatch(/1 message through mailbox "Outage" has waited unsent since .* over 10 minutes/);
    // The admin moves the mailbox to a working host; the message goes out.
    ok(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { id } }`,
        { id, i: { apiBaseUrl: smsapi.url, password: smsapi.token } },
        admin,
      ),
    );
    await settled(t, agent, m, 'SENT');
    expect((await checkBoth(new Date(Date.now() + 11 * MINUTE), 'queue_waiting')).cleared).toEqual([
      `queue_waiting:gateway:${id}`,
    ]);
  });
});

describe('silence', () => {
  it('an incoming mailbox with silenceAlertHours that receives nothing that long alerts; a message clears it', async () => {
    const id = await smsapiGateway('Quiet', {
      destinationNumber: '48739300002',
      incomingActive: true,
      silenceAlertHours: 1,
    });
    expect((await checkBoth(new Date(Date.now() + 59 * MINUTE), 'silence')).raised).toEqual([]);
    expect((await checkBoth(new Date(Date.now() + 61 * MINUTE), 'silence')).raised).toEqual([`silence:gateway:${id}`]);
    const [n] = await alertsAbout('"Quiet"');
    expect(n.title).toBe('[ALERT] Mailbox "Quiet": nothing received for 1 h');
    const status = async () =>
      ok(await t.gql(`query($id: ID!) { gateway(id: $id) { health { status problems } } }`, { id }, admin)).gateway
        .health;
    expect(await status()).toEqual({ status: 'SILENT', problems: ['Mailbox "Quiet": nothing received for 1 h'] });

    expect((await smsapiSms(t2.url, { to: '48739300002', from: '48500100200', text: 'hi', msgId: 'Q-1' })).body).toBe(
      'OK',
    );
    // t2's count reaches the table within HEALTH_FLUSH_MS; from then on, an hour after that message is not silent.
    await waitFor(
      async () =>
        ok(await t.gql(`query($id: ID!) { gateway(id: $id) { health { lastInboundAt } } }`, { id }, admin)).gateway
          .health.lastInboundAt,
      'the message counted',
    );
    expect((await checkBoth(new Date(Date.now() + 30 * MINUTE), 'silence')).cleared).toEqual([`silence:gateway:${id}`]);
    expect((await status()).status).toBe('OK');
  });
});

describe('client certificates', () => {
  it('an expired certificate alerts until a new one is uploaded; one expiring within 14 days alerts too', async () => {
    const { id } = await createGateway(t, admin, {
      name: 'Certified',
      provider: 'MULTIINFO',
      login: 'smsdesk-test',
      password: 'mi-secret',
      serviceId: 24138,
      host: 'api1.multiinfo.plus.pl',
      certificatePem: pem('expired-bundle.pem'),
    });
    expect((await checkBoth(new Date(), 'certificate')).raised).toEqual([`certificate:gateway:${id}`]);
    expect((await alertsAbout('"Certified"'))[0].title).toBe(
      '[ALERT] Mailbox "Certified": client certificate expired 2021-01-01',
    );
    const g = ok(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { certificateExpiresAt } }`,
        { id, i: { certificatePem: pem('client-bundle.pem') } },
        admin,
      ),
    ).updateGateway;
    expect((await checkBoth(new Date(), 'certificate')).cleared).toEqual([`certificate:gateway:${id}`]);
    const expires = new Date(g.certificateExpiresAt).getTime();
    expect((await checkBoth(new Date(expires - 15 * 24 * 60 * MINUTE), 'certificate')).raised).toEqual([]);
    expect((await checkBoth(new Date(expires - 13 * 24 * 60 * MINUTE), 'certificate')).raised).toEqual([
      `certificate:gateway:${id}`,
    ]);
    expect((await alertsAbout('"Certified"')).map((n: { title: string }) => n.title)).toEqual([
      '[ALERT] Mailbox "Certified": client certificate expired 2021-01-01',
      '[ALERT] Recovered: Mailbox "Certified": client certificate expired 2021-01-01',
      `[ALERT] Mailbox "Certified": client certificate expires ${new Date(expires).toISOString().slice(0, 10)}`,
    ]);
  });
});

describe('who is told', () => {
  it('agents get no ALERT, in their list or live', async () => {
    expect(await alertsAbout('', agent)).toEqual([]);
    expect(agentSub.events.filter((e) => e.notificationAdded.kind === 'ALERT')).toEqual([]);
    expect(adminSub.events.filter((e) => e.notificationAdded.kind === 'ALERT').length).toBeGreaterThanOrEqual(10);
  });

  it('thresholds come from the settings, each checked by name', () => {
    expect(loadConfig({ ALERT_REFUSALS: '7', ALERT_QUEUE_WAIT_MINUTES: '30' }).alerts).toMatchObject({
      refusals: 7,
      refusalWindowMs: 15 * MINUTE,
      sendFailures: 5,
      queueWaitMs: 30 * MINUTE,
      certificateDays: 14,
    });
    expect(() => loadConfig({ ALERT_SEND_FAILURES: '0' })).toThrow(/ALERT_SEND_FAILURES must be a whole number/);
  });
});
