import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callback } from '../fakes/base';
import { smsapiSms, TEST_WEBHOOK_TOKEN } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import { codes, createAgent, createCustomer, createGateway, ok, violations } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, messageOf, REPLY, SEND, settled } from '../support/outbound';
import { scrape } from '../support/metrics';
import { waitFor } from '../support/wait';
import { subscribe } from '../support/ws';

/*
 * The opt-out registry end to end: customers text STOP/START through a real SMSAPI-shaped webhook, agents
 * send through the API, and the fake SMSAPI shows what actually left. Two instances share the database: A
 * takes requests without a sender (so messages stay queued there), B runs the sender.
 */

let a: TestApp;
let b: TestApp | undefined;
let admin: string;
let agent: string;
let gatewayId: string;
const OUR = '48732100100';
const CONFIRMATION = 'Nie wyślemy już SMS. Wyślij START, aby wrócić.';
const smsapi = new FakeSmsapi();

/** A number of its own per test: the registry is global. */
let n = 100;
const nextNumber = () => `+48500100${String(++n).padStart(3, '0')}`;
const digits = (e164: string) => e164.slice(1);

/** The customer texts `text` from `from` to our number, through instance `on`. */
async function texts(from: string, text: string, on: TestApp = a) {
  const r = await smsapiSms(on.url, { to: OUR, from: digits(from), text, msgId: crypto.randomUUID() });
  expect(r).toMatchObject({ status: 200, body: 'OK' });
}

const OPT_OUT_FIELDS = 'phoneNumber optedOut source reason changedAt gateway { id name } changedBy { name }';
const history = async (phoneNumber: string, token = agent) =>
  ok(
    await a.gql(
      `query($p: String!) { optOutHistory(phoneNumber: $p) { ${OPT_OUT_FIELDS.replace('changedAt', 'createdAt')} } }`,
      { p: phoneNumber },
      token,
    ),
  ).optOutHistory as { optedOut: boolean; source: string; reason: string | null }[];

/** The card of a number, with its opt-outs and its tickets' messages. */
async function card(phone: string) {
  const r = ok(
    await a.gql(
      `query($s: String) { customers(search: $s, first: 1) { edges { node { id optOuts { ${OPT_OUT_FIELDS} }
         tickets(first: 3) { id queue { id } optOut { phoneNumber source } messages(first: 10) { id direction status text errorCode } } } } } }`,
      { s: phone },
      agent,
    ),
  );
  return r.customers.edges[0]?.node;
}

const sendTo = (to: string, token = agent) => a.gql(SEND, { i: { to, text: 'Hello', gatewayId } }, token);
const sentTo = (to: string) => smsapi.sent.filter((s) => s.to.replace(/^\+/, '') === digits(to));

beforeAll(async () => {
  await smsapi.start();
  a = await startTestApp(FAST_OUTBOUND_ENV, { app: { worker: false } });
  admin = await a.login();
  agent = (await createAgent(a, admin, 'Agata Agent')).token;
  gatewayId = (
    await createGateway(a, admin, {
      name: 'SMSAPI main',
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'Helpdesk',
      apiBaseUrl: smsapi.url,
      destinationNumber: OUR,
      incomingActive: true,
      optOutConfirmation: CONFIRMATION,
    })
  ).id;
});

afterAll(async () => {
  await b?.close();
  await a?.close();
  await smsapi.stop();
});

describe('STOP by keyword', () => {
  it('fails a message queued before the opt-out without calling the provider, and sends the confirmation once', async () => {
    const customer = nextNumber();
    // Queued on A, which has no sender: it waits in the table.
    const queued = ok(await sendTo(customer)).sendSms;
    expect(queued.status).toBe('QUEUED');

    await texts(customer, '  Stop! ');
    await texts(customer, 'STOP'); // again: no second opt-out, no second confirmation
    const statuses = await subscribe(
      a,
      agent,
      `subscription($t: ID!) { messageStatusChanged(ticketId: $t) { id status errorCode } }`,
      { t: queued.ticket.id },
    );

    // B's sender claims both waiting messages: the confirmation goes out, the earlier message does not.
    b = await startTestApp(FAST_OUTBOUND_ENV, { on: { dbUrl: a.dbUrl, key: a.key } });
    const failed = await settled(a, agent, queued, 'FAILED');
    // Announced through the status machine, from B to A's subscriber.
    const events = (await statuses.take(2)).map((e) => e.messageStatusChanged);
    expect(events).toContainEqual({ id: queued.id, status: 'FAILED', errorCode: 'OPTED_OUT' });
    await statuses.close();
    expect(failed.errorCode).toBe('OPTED_OUT');
    expect(failed.errorMessage).toMatch(/not sent: the recipient opted out of SMS on .* by texting "STOP"/);
    await waitFor(() => sentTo(customer).length === 1, 'the confirmation');
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(customer).map((s) => s.message)).toEqual([CONFIRMATION]);

    // The keyword messages are ordinary messages on the ticket, the confirmation follows the first one.
    const c = await card(customer);
    const msgs = c.tickets.flatMap((t: { messages: unknown[] }) => t.messages);
    expect(
      msgs.filter((m: { direction: string }) => m.direction === 'INBOUND').map((m: { text: string }) => m.text),
    ).toEqual(['  Stop! ', 'STOP']);
    expect(msgs.filter((m: { text: string }) => m.text === CONFIRMATION)).toHaveLength(1);
    expect(c.optOuts).toEqual([
      expect.objectContaining({
        phoneNumber: customer,
        optedOut: true,
        source: 'KEYWORD',
        reason: 'STOP',
        gateway: { id: gatewayId, name: 'SMSAPI main' },
        changedBy: null,
      }),
    ]);
    expect(await history(customer)).toHaveLength(1);
  });

  it('refuses sendSms and replyToTicket with OPTED_OUT, naming when and how; the ticket and card show it', async () => {
    const customer = nextNumber();
    const customerId = await createCustomer(a, agent, 'Jan Kowalski', customer);
    await texts(customer, 'rezygnuję');
    await texts(customer, 'Rezygnuje.'); // no diacritics, other case: the same keyword
    const byNumber = await sendTo(customer);
    expect(codes(byNumber)).toEqual(['OPTED_OUT']);
    const err = byNumber.errors![0] as { message: string; extensions: Record<string, unknown> };
    expect(err.message).toMatch(new RegExp(`^\\${customer} opted out of SMS on \\d{4}-.* by texting "REZYGNUJĘ"`));
    expect(err.extensions).toMatchObject({ phoneNumber: customer, optOutSource: 'KEYWORD' });
    expect(Date.now() - new Date(String(err.extensions.optedOutAt)).getTime()).toBeLessThan(60_000);
    expect(codes(await a.gql(SEND, { i: { customerId, text: 'Hi', gatewayId } }, agent))).toEqual(['OPTED_OUT']);

    const c = await card(customer);
    expect(c.id).toBe(customerId);
    const ticket = c.tickets[0];
    expect(ticket.optOut).toEqual({ phoneNumber: customer, source: 'KEYWORD' });
    expect(codes(await a.gql(REPLY, { t: ticket.id, x: 'Hi' }, agent))).toEqual(['OPTED_OUT']);
    expect(sentTo(customer).map((s) => s.message)).toEqual([CONFIRMATION]);
    expect(await history(customer)).toHaveLength(1);
  });

  it('START opts the number back in; sending works again and the history keeps both changes', async () => {
    const customer = nextNumber();
    const count = async (to: string) =>
      (await scrape(a.url)).value('smsdesk_opt_out_changes_total', { source: 'KEYWORD', to });
    const [outs, ins] = [await count('out'), await count('in')];
    await texts(customer, 'WYPISZ');
    await texts(customer, 'start.');
    expect((await card(customer)).optOuts).toEqual([]);
    // Metrics count each change by its source and direction.
    expect([(await count('out')) - outs, (await count('in')) - ins]).toEqual([1, 1]);
    const m = ok(await sendTo(customer)).sendSms;
    await settled(a, agent, m, 'SENT');
    expect(await history(customer)).toEqual([
      expect.objectContaining({ optedOut: false, source: 'KEYWORD', reason: 'START' }),
      expect.objectContaining({ optedOut: true, source: 'KEYWORD', reason: 'WYPISZ' }),
    ]);
  });

  it('counts only whole-message keywords', async () => {
    const customer = nextNumber();
    for (const text of ['stop calling me at work', 'Nie', 'STOP STOP', 'unsubscribe me']) await texts(customer, text);
    expect(await history(customer)).toEqual([]);
    const m = ok(await sendTo(customer)).sendSms;
    expect((await settled(a, agent, m)).status).toBe('SENT');
  });
});

describe('manual changes', () => {
  const SET = `mutation($p: String!, $o: Boolean!, $r: String!) { setOptOut(phoneNumber: $p, optedOut: $o, reason: $r) { ${OPT_OUT_FIELDS} } }`;

  it('an agent opts a number out and back in with a reason; both are kept', async () => {
    const customer = nextNumber();
    const out = ok(await a.gql(SET, { p: digits(customer).slice(2), o: true, r: 'Asked by phone' }, agent)).setOptOut;
    expect(out).toMatchObject({
      phoneNumber: customer,
      optedOut: true,
      source: 'MANUAL',
      reason: 'Asked by phone',
      changedBy: { name: 'Agata Agent' },
      gateway: null,
    });
    const refused = await sendTo(customer);
    expect(codes(refused)).toEqual(['OPTED_OUT']);
    expect(refused.errors![0].message).toContain('by hand ("Asked by phone")');
    ok(await a.gql(SET, { p: customer, o: false, r: 'Consent given in writing' }, admin));
    expect(ok(await sendTo(customer)).sendSms.status).toBe('QUEUED');
    expect(await history(customer, admin)).toEqual([
      expect.objectContaining({ optedOut: false, source: 'MANUAL', reason: 'Consent given in writing' }),
      expect.objectContaining({ optedOut: true, source: 'MANUAL', reason: 'Asked by phone' }),
    ]);
  });

  it("pushes ticketUpdated with the ticket's opt-out to views of its queue", async () => {
    const customer = nextNumber();
    await texts(customer, 'Hello, a question');
    const { tickets } = await card(customer);
    const sub = await subscribe(
      a,
      agent,
      `subscription($q: ID!) { ticketUpdated(queueId: $q) { id optOut { source reason } } }`,
      {
        q: tickets[0].queue.id,
      },
    );
    ok(await a.gql(SET, { p: customer, o: true, r: 'Complained by e-mail' }, agent));
    const [e] = await sub.take(1);
    expect(e.ticketUpdated).toEqual({
      id: tickets[0].id,
      optOut: { source: 'MANUAL', reason: 'Complained by e-mail' },
    });
    await sub.close();
  });

  it('refuses a bad number or a missing reason, naming the field, and writes nothing', async () => {
    const bad = await a.gql(SET, { p: 'call me', o: true, r: 'x' }, agent);
    expect(violations(bad)).toEqual([expect.objectContaining({ field: 'phoneNumber', rule: 'phoneNumber' })]);
    const customer = nextNumber();
    const noReason = await a.gql(SET, { p: customer, o: true, r: '  ' }, agent);
    expect(violations(noReason)).toEqual([expect.objectContaining({ field: 'reason', rule: 'required' })]);
    expect(await history(customer)).toEqual([]);
    expect(codes(await a.gql(SET, { p: customer, o: true, r: 'x' }))).toEqual(['UNAUTHENTICATED']);
  });
});

describe('keyword lists in settings', () => {
  const UPDATE = `mutation($i: SettingsInput!) { updateSettings(input: $i) { optOutKeywords optInKeywords } }`;

  it('are validated, admins only', async () => {
    expect(codes(await a.gql(UPDATE, { i: { optOutKeywords: ['KONIEC'] } }, agent))).toEqual(['FORBIDDEN']);
    const r = await a.gql(
      UPDATE,
      { i: { optOutKeywords: ['KONIEC', ' '], optInKeywords: ['START', 'koniec!'] } },
      admin,
    );
    expect(violations(r).map((v) => [v.field, v.rule])).toEqual([
      ['input.optOutKeywords[1]', 'required'],
      ['input.optInKeywords[1]', 'overlap'],
    ]);
    expect(ok(await a.gql(`{ settings { optOutKeywords optInKeywords } }`, {}, agent)).settings).toEqual({
      optOutKeywords: ['STOP', 'STOP ALL', 'UNSUBSCRIBE', 'REZYGNUJĘ', 'WYPISZ'],
      optInKeywords: ['START', 'SUBSCRIBE'],
    });
  });

  it('a change made on one instance holds on the other at once', async () => {
    const inst = b!;
    // B has read the lists already (its copy is warm).
    const warm = nextNumber();
    await texts(warm, 'STOP', inst);
    expect(await history(warm)).toHaveLength(1);

    ok(await a.gql(UPDATE, { i: { optOutKeywords: ['Koniec'], optInKeywords: ['Wracam'] } }, admin));
    const customer = nextNumber();
    await waitFor(
      async () => {
        await texts(customer, 'KONIEC!', inst);
        return (await history(customer)).length > 0;
      },
      'instance B to know the new keyword',
      5_000,
    );
    // STOP is an ordinary message now, on both instances.
    const other = nextNumber();
    await texts(other, 'STOP', inst);
    await texts(other, 'STOP', a);
    expect(await history(other)).toEqual([]);
    await texts(customer, 'wracam', inst);
    expect((await history(customer))[0]).toMatchObject({ optedOut: false, reason: 'Wracam' });

    ok(
      await a.gql(
        UPDATE,
        { i: { optOutKeywords: ['STOP', 'STOP ALL', 'UNSUBSCRIBE', 'REZYGNUJĘ', 'WYPISZ'], optInKeywords: ['START'] } },
        admin,
      ),
    );
  });
});

describe('provider reports and test SMS', () => {
  it("SMSAPI's 412 STOP report opts the number out", async () => {
    const customer = nextNumber();
    const queued = ok(await sendTo(customer)).sendSms;
    const m = await settled(a, agent, queued, 'SENT');
    const u = new URL(`${a.url}/panel/tickets/incoming/smsapi/dlr`);
    u.searchParams.set('token', TEST_WEBHOOK_TOKEN);
    u.searchParams.set('MsgId', String(m.providerMessageId));
    u.searchParams.set('status', '412');
    u.searchParams.set('status_name', 'STOP');
    u.searchParams.set('donedate', String(Math.floor(Date.now() / 1000)));
    expect(await callback(u.toString())).toEqual({ status: 200, body: 'OK' });
    expect(await history(customer)).toEqual([
      expect.objectContaining({ optedOut: true, source: 'PROVIDER_REPORT', reason: expect.stringContaining('412') }),
    ]);
    const refused = await sendTo(customer);
    expect(codes(refused)).toEqual(['OPTED_OUT']);
    expect(refused.errors![0].message).toContain('as the provider reported through mailbox "SMSAPI main"');
    expect((await messageOf(a, agent, queued.ticket.id, m.id)).status).toBe('UNDELIVERED');
  });

  it("testGateway's test SMS to an opted-out number is refused and nothing is sent", async () => {
    const customer = nextNumber();
    await texts(customer, 'STOP ALL');
    await waitFor(() => sentTo(customer).length === 1, 'the confirmation');
    const r = await a.gql(
      `mutation($id: ID!, $to: String) { testGateway(id: $id, sendTestSmsTo: $to) { ok } }`,
      { id: gatewayId, to: customer },
      admin,
    );
    expect(codes(r)).toEqual(['OPTED_OUT']);
    await new Promise((r) => setTimeout(r, 200));
    expect(sentTo(customer).map((s) => s.message)).toEqual([CONFIRMATION]);
  });
});

describe('mailbox confirmation text', () => {
  it('is optional and must fit in two SMS parts', async () => {
    const UPDATE = `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { optOutConfirmation } }`;
    const long = await a.gql(UPDATE, { id: gatewayId, i: { optOutConfirmation: 'ą'.repeat(150) } }, admin);
    expect(violations(long)).toEqual([expect.objectContaining({ field: 'optOutConfirmation', rule: 'maxParts' })]);
    expect(ok(await a.gql(UPDATE, { id: gatewayId, i: { optOutConfirmation: '' } }, admin)).updateGateway).toEqual({
      optOutConfirmation: null,
    });
    const customer = nextNumber();
    await texts(customer, 'STOP');
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo(customer)).toEqual([]);
    expect((await card(customer)).optOuts).toHaveLength(1);
  });
});
