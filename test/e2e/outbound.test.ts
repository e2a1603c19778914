import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKES, FakeSet } from '../fakes';
import { justsendFake } from '../fakes/justsend';
import { mobitexFake } from '../fakes/mobitex';
import { multiinfoFake } from '../fakes/multiinfo';
import { peoplefoneFake } from '../fakes/peoplefone';
import { serwersmsFake } from '../fakes/serwersms';
import { smsapiFake } from '../fakes/smsapi';
import { codes, createAgent, createCustomer, createGateway } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, messageOf, REPLY, SEND, settled } from '../support/outbound';
import { waitFor } from '../support/wait';
import { TEST_WEBHOOK_TOKEN } from '../fakes/push/providers';
import { wsClient } from '../support/ws';
import { EVENTS_CHANNEL } from '../../src/graphql/pubsub';

/*
 * Sending over GraphQL against the fake providers: from a customer card on every provider that can
 * send, replies on tickets, the mailbox choice, delivery reports (callback and polling, in and out of
 * order) and the status subscription.
 */

let t: TestApp;
let admin: string;
let agent: string;
const fakes = new FakeSet(FAKES);
const smsapi = fakes.get(smsapiFake);
const serwersms = fakes.get(serwersmsFake);
const justsend = fakes.get(justsendFake);
const multiinfo = fakes.get(multiinfoFake);
const mobitex = fakes.get(mobitexFake);
const peoplefone = fakes.get(peoplefoneFake);
/** Every provider that sends, with its fake; the generic fake also plays the providers it serves by name. */
const PROVIDERS = FAKES.flatMap((entry) =>
  [entry.provider, ...(entry.alsoServes ?? [])].map((provider) => ({ provider, entry })),
);
const gw: Record<string, string> = {};

beforeAll(async () => {
  await fakes.start();
  t = await startTestApp(FAST_OUTBOUND_ENV);
  admin = await t.login();
  agent = (await createAgent(t, admin, 'Agent', 'agent@test.local')).token;
  for (const { provider, entry } of PROVIDERS) {
    const input = entry.gatewayInput(fakes.get(entry));
    gw[provider] = (
      await createGateway(t, admin, provider === entry.provider ? input : { ...input, name: provider, provider })
    ).id;
  }
  await t.gql(
    `mutation($g: ID!) { updateSettings(input: { defaultSmsGatewayId: $g }) { defaultSmsGateway { id } } }`,
    { g: gw.SMSAPI },
    admin,
  );
});

afterAll(async () => {
  await t?.close();
  await fakes.stop();
});

const newCustomer = (name: string, phone: string) => createCustomer(t, admin, name, phone);

describe('sending from a customer card', () => {
  it.each(PROVIDERS.map((p, i) => ({ ...p, phone: `+485001${String(i + 1).padStart(5, '0')}` })))(
    '$provider: an agent sends; the message is QUEUED, then SENT with the provider id; one SMS at the fake',
    async ({ provider, entry, phone }) => {
      const count = () => entry.sentCount(fakes.get(entry));
      const customerId = await newCustomer(`Customer ${provider}`, phone);
      const before = count();
      const r = await t.gql(
        SEND,
        { i: { customerId, text: 'Zgłoszenie #812 zamknięte', gatewayId: gw[provider] } },
        agent,
      );
      expect(r.errors).toBeUndefined();
      const m = r.data.sendSms;
      expect(m).toMatchObject({
        direction: 'OUTBOUND',
        status: 'QUEUED',
        to: phone,
        encoding: 'UCS2',
        parts: 1,
        gateway: { id: gw[provider] },
      });
      expect(m.ticket).toMatchObject({ status: 'OPEN', queue: { name: 'SMS' }, customer: { id: customerId } });
      const done = await settled(t, agent, m);
      expect(done).toMatchObject({ status: 'SENT', errorCode: null });
      expect(done.sentAt).toBeTruthy();
      if (entry.returnsMessageId) expect(done.providerMessageId).toBeTruthy();
      expect(count()).toBe(before + 1);
      // The conversation lives on the customer's card.
      const card = await t.gql(
        `query($id: ID!) { customer(id: $id) { tickets { id gateway { id } status } } }`,
        { id: customerId },
        agent,
      );
      expect(card.data.customer.tickets).toEqual([{ id: m.ticket.id, gateway: { id: gw[provider] }, status: 'OPEN' }]);
    },
  );

  it('records the cost SMSAPI states, and passes the notify_url pointing at our DLR route', async () => {
    const customerId = await newCustomer('Cost', '+48500100011');
    const m = (await t.gql(SEND, { i: { customerId, text: 'Hello', gatewayId: gw.SMSAPI } }, agent)).data.sendSms;
    const done = await settled(t, agent, m, 'SENT');
    expect(done.cost).toBe(0.16);
    expect(smsapi.sent.at(-1)!.notifyUrl).toBe(
      `https://smsdesk.example.com/panel/tickets/incoming/smsapi/dlr?token=${TEST_WEBHOOK_TOKEN}`,
    );
    // Our idempotency key: random, kept with the message, nothing an outsider could derive from its id.
    const [kept] = await t.sql(`select idempotency_key from message where id = $1`, [m.id]);
    expect(smsapi.sent.at(-1)!.idx).toBe(kept.idempotency_key);
    expect(kept.idempotency_key).toMatch(/^sd[0-9a-f]{32}$/);
  });

  it("joins the customer's open ticket on the same mailbox instead of opening another", async () => {
    const customerId = await newCustomer('Twice', '+48500100012');
    const a = (await t.gql(SEND, { i: { customerId, text: 'One', gatewayId: gw.SMSAPI } }, agent)).data.sendSms;
    const b = (await t.gql(SEND, { i: { customerId, text: 'Two', gatewayId: gw.SMSAPI } }, agent)).data.sendSms;
    expect(b.ticket.id).toBe(a.ticket.id);
    // Another mailbox is another conversation.
    const c = (await t.gql(SEND, { i: { customerId, text: 'Three', gatewayId: gw.MOBITEX } }, agent)).data.sendSms;
    expect(c.ticket.id).not.toBe(a.ticket.id);
  });

  it('a number without a card gets one, named after the number, holding the conversation', async () => {
    const r = await t.gql(SEND, { i: { to: '500 100 013', text: 'Hi', gatewayId: gw.SMSAPI } }, agent);
    expect(r.errors).toBeUndefined();
    expect(r.data.sendSms.to).toBe('+48500100013');
    const [row] = await t.sql(
      `select c.name, c.phone_numbers from customer c join ticket k on k.customer_id = c.id where k.id = $1`,
      [r.data.sendSms.ticket.id],
    );
    expect(row).toEqual({ name: '+48500100013', phone_numbers: ['+48500100013'] });
    // Sending to the same number again finds that card.
    const again = await t.gql(SEND, { i: { to: '+48500100013', text: 'Again' } }, agent);
    expect(again.data.sendSms.ticket.id).toBe(r.data.sendSms.ticket.id);
  });

  it('replaces Polish letters when the mailbox asks for it, staying in GSM-7', async () => {
    await t.gql(
      `mutation($id: ID!) { updateGateway(id: $id, input: { replacePolishDiacritics: true }) { id } }`,
      { id: gw.MOBITEX },
      admin,
    );
    try {
      const customerId = await newCustomer('Diacritics', '+48500100014');
      const m = (await t.gql(SEND, { i: { customerId, text: 'Zażółć gęślą jaźń', gatewayId: gw.MOBITEX } }, agent)).data
        .sendSms;
      expect(m).toMatchObject({ text: 'Zazolc gesla jazn', encoding: 'GSM7', parts: 1 });
      await settled(t, agent, m, 'SENT');
      expect(mobitex.sent.at(-1)).toMatchObject({ text: 'Zazolc gesla jazn', type: 'sms' });
    } finally {
      await t.gql(
        `mutation($id: ID!) { updateGateway(id: $id, input: { replacePolishDiacritics: false }) { id } }`,
        { id: gw.MOBITEX },
        admin,
      );
    }
  });

  it('lets an agent read whether a mailbox replaces Polish letters, and override it for one message', async () => {
    const setReplacing = (on: boolean) =>
      t.gql(
        `mutation($id: ID!, $on: Boolean!) { updateGateway(id: $id, input: { replacePolishDiacritics: $on }) { id } }`,
        { id: gw.MOBITEX, on },
        admin,
      );
    const replacing = async () =>
      (await t.gql(`query($id: ID!) { gateway(id: $id) { replacePolishDiacritics } }`, { id: gw.MOBITEX }, agent)).data
        .gateway.replacePolishDiacritics;
    const text = 'Zażółć gęślą jaźń, '.repeat(4);
    await setReplacing(true);
    try {
      expect(await replacing()).toBe(true);
      const customerId = await newCustomer('Override off', '+48500100091');
      const asTyped = await t.gql(
        SEND,
        { i: { customerId, text, gatewayId: gw.MOBITEX, replacePolishDiacritics: false } },
        agent,
      );
      expect(asTyped.errors).toBeUndefined();
      // 76 characters: UCS-2 takes two parts of 67, where the replaced text would fit one GSM-7 SMS.
      expect(asTyped.data.sendSms).toMatchObject({ text, encoding: 'UCS2', parts: 2 });
      await settled(t, agent, asTyped.data.sendSms, 'SENT');
      expect(mobitex.sent.at(-1)).toMatchObject({ text });
    } finally {
      await setReplacing(false);
    }
    expect(await replacing()).toBe(false);
    const customerId = await newCustomer('Override on', '+48500100092');
    const replaced = await t.gql(
      SEND,
      { i: { customerId, text, gatewayId: gw.MOBITEX, replacePolishDiacritics: true } },
      agent,
    );
    expect(replaced.errors).toBeUndefined();
    expect(replaced.data.sendSms).toMatchObject({ text: 'Zazolc gesla jazn, '.repeat(4), encoding: 'GSM7', parts: 1 });
  });

  it('a long Polish text counts UCS-2 parts and goes as a long SMS (MultiInfo sendsmslong, one id per part)', async () => {
    const customerId = await newCustomer('Long', '+48500100015');
    const m = (await t.gql(SEND, { i: { customerId, text: 'ą'.repeat(100), gatewayId: gw.MULTIINFO } }, agent)).data
      .sendSms;
    expect(m).toMatchObject({ encoding: 'UCS2', parts: 2 });
    const done = await settled(t, agent, m, 'SENT');
    expect(String(done.providerMessageId).split(',')).toHaveLength(2);
    expect(multiinfo.calls('/sendsmslong.aspx').at(-1)!.fields).toMatchObject({ advancedEncoding: 'true' });
  });
});

describe('replying on a ticket', () => {
  it('goes out through the mailbox of the conversation, to the number it is with', async () => {
    const customerId = await newCustomer('Reply', '+48500100016');
    const first = (await t.gql(SEND, { i: { customerId, text: 'Question?', gatewayId: gw.SERWERSMS } }, agent)).data
      .sendSms;
    await settled(t, agent, first, 'SENT');
    const r = await t.gql(REPLY, { t: first.ticket.id, x: 'Follow-up' }, agent);
    expect(r.errors).toBeUndefined();
    expect(r.data.replyToTicket).toMatchObject({
      status: 'QUEUED',
      to: '+48500100016',
      gateway: { id: gw.SERWERSMS },
      ticket: { id: first.ticket.id },
    });
    await settled(t, agent, r.data.replyToTicket, 'SENT');
    expect(serwersms.sent.at(-1)).toMatchObject({ phone: '+48500100016', text: 'Follow-up' });
  });

  it('refuses an unknown ticket, a closed one, and an empty text', async () => {
    expect(codes(await t.gql(REPLY, { t: '999999', x: 'x' }, agent))).toEqual(['NOT_FOUND']);
    const customerId = await newCustomer('Closed', '+48500100017');
    const m = (await t.gql(SEND, { i: { customerId, text: 'x', gatewayId: gw.SMSAPI } }, agent)).data.sendSms;
    const empty = await t.gql(REPLY, { t: m.ticket.id, x: '   ' }, agent);
    expect(empty.errors?.[0].extensions?.violations).toEqual([
      { field: 'text', rule: 'required', message: 'must not be empty' },
    ]);
    await t.sql(`update ticket set status = 'CLOSED' where id = $1`, [m.ticket.id]);
    const closed = await t.gql(REPLY, { t: m.ticket.id, x: 'x' }, agent);
    expect(closed.errors?.[0].message).toMatch(/ticket is closed/);
  });
});

describe('mailbox choice', () => {
  it('uses the default SMS mailbox from the settings when none is given', async () => {
    const r = await t.gql(SEND, { i: { to: '+48500100018', text: 'Default' } }, agent);
    expect(r.data.sendSms.gateway.id).toBe(gw.SMSAPI);
  });

  it('without a default, refuses with the list of mailboxes to choose from', async () => {
    await t.gql(
      `mutation { updateSettings(input: { defaultSmsGatewayId: null }) { id: defaultSmsGateway { id } } }`,
      {},
      admin,
    );
    try {
      const r = await t.gql(SEND, { i: { to: '+48500100019', text: 'Which?' } }, agent);
      expect(codes(r)).toEqual(['BAD_USER_INPUT']);
      expect(r.errors![0].extensions!.violations![0]).toMatchObject({ field: 'gatewayId', rule: 'required' });
      expect(r.errors![0].message).toMatch(
        /choose a mailbox: 10 can send \(.*"SMSAPI".*\) and no default SMS mailbox is set/,
      );
    } finally {
      await t.gql(
        `mutation($g: ID!) { updateSettings(input: { defaultSmsGatewayId: $g }) { defaultSmsGateway { id } } }`,
        { g: gw.SMSAPI },
        admin,
      );
    }
  });

  it('requires a login', async () => {
    expect(codes(await t.gql(SEND, { i: { to: '+48500100020', text: 'x' } }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('delivery reports', () => {
  const dlrBase = () => `${t.url}/panel/tickets/incoming/smsapi/dlr`;
  const dlrUrl = () => `${dlrBase()}?token=${TEST_WEBHOOK_TOKEN}`;

  async function sentViaSmsapi(phone: string) {
    const customerId = await newCustomer(`DLR ${phone}`, phone);
    const m = (await t.gql(SEND, { i: { customerId, text: 'Report me', gatewayId: gw.SMSAPI } }, agent)).data.sendSms;
    return settled(t, agent, m, 'SENT');
  }

  it('SMSAPI: up to five reports per GET; each moves its message forward; the answer is OK', async () => {
    const ms = [];
    for (let i = 0; i < 6; i++) ms.push(await sentViaSmsapi(`+4850020000${i}`));
    const codesFor = [404, 405, 402, 406, 403, 404];
    const answers = await smsapi.pushDlr(
      dlrUrl(),
      ms.map((m, i) => ({ id: String(m.providerMessageId), status: codesFor[i] })),
    );
    expect(answers).toEqual([
      { status: 200, body: 'OK' },
      { status: 200, body: 'OK' },
    ]);
    const got = await Promise.all(ms.map((m) => messageOf(t, agent, (m as any).ticket.id, m.id)));
    expect(got.map((m) => m.status)).toEqual(['DELIVERED', 'UNDELIVERED', 'EXPIRED', 'FAILED', 'SENT', 'DELIVERED']);
    expect(got[1]).toMatchObject({ errorCode: '405 UNDELIVERED', errorMessage: 'SMSAPI reported UNDELIVERED (405)' });
    expect(got[0].deliveredAt).toBeTruthy();
  });

  it('out of order and repeated: a late SENT or a repeated DELIVERED never moves a message back', async () => {
    const m = await sentViaSmsapi('+48500200010');
    const id = String(m.providerMessageId);
    await smsapi.pushDlr(dlrUrl(), [{ id, status: 404 }]);
    await smsapi.pushDlr(dlrUrl(), [{ id, status: 403 }]); // late "sent"
    await smsapi.pushDlr(dlrUrl(), [{ id, status: 405 }]); // contradicting late report
    await smsapi.pushDlr(dlrUrl(), [{ id, status: 404 }]); // repeat
    expect((await messageOf(t, agent, (m as any).ticket.id, m.id)).status).toBe('DELIVERED');
    const events = await t.sql(`select count(*)::int as n from message where id = $1 and status = 'DELIVERED'`, [m.id]);
    expect(events[0].n).toBe(1);
  });

  it("the status machine holds for every write of the column, not only the service's", async () => {
    const m = await sentViaSmsapi('+48500200011');
    await smsapi.pushDlr(dlrUrl(), [{ id: String(m.providerMessageId), status: 404 }]);
    // Straight SQL, as a script or a future code path would write it: a final status does not change.
    for (const back of ['QUEUED', 'SENT', 'FAILED']) {
      const moved = await t.sql(`update message set status = $2 where id = $1 returning id`, [m.id, back]);
      expect(moved, back).toEqual([]);
    }
    expect((await t.sql(`select status from message where id = $1`, [m.id]))[0].status).toBe('DELIVERED');
    // An inbound message has no outbound status to move to.
    const [inbound] = await t.sql(`select id from message where direction = 'INBOUND' limit 1`);
    if (inbound)
      expect(await t.sql(`update message set status = 'SENT' where id = $1 returning id`, [inbound.id])).toEqual([]);
  });

  it('a report for an unknown message is answered OK (and logged), changing nothing', async () => {
    const before = await t.sql(`select id, status from message order by id`);
    const [a] = await smsapi.pushDlr(dlrUrl(), [{ id: '999999999', status: 404 }]);
    expect(a).toEqual({ status: 200, body: 'OK' });
    expect(await t.sql(`select id, status from message order by id`)).toEqual(before);
  });

  it('a mailbox webhook token is carried in notify_url and required on its reports', async () => {
    await t.gql(
      `mutation($id: ID!) { updateGateway(id: $id, input: { webhookToken: "dlr-secret-1" }) { id } }`,
      { id: gw.SMSAPI },
      admin,
    );
    try {
      const m = await sentViaSmsapi('+48500200011');
      const url = smsapi.sent.at(-1)!.notifyUrl!;
      expect(url).toBe(`https://smsdesk.example.com/panel/tickets/incoming/smsapi/dlr?token=dlr-secret-1`);
      const [forged] = await smsapi.pushDlr(`${dlrBase()}?token=not-a-mailbox-token`, [
        { id: String(m.providerMessageId), status: 404 },
      ]);
      expect(forged.status).toBe(403);
      expect((await messageOf(t, agent, (m as any).ticket.id, m.id)).status).toBe('SENT');
      const [real] = await smsapi.pushDlr(`${dlrBase()}?token=dlr-secret-1`, [
        { id: String(m.providerMessageId), status: 404 },
      ]);
      expect(real).toEqual({ status: 200, body: 'OK' });
      expect((await messageOf(t, agent, (m as any).ticket.id, m.id)).status).toBe('DELIVERED');
    } finally {
      await t.gql(
        `mutation($id: ID!, $t: String!) { updateGateway(id: $id, input: { webhookToken: $t }) { id } }`,
        { id: gw.SMSAPI, t: TEST_WEBHOOK_TOKEN },
        admin,
      );
    }
  });

  it.each([
    ['SERWERSMS', (id: string) => serwersms.setStatus(id, 'delivered')],
    ['JUSTSEND', (id: string) => justsend.setState(id, 'delivered')],
    ['MULTIINFO', (id: string) => multiinfo.setStatus(id, 21, 1)],
  ] as const)('%s: the report is polled until final', async (provider, deliver) => {
    const customerId = await newCustomer(`Poll ${provider}`, `+4850030000${provider.length}`);
    const m = (await t.gql(SEND, { i: { customerId, text: 'Poll me', gatewayId: gw[provider] } }, agent)).data.sendSms;
    const sent = await settled(t, agent, m, 'SENT');
    deliver(String(sent.providerMessageId));
    const done = await settled(t, agent, m, 'DELIVERED', 15_000);
    expect(done.deliveredAt).toBeTruthy();
  });

  it('Peoplefone: the status callback (placeholder payload) reaches the message', async () => {
    const customerId = await newCustomer('PF DLR', '+48500300099');
    const m = (await t.gql(SEND, { i: { customerId, text: 'x', gatewayId: gw.PEOPLEFONE } }, agent)).data.sendSms;
    const sent = await settled(t, agent, m, 'SENT');
    // We passed our route as callbackUrl; the fake posts to it — here to the test app's own address.
    const cb = peoplefone.sent.at(-1)!;
    expect(cb.callbackUrl).toBe(
      `https://smsdesk.example.com/panel/tickets/incoming/peoplefone/dlr?token=${TEST_WEBHOOK_TOKEN}`,
    );
    cb.callbackUrl = cb.callbackUrl!.replace('https://smsdesk.example.com', t.url);
    expect(await peoplefone.pushStatus(String(sent.providerMessageId), 'DELIVERED')).toEqual({
      status: 200,
      body: 'OK',
    });
    await settled(t, agent, m, 'DELIVERED');
  });
});

describe('messageStatusChanged', () => {
  it("pushes QUEUED → SENT → DELIVERED of a ticket's message to a subscribed agent, and nothing of other tickets", async () => {
    const customerId = await newCustomer('Live', '+48500400001');
    const first = (await t.gql(SEND, { i: { customerId, text: 'Opening', gatewayId: gw.SMSAPI } }, agent)).data.sendSms;
    await settled(t, agent, first, 'SENT');
    const client = wsClient(t.url, agent);
    const events: { id: string; status: string; text: string }[] = [];
    let failed: unknown;
    client.subscribe(
      {
        query: `subscription($t: ID!) { messageStatusChanged(ticketId: $t) { id status text ticket { id queue { name } customer { name } } } }`,
        variables: { t: first.ticket.id },
      },
      {
        next: (v) => events.push((v.data as any).messageStatusChanged),
        error: (e) => (failed = e),
        complete: () => {},
      },
    );
    try {
      // graphql-ws does not acknowledge a subscription: probe with messages on the ticket until one is heard.
      for (let i = 0; i < 40 && !events.length && !failed; i++) {
        await t.gql(REPLY, { t: first.ticket.id, x: 'probe' }, agent);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(failed).toBeUndefined();
      expect(events[0]).toMatchObject({
        text: 'probe',
        ticket: { id: first.ticket.id, queue: { name: 'SMS' }, customer: { name: 'Live' } },
      });
      // Another ticket's traffic must not show up.
      await t.gql(SEND, { i: { to: '+48500400002', text: 'Elsewhere', gatewayId: gw.SMSAPI } }, agent);
      const reply = (await t.gql(REPLY, { t: first.ticket.id, x: 'Watch me' }, agent)).data.replyToTicket;
      const sent = await settled(t, agent, reply, 'SENT');
      await smsapi.pushDlr(`${t.url}/panel/tickets/incoming/smsapi/dlr?token=${TEST_WEBHOOK_TOKEN}`, [
        { id: String(sent.providerMessageId), status: 404 },
      ]);
      const watched = () => events.filter((e) => e.id === reply.id);
      await waitFor(async () => watched().length >= 3, 'three events');
      await new Promise((r) => setTimeout(r, 200));
      expect(events.every((e) => e.text !== 'Elsewhere')).toBe(true);
      expect(watched().map((e) => [e.id, e.status])).toEqual([
        [reply.id, 'QUEUED'],
        [reply.id, 'SENT'],
        [reply.id, 'DELIVERED'],
      ]);
      // From another instance, a message's SENT (announced after its commit) can arrive after its report
      // (NOTIFYed inside the report's transaction): a late step never shows an older status than a final one.
      await t.sql(`select pg_notify($1, $2)`, [
        EVENTS_CHANNEL,
        JSON.stringify({
          t: 'MESSAGE_STATUS_CHANGED',
          d: { messageId: Number(reply.id), ticketId: Number(first.ticket.id), status: 'SENT' },
        }),
      ]);
      await waitFor(async () => watched().length >= 4, 'the late event');
      expect(watched()[3]).toMatchObject({ id: reply.id, status: 'DELIVERED' });
    } finally {
      await client.dispose();
    }
  });
});
