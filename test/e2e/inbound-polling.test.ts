import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { SecretBox } from '../../src/common/secret-box';
import { ormConfig } from '../../src/db/mikro-orm.config';
import { buildApp, type App } from '../../src/app';
import { ensurePollJobs } from '../../src/modules/inbound/tasks';
import { warsawDate, warsawDateTimeText } from '../../src/modules/providers/adapter-inbound';
import { createAgent, createGateway, createQueue, createRule, ok } from '../support/api';
import { SEND, settled } from '../support/outbound';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { NOTIFICATION_ADDED, subscribe } from '../support/ws';
import { CERTS, pem } from '../fakes/base';
import { FakeJustsendInbox, FakeMultiInfoInbox, FakeSerwersmsInbox } from '../fakes/push/inboxes';
import { serwersmsFromTemplate } from '../fakes/push/providers';

/*
 * Providers without push: a poll job per active mailbox against the fakes. MultiInfo getsms over mutual
 * TLS with confirmsms only after our commit; SerwerSMS messages/recived; JustSend replies; backoff on
 * errors; nothing lost or doubled when a confirm is lost or the service restarts.
 */

let t: TestApp;
let admin: string;
let agent: { id: string; token: string };
const mi = new FakeMultiInfoInbox();
const serwer = new FakeSerwersmsInbox();
const just = new FakeJustsendInbox();

const poll = () => ensurePollJobs(t.orm.em.fork(), { now: true });
const stateOf = async (gatewayId: string) =>
  (await t.sql(`select * from inbound_poll_state where gateway_id = $1`, [gatewayId]))[0];

beforeAll(async () => {
  await Promise.all([mi.start(), serwer.start(), just.start()]);
  mi.leaseMs = 400;
  // The fakes' CA is trusted for provider calls, and polls are short.
  t = await startTestApp(
    { PROVIDER_EXTRA_CA_FILE: path.join(CERTS, 'ca.pem') },
    {
      config: {
        inboundPoll: {
          waitMs: 200,
          backoff: { retryableBaseMs: 100, retryableCapMs: 300, configBaseMs: 200, configCapMs: 400 },
        },
      },
    },
  );
  admin = await t.login();
  agent = await createAgent(t, admin, 'Polling Agent');
});
afterAll(async () => {
  await t?.close();
  await Promise.all([mi.stop(), serwer.stop(), just.stop()]);
});

describe('SerwerSMS (messages/recived) and JustSend (replies)', () => {
  let serwerId: string;
  let serwerTemplate: string;
  let justId: string;
  beforeAll(async () => {
    const g = await createGateway(t, admin, {
      name: 'SerwerSMS',
      provider: 'SERWERSMS',
      login: serwer.username,
      password: serwer.password,
      apiBaseUrl: serwer.url,
      destinationNumber: '+48739200001',
      incomingActive: true,
    });
    serwerId = g.id;
    serwerTemplate = g.webhookUrl!.replace('https://smsdesk.example.com', t.url);
    justId = (
      await createGateway(t, admin, {
        name: 'JustSend',
        provider: 'JUSTSEND',
        login: 'POMOC',
        password: just.appKey,
        apiBaseUrl: `${just.url}/api/rest`,
        destinationNumber: '+48739200002',
        incomingActive: true,
      })
    ).id;
  });

  it('SerwerSMS: reads new replies of its NDI number, re-reads harmlessly, and converges with the push of the same SMS', async () => {
    const recived = warsawDateTimeText(new Date());
    serwer.deliver({ phone: '+48500600710', text: 'Z listy', ndi: '+48739200001', recived });
    serwer.deliver({ phone: '+48500600711', text: 'Inny numer', ndi: '+48739999999', recived });
    await ensurePollJobs(t.orm.em.fork(), { now: true });
    await waitFor(
      async () => (await t.sql(`select 1 from message where gateway_id = $1`, [serwerId])).length === 1,
      'the polled message',
    );
    // Poll again: the overlap window reads the same item, the id makes it a duplicate.
    await ensurePollJobs(t.orm.em.fork(), { now: true });
    await waitFor(async () => (await stateOf(serwerId))?.last_success_at, 'a successful poll');
    await new Promise((r) => setTimeout(r, 300));
    // The same SMS pushed through the URL template (its push id may differ from the list's id).
    expect(
      (
        await serwersmsFromTemplate(serwerTemplate, {
          from: '48500600710',
          text: 'Z listy',
          date: recived,
          id: 'push-77',
        })
      ).body,
    ).toBe('OK');
    const rows = await t.sql(`select from_address, text, to_address from message where gateway_id = $1`, [serwerId]);
    expect(rows).toEqual([{ from_address: '+48500600710', text: 'Z listy', to_address: '+48739200001' }]);
    const call = serwer.calls('messages/recived')[0];
    expect(call.json).toMatchObject({ username: serwer.username, ndi: '+48739200001', order: 'asc' });
    expect((call.json as Record<string, unknown>).read).toBeUndefined();
  });

  it('JustSend: reads replies to the mailbox prefix for today; no id, so the same reply is recognised by its createDate', async () => {
    const today = warsawDate(new Date());
    just.deliver({
      prefix: 'POMOC',
      msisdn: '48500600720',
      message: 'POMOC drukarka',
      createDate: `${today} 10:00:00`,
    });
    just.deliver({ prefix: 'INNE', msisdn: '48500600721', message: 'nie nasze', createDate: `${today} 10:00:01` });
    await ensurePollJobs(t.orm.em.fork(), { now: true });
    await waitFor(
      async () => (await t.sql(`select 1 from message where gateway_id = $1`, [justId])).length === 1,
      'the polled message',
    );
    await ensurePollJobs(t.orm.em.fork(), { now: true });
    await new Promise((r) => setTimeout(r, 300));
    const rows = await t.sql(
      `select from_address, text, dedupe_key is not null as hashed from message where gateway_id = $1`,
      [justId],
    );
    expect(rows).toEqual([{ from_address: '+48500600720', text: 'POMOC drukarka', hashed: true }]);
    expect(just.requests.some((r) => r.path === `/api/rest/v2/report/response/messages/POMOC/${today}/${today}`)).toBe(
      true,
    );
  });

  it('SerwerSMS: also reads ECO+ replies and ND messages, which the ndi filter leaves out; an ECO+ reply joins the ticket of the message it answers', async () => {
    // No sender name on the mailbox: it sends ECO+, which the recipient can answer.
    const out = ok(
      await t.gql(SEND, { i: { to: '+48500600730', text: 'Czy dziala?', gatewayId: serwerId } }, admin),
    ).sendSms;
    const sent = await settled(t, admin, out, 'SENT');
    expect(sent.ticket).toMatchObject({ id: out.ticket.id, queue: { name: 'SMS' } });
    // From now on a rule sends this mailbox's inbound elsewhere: the reply follows its outgoing message instead.
    const ruled = await createQueue(t, admin, 'Serwer ruled');
    await createRule(t, admin, { name: 'Serwer elsewhere', position: 1, gatewayId: serwerId, queueId: ruled });
    const recived = warsawDateTimeText(new Date());
    serwer.deliver({
      type: 'eco',
      phone: '+48500600730',
      text: 'Tak, dziala',
      recived,
      message_id: String(sent.providerMessageId),
    });
    serwer.deliver({
      type: 'eco',
      phone: '+48500600731',
      text: 'Odpowiedz na cos innego',
      recived,
      message_id: 'zzz9',
    });
    serwer.deliver({ type: 'nd', phone: '+48500600732', text: 'POMOC przez ND', recived });
    await poll();
    await waitFor(
      async () =>
        (
          await t.sql(
            `select 1 from message where gateway_id = $1 and direction = 'INBOUND' and from_address like '+4850060073%'`,
            [serwerId],
          )
        ).length === 3,
      'the ECO+ replies and the ND message',
    );
    const rows = await t.sql(
      `select m.text, m.ticket_id::text as ticket, q.name as queue
         from message m join ticket tk on tk.id = m.ticket_id join queue q on q.id = tk.queue_id
        where m.gateway_id = $1 and m.direction = 'INBOUND' and m.from_address like '+4850060073%' order by m.text`,
      [serwerId],
    );
    expect(rows).toEqual([
      { text: 'Odpowiedz na cos innego', ticket: expect.any(String), queue: 'Serwer ruled' },
      { text: 'POMOC przez ND', ticket: expect.any(String), queue: 'Serwer ruled' },
      { text: 'Tak, dziala', ticket: out.ticket.id, queue: 'SMS' },
    ]);
    // The kinds without a number of ours are asked for without the ndi filter.
    const asked = serwer.calls('messages/recived').map((c) => c.json as Record<string, unknown>);
    expect(asked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ndi: '+48739200001' }),
        expect.objectContaining({ type: 'eco' }),
        expect.objectContaining({ type: 'nd' }),
      ]),
    );
    expect(asked.filter((c) => c.type === 'eco' || c.type === 'nd').every((c) => c.ndi === undefined)).toBe(true);
  });
});

describe('a newly saved polled mailbox', () => {
  it('starts polling at once, without waiting for the supervisor', async () => {
    // The message waits at the provider before the mailbox exists; nobody calls ensurePollJobs here.
    const recived = warsawDateTimeText(new Date());
    serwer.deliver({ phone: '+48500600799', text: 'Od razu', ndi: '+48739200099', recived });
    const g = await createGateway(t, admin, {
      name: 'SerwerSMS new',
      provider: 'SERWERSMS',
      login: serwer.username,
      password: serwer.password,
      apiBaseUrl: serwer.url,
      destinationNumber: '+48739200099',
      incomingActive: true,
    });
    await waitFor(
      async () =>
        (await t.sql(`select 1 from message where gateway_id = $1 and text = 'Od razu'`, [g.id])).length === 1,
      'the polled message',
    );
  });
});

describe('Plus MultiInfo (getsms + confirmsms)', () => {
  let gatewayId: string;
  beforeAll(async () => {
    gatewayId = (
      await createGateway(t, admin, {
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
      })
    ).id;
  });

  it('fetches an inbound SMS, stores it, notifies, and confirms it only after the commit', async () => {
    const sub = await subscribe(t, agent.token, NOTIFICATION_ADDED);
    const id = mi.deliver({ from: '48600000002', text: 'Dziękuję, problem rozwiązany' });
    expect(await poll()).toContain(Number(gatewayId));
    const [n] = await sub.take(1);
    expect(n.notificationAdded).toMatchObject({
      title: '[SMS] +48600000002: Dziękuję, problem rozwiązany',
      message: { to: '7968' },
    });
    const [m] = await t.sql(`select id, provider_message_id, text from message where gateway_id = $1`, [gatewayId]);
    expect(m).toMatchObject({ provider_message_id: String(id), text: 'Dziękuję, problem rozwiązany' });
    await waitFor(() => mi.confirmed.includes(id), 'the confirm');
    // The confirm came after the getsms that returned it, and only once the row existed.
    const calls = mi.requests.map((r) => r.path.toLowerCase());
    expect(calls.lastIndexOf('/api61/confirmsms.aspx')).toBeGreaterThan(calls.indexOf('/api61/getsms.aspx'));
    expect(mi.requests.every((r) => r.clientCn === 'smsdesk-test')).toBe(true);
    await sub.close();
  });

  it('a lost confirm does not lose or double the message: MultiInfo offers it again, it is a duplicate, then confirmed', async () => {
    mi.failConfirms = 1;
    const id = mi.deliver({ from: '48600000003', text: 'Potwierdź mnie' });
    await poll();
    await waitFor(() => mi.confirmed.includes(id), 'the confirm', 15_000);
    const rows = await t.sql(`select id from message where provider_message_id = $1`, [String(id)]);
    expect(rows).toHaveLength(1);
    expect(await t.sql(`select count(*)::int n from notification where message_id = $1`, [rows[0].id])).toEqual([
      { n: 1 },
    ]);
    expect(mi.inbox).toHaveLength(0);
  });

  it('backs off on errors, records them for the admin, and recovers', async () => {
    mi.failNext({ kind: '5xx', status: 503 }, 3);
    const before = mi.requests.length;
    await poll();
    await waitFor(async () => (await stateOf(gatewayId))?.failures >= 2, 'two failed polls', 15_000);
    const s = await stateOf(gatewayId);
    expect(s.last_error).toMatch(/503/);
    expect(new Date(s.next_poll_at).getTime()).toBeGreaterThan(new Date(s.last_polled_at).getTime());
    const g = ok(
      await t.gql(
        `query($id: ID!) { gateway(id: $id) { inboundPolling { failures lastError lastPolledAt } } }`,
        { id: gatewayId },
        admin,
      ),
    ).gateway;
    expect(g.inboundPolling.failures).toBeGreaterThanOrEqual(1);
    const id = mi.deliver({ from: '48600000004', text: 'Po awarii' });
    await waitFor(() => mi.confirmed.includes(id), 'the confirm', 15_000);
    // The poll state is written after the confirm call returns: wait for it rather than race it.
    await waitFor(async () => (await stateOf(gatewayId)).failures === 0, 'a successful poll', 5_000);
    expect(mi.requests.length - before).toBeGreaterThanOrEqual(4);
  });

  it('nothing is lost across a restart: a message that arrives while no instance runs is fetched by the next one', async () => {
    await t.app.close();
    const id = mi.deliver({ from: '48600000005', text: 'Podczas restartu' });
    const config = t.config; // the first instance's settings: same database, key, CA and poll timings
    const orm = await MikroORM.init(ormConfig(t.dbUrl, { pool: { min: 0, max: 5 } }));
    let b: App | undefined;
    try {
      b = await buildApp({ config, orm, databaseUrl: t.dbUrl, box: new SecretBox(t.key) });
      await b.listen();
      // The pending poll job is in the database: the new instance's worker runs it.
      await waitFor(() => mi.confirmed.includes(id), 'the confirm', 15_000);
      expect(await t.sql(`select count(*)::int n from message where provider_message_id = $1`, [String(id)])).toEqual([
        { n: 1 },
      ]);
    } finally {
      await b?.close();
      await orm.close(true);
    }
    // Let afterAll's close() of the first instance be a no-op.
    t.app.close = async () => {};
  });
});
