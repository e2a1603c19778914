import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, createAgent, createGateway, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { dotpayForward, genericHttp, peoplefoneMt, serwersmsFromTemplate, smsapiSms } from '../fakes/push/providers';
import { push } from '../fakes/push/http';

/*
 * Routing and refusals: every rejection reason with the provider's refusal answer and an inbound event,
 * the IP allow list (CIDR) with the trusted-proxy rule, webhook tokens, replay, and the other pushing
 * providers (SerwerSMS template, Dotpay, Peoplefone, generic HTTP, one without push).
 * This app trusts 127.0.0.1 as a proxy; requests from 127.0.0.2 play a client that is not a proxy.
 */

let t: TestApp;
let admin: string;
const EVENTS = `query($g: ID, $o: InboundOutcome, $first: Int, $after: String) {
  inboundEvents(gatewayId: $g, outcome: $o, first: $first, after: $after) {
    edges { cursor node { id provider gateway { id name } remoteIp outcome reasonCode reason receivedAt method path payload messageIds replayOfId replayedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const lastEvent = async () => (await t.sql(`select * from inbound_event order by id desc limit 1`))[0];
const counts = () =>
  t.sql(
    `select (select count(*) from message)::int m, (select count(*) from customer)::int c, (select count(*) from ticket)::int t, (select count(*) from notification)::int n`,
  );

beforeAll(async () => {
  t = await startTestApp({ TRUSTED_PROXIES: '127.0.0.1' });
  admin = await t.login();
  await createAgent(t, admin, 'Routing Agent');
});
afterAll(() => t?.close());

describe('refusals', () => {
  it('refuses a number no mailbox has, with the refusal answer and a NO_MAILBOX event', async () => {
    const before = await counts();
    const r = await smsapiSms(t.url, { to: '48739000000', from: '48500600700', text: 'Halo', msgId: 'R-1' });
    expect(r).toMatchObject({ status: 403, body: 'ERROR' });
    const ev = await lastEvent();
    expect(ev).toMatchObject({ outcome: 'REJECTED', reason_code: 'NO_MAILBOX', gateway_id: null, provider: 'SMSAPI' });
    expect(ev.reason).toContain('48739000000');
    expect(await counts()).toEqual(before);
  });

  it('refuses a mailbox with incoming switched off (INCOMING_INACTIVE), then accepts a replay once it is on', async () => {
    const g = await createGateway(t, admin, {
      name: 'Off',
      provider: 'SMSAPI',
      password: 'tok-off-1',
      destinationNumber: '+48739000001',
      incomingActive: false,
    });
    const before = await counts();
    const r = await smsapiSms(t.url, {
      to: '48739000001',
      from: '48500600701',
      text: 'Czy ktoś tam jest?',
      msgId: 'R-2',
    });
    expect(r.status).toBe(403);
    const ev = await lastEvent();
    expect(ev).toMatchObject({ outcome: 'REJECTED', reason_code: 'INCOMING_INACTIVE', gateway_id: Number(g.id) });
    expect(await counts()).toEqual(before);

    // An agent may not replay, and an admin may not replay before fixing the mailbox (refused again).
    const agent = await createAgent(t, admin);
    expect(
      codes(
        await t.gql(`mutation($id: ID!) { replayInboundEvent(id: $id) { id } }`, { id: String(ev.id) }, agent.token),
      ),
    ).toEqual(['FORBIDDEN']);
    const again = ok(
      await t.gql(
        `mutation($id: ID!) { replayInboundEvent(id: $id) { id outcome reasonCode replayOfId } }`,
        { id: String(ev.id) },
        admin,
      ),
    ).replayInboundEvent;
    expect(again).toMatchObject({ outcome: 'REJECTED', reasonCode: 'INCOMING_INACTIVE', replayOfId: String(ev.id) });

    ok(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { id } }`,
        { id: g.id, i: { incomingActive: true } },
        admin,
      ),
    );
    const replayed = ok(
      await t.gql(
        `mutation($id: ID!) { replayInboundEvent(id: $id) { id outcome reasonCode messageIds gateway { id } replayOfId } }`,
        { id: String(ev.id) },
        admin,
      ),
    ).replayInboundEvent;
    expect(replayed).toMatchObject({
      outcome: 'ACCEPTED',
      reasonCode: null,
      gateway: { id: g.id },
      replayOfId: String(ev.id),
    });
    const [m] = await t.sql(`select id, text, from_address from message where provider_message_id = 'R-2'`);
    expect(m).toMatchObject({ text: 'Czy ktoś tam jest?', from_address: '+48500600701' });
    expect(replayed.messageIds).toEqual([String(m.id)]);
    expect((await t.sql(`select replayed_at from inbound_event where id = $1`, [ev.id]))[0].replayed_at).not.toBeNull();
    // Replaying twice stores nothing twice; an accepted event cannot be replayed.
    const twice = ok(
      await t.gql(`mutation($id: ID!) { replayInboundEvent(id: $id) { outcome } }`, { id: String(ev.id) }, admin),
    ).replayInboundEvent;
    expect(twice.outcome).toBe('DUPLICATE');
    expect(
      codes(await t.gql(`mutation($id: ID!) { replayInboundEvent(id: $id) { id } }`, { id: replayed.id }, admin)),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('checks the webhook token (query parameter or X-Webhook-Token) and masks it in the log', async () => {
    const g = await createGateway(t, admin, {
      name: 'With token',
      provider: 'SMSAPI',
      password: 'tok-tok-1',
      destinationNumber: '+48739000002',
      incomingActive: true,
      webhookToken: 'secret-token-1',
    });
    const sms = { to: '48739000002', from: '48500600702', text: 'Token?' };
    expect((await smsapiSms(t.url, { ...sms, msgId: 'T-1' }, { token: '' })).status).toBe(403);
    expect(await lastEvent()).toMatchObject({ reason_code: 'BAD_TOKEN', gateway_id: Number(g.id) });
    expect((await smsapiSms(t.url, { ...sms, msgId: 'T-2' }, { token: 'wrong-token-9' })).status).toBe(403);
    const wrong = await lastEvent();
    expect(wrong).toMatchObject({ reason_code: 'BAD_TOKEN' });
    expect(wrong.payload.query).toEqual({ token: '***' });
    expect(JSON.stringify(wrong.payload)).not.toContain('wrong-token-9');
    expect(await smsapiSms(t.url, { ...sms, msgId: 'T-3' }, { token: 'secret-token-1' })).toMatchObject({
      status: 200,
      body: 'OK',
    });
    expect(
      await smsapiSms(t.url, { ...sms, msgId: 'T-4' }, { token: '', headers: { 'x-webhook-token': 'secret-token-1' } }),
    ).toMatchObject({ status: 200, body: 'OK' });
    expect(
      await t.sql(`select provider_message_id from message where provider_message_id like 'T-%' order by 1`),
    ).toEqual([{ provider_message_id: 'T-3' }, { provider_message_id: 'T-4' }]);
    const api = ok(await t.gql(EVENTS, { g: g.id, first: 10 }, admin)).inboundEvents.edges.map((e: any) => e.node);
    expect(JSON.stringify(api)).not.toContain('secret-token-1');
    expect(JSON.stringify(api)).not.toContain('wrong-token-9');

    // The admin fixes the token to the one the provider was given: replaying the refused request works.
    ok(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { id } }`,
        { id: g.id, i: { webhookToken: 'wrong-token-9' } },
        admin,
      ),
    );
    const replayed = ok(
      await t.gql(`mutation($id: ID!) { replayInboundEvent(id: $id) { outcome } }`, { id: String(wrong.id) }, admin),
    ).replayInboundEvent;
    expect(replayed.outcome).toBe('ACCEPTED');
  });
});

describe('IP allow list and trusted proxies', () => {
  let gatewayId: string;
  beforeAll(async () => {
    gatewayId = (
      await createGateway(t, admin, {
        name: 'IP locked',
        provider: 'SMSAPI',
        password: 'tok-ip-1',
        destinationNumber: '+48739000003',
        incomingActive: true,
        allowedIps: ['203.0.113.0/24', '2001:db8::/32'],
      })
    ).id;
  });
  const sms = (msgId: string) => ({ to: '48739000003', from: '48500600703', text: `IP ${msgId}`, msgId });

  it('refuses a peer outside the list, and ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const r = await smsapiSms(t.url, sms('IP-1'), {
      localAddress: '127.0.0.2',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(r).toMatchObject({ status: 403, body: 'ERROR' });
    expect(await lastEvent()).toMatchObject({
      reason_code: 'IP_NOT_ALLOWED',
      remote_ip: '127.0.0.2',
      gateway_id: Number(gatewayId),
    });
  });

  it('believes X-Forwarded-For from the trusted proxy: a client inside the CIDR range is accepted', async () => {
    expect(await smsapiSms(t.url, sms('IP-2'), { headers: { 'x-forwarded-for': '203.0.113.7' } })).toMatchObject({
      status: 200,
      body: 'OK',
    });
    expect(await lastEvent()).toMatchObject({ outcome: 'ACCEPTED', remote_ip: '203.0.113.7' });
    // Through two trusted hops the client is the first untrusted address from the right.
    expect(
      (await smsapiSms(t.url, sms('IP-3'), { headers: { 'x-forwarded-for': '203.0.113.8, 127.0.0.1' } })).status,
    ).toBe(200);
    expect(await lastEvent()).toMatchObject({ remote_ip: '203.0.113.8' });
    expect((await smsapiSms(t.url, sms('IP-4'), { headers: { 'x-forwarded-for': '2001:db8::5' } })).status).toBe(200);
  });

  it('is not fooled by a client that writes an allowed address into X-Forwarded-For itself', async () => {
    // The proxy appends the real client (198.51.100.9) after the forged entry.
    const r = await smsapiSms(t.url, sms('IP-5'), { headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.9' } });
    expect(r.status).toBe(403);
    expect(await lastEvent()).toMatchObject({ reason_code: 'IP_NOT_ALLOWED', remote_ip: '198.51.100.9' });
    expect((await smsapiSms(t.url, sms('IP-6'), { headers: { 'x-forwarded-for': 'not-an-ip' } })).status).toBe(403);
    expect(
      await t.sql(`select provider_message_id from message where provider_message_id like 'IP-%' order by 1`),
    ).toEqual(['IP-2', 'IP-3', 'IP-4'].map((provider_message_id) => ({ provider_message_id })));
  });
});

describe('inbound event log API', () => {
  it('lists events newest first for admins, filtered by mailbox and outcome, pages with cursors, and hides them from agents', async () => {
    const all = ok(await t.gql(EVENTS, { first: 3 }, admin)).inboundEvents;
    expect(all.edges).toHaveLength(3);
    expect(Number(all.edges[0].node.id)).toBeGreaterThan(Number(all.edges[1].node.id));
    expect(all.pageInfo.hasNextPage).toBe(true);
    const next = ok(await t.gql(EVENTS, { first: 3, after: all.pageInfo.endCursor }, admin)).inboundEvents;
    expect(Number(next.edges[0].node.id)).toBeLessThan(Number(all.edges[2].node.id));
    const rejected = ok(await t.gql(EVENTS, { o: 'REJECTED', first: 50 }, admin)).inboundEvents.edges.map(
      (e: any) => e.node,
    );
    expect(rejected.length).toBeGreaterThan(3);
    expect(rejected.every((e: any) => e.outcome === 'REJECTED' && e.reason)).toBe(true);
    const e = rejected.find((x: any) => x.reasonCode === 'IP_NOT_ALLOWED');
    expect(e).toMatchObject({
      provider: 'SMSAPI',
      method: 'POST',
      path: '/panel/tickets/incoming/smsapi',
      gateway: { name: 'IP locked' },
    });
    expect(JSON.parse(e.payload).body).toMatchObject({ sms_to: '48739000003' });
    const agent = await createAgent(t, admin);
    expect(codes(await t.gql(EVENTS, { first: 3 }, agent.token))).toEqual(['FORBIDDEN']);
  });
});

describe('other pushing providers', () => {
  it('SerwerSMS: webhookUrl is the template with our number fixed; SerwerSMS filling it in delivers the SMS', async () => {
    const g = await createGateway(t, admin, {
      name: 'SerwerSMS NDI',
      provider: 'SERWERSMS',
      password: 'api-token-1',
      destinationNumber: '+48 739 000 004',
      incomingActive: true,
      webhookToken: 'serwer-token-1',
    });
    expect(g.webhookUrl).toBe(
      'https://smsdesk.example.com/panel/tickets/incoming/serwersms?ournumber=48739000004&token=serwer-token-1&numer=#NUMER#&wiadomosc=#WIADOMOSC#&data=#DATA#&id=#ID#',
    );
    const template = g.webhookUrl!.replace('https://smsdesk.example.com', t.url);
    const r = await serwersmsFromTemplate(
      template,
      { from: '48500600704', text: 'Dziękuję & pozdrawiam', date: '2024-05-29 12:20:34', id: '303023' },
      { replaceToken: 'serwer-token-1' },
    );
    expect(r).toMatchObject({ status: 200, body: 'OK' });
    const [m] = await t.sql(`select * from message where gateway_id = $1`, [g.id]);
    expect(m).toMatchObject({
      from_address: '+48500600704',
      to_address: '+48739000004',
      text: 'Dziękuję & pozdrawiam',
      provider_message_id: '303023',
    });
    // 12:20:34 in Warsaw on 29 May (CEST, UTC+2).
    expect(m.provider_timestamp.toISOString()).toBe('2024-05-29T10:20:34.000Z');
    // A placeholder SerwerSMS does not fill (no #ID# here): dedupe falls back to the hash.
    expect(
      (
        await serwersmsFromTemplate(
          template,
          { from: '48500600704', text: 'Bez id', date: '2024-05-29 12:21:00' },
          { replaceToken: 'serwer-token-1' },
        )
      ).body,
    ).toBe('OK');
    expect(
      (
        await serwersmsFromTemplate(
          template,
          { from: '48500600704', text: 'Bez id', date: '2024-05-29 12:21:00' },
          { replaceToken: 'serwer-token-1' },
        )
      ).body,
    ).toBe('OK');
    const noId = await t.sql(
      `select provider_message_id, dedupe_key from message where gateway_id = $1 and text = 'Bez id'`,
      [g.id],
    );
    expect(noId).toHaveLength(1);
    expect(noId[0].provider_message_id).toBeNull();
    // A template pasted with the Premium names and parameter spellings, filled as SerwerSMS fills those.
    const premium = template
      .replace('numer=#NUMER#&wiadomosc=#WIADOMOSC#', 'z_numeru=#NUMEROD#&tresc=#WIADOMOSC#')
      .replace('id=#ID#', 'idsms=#IDSMS#');
    expect(
      await serwersmsFromTemplate(
        premium,
        { from: '48500600705', text: 'Premium', date: '2024-05-29 12:22:00', id: '303024' },
        { replaceToken: 'serwer-token-1', kind: 'premium' },
      ),
    ).toMatchObject({ status: 200, body: 'OK' });
    expect(
      await t.sql(`select from_address, provider_message_id from message where gateway_id = $1 and text = 'Premium'`, [
        g.id,
      ]),
    ).toEqual([{ from_address: '+48500600705', provider_message_id: '303024' }]);
  });

  it('Dotpay: a forward with a valid md5 to the premium short number is stored; a bad signature is refused with FAIL', async () => {
    const g = await createGateway(t, admin, {
      name: 'Dotpay premium',
      provider: 'DOTPAY',
      login: '123456',
      password: 'PIN-9',
      destinationNumber: '7255',
      incomingActive: true,
    });
    const f = {
      fulltext: 'AP.ACME Prosze o kontakt',
      text: 'Prosze o kontakt',
      ident: '98765432',
      service: 'ACME',
      number: '7255',
      sender: '48600000001',
      code: 'ACME',
      date: '2014-05-10 12:30:00',
    };
    expect(await dotpayForward(t.url, f, '123456', 'PIN-9', { badSignature: true })).toMatchObject({
      status: 200,
      body: 'FAIL',
    });
    const ev = await lastEvent();
    expect(ev).toMatchObject({ reason_code: 'BAD_SIGNATURE', gateway_id: Number(g.id) });
    expect(ev.payload.body.md5).toBe('***');
    expect(await dotpayForward(t.url, f, '123456', 'PIN-9')).toMatchObject({ status: 200, body: 'OK' });
    const [m] = await t.sql(
      `select from_address, to_address, text, provider_message_id from message where gateway_id = $1`,
      [g.id],
    );
    expect(m).toEqual({
      from_address: '+48600000001',
      to_address: '7255',
      text: 'AP.ACME Prosze o kontakt',
      provider_message_id: '98765432',
    });
  });

  it('Peoplefone: the JSON callback is stored, and a refusal is still a 200 (Peoplefone drops hooks that fail)', async () => {
    const g = await createGateway(t, admin, {
      name: 'Peoplefone CH',
      provider: 'PEOPLEFONE',
      password: 'pf-key-1',
      destinationNumber: '+41 44 123 45 67',
      prefixesToRemove: [],
      incomingActive: true,
    });
    const r = await peoplefoneMt(t.url, {
      from: '+41791234567',
      to: '+41441234567',
      text: 'Danke, erledigt.',
      receivedAt: '2026-01-15T09:14:00Z',
    });
    expect(r).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    const [m] = await t.sql(`select from_address, text, provider_timestamp from message where gateway_id = $1`, [g.id]);
    expect(m).toMatchObject({ from_address: '+41791234567', text: 'Danke, erledigt.' });
    const refused = await peoplefoneMt(t.url, { from: '+41791234567', to: '+41440000000', text: 'x' });
    expect(refused).toMatchObject({ status: 200, body: '{"status":"refused"}' });
  });

  it('GENERIC_HTTP: the admin field mapping reads a nested JSON body and the reply body is the configured one', async () => {
    const g = await createGateway(t, admin, {
      name: 'Generic',
      provider: 'GENERIC_HTTP',
      destinationNumber: '+48739000005',
      incomingActive: true,
      genericHttp: {
        method: 'POST',
        urlTemplate: 'https://sms.example.net/send?to={to}&text={text}',
        inboundFromField: 'msg.sender',
        inboundToField: 'msg.recipient',
        inboundTextField: 'msg.body',
        inboundIdField: 'msg.id',
        inboundTimestampField: 'msg.ts',
        inboundReplyBody: 'ACK',
      },
    });
    const body = {
      msg: { sender: '+48500600705', recipient: '48739000005', body: 'Generic hello', id: 'G-1', ts: 1717001234 },
    };
    expect(await genericHttp(t.url, 'generic_http', { json: body })).toMatchObject({ status: 200, body: 'ACK' });
    const [m] = await t.sql(`select from_address, text, provider_message_id from message where gateway_id = $1`, [
      g.id,
    ]);
    expect(m).toEqual({ from_address: '+48500600705', text: 'Generic hello', provider_message_id: 'G-1' });
    // The mapped fields are missing: malformed, 400.
    expect((await genericHttp(t.url, 'generic_http', { form: { from: '1', to: '2' } })).status).toBe(400);
    expect(await lastEvent()).toMatchObject({ outcome: 'MALFORMED' });
  });

  it('a provider without inbound push (Mobitex) is logged and answered 404; an unknown path is a plain 404', async () => {
    expect((await push(`${t.url}/panel/tickets/incoming/mobitex`, { form: { a: '1' } })).status).toBe(404);
    expect(await lastEvent()).toMatchObject({ provider: 'MOBITEX', outcome: 'REJECTED', reason_code: 'UNSUPPORTED' });
    expect((await push(`${t.url}/panel/tickets/incoming/nosuch`, { form: { a: '1' } })).status).toBe(404);
  });
});

describe('failures', () => {
  it('answers 503 and stores nothing when the transaction fails, so the provider retries; the retry then succeeds', async () => {
    const g = await createGateway(t, admin, {
      name: 'Fragile',
      provider: 'SMSAPI',
      password: 'tok-fr-1',
      destinationNumber: '+48739000006',
      incomingActive: true,
    });
    const before = await counts();
    await t.sql(`alter table notification rename to notification_away`);
    let r;
    try {
      r = await smsapiSms(t.url, { to: '48739000006', from: '48500600706', text: 'Retry me', msgId: 'F-1' });
    } finally {
      await t.sql(`alter table notification_away rename to notification`);
    }
    expect(r.status).toBe(503);
    expect(await counts()).toEqual(before);
    expect(await lastEvent()).toMatchObject({
      outcome: 'FAILED',
      reason_code: 'STORE_FAILED',
      gateway_id: Number(g.id),
    });
    expect(
      await smsapiSms(t.url, { to: '48739000006', from: '48500600706', text: 'Retry me', msgId: 'F-1' }),
    ).toMatchObject({ status: 200, body: 'OK' });
    expect(await t.sql(`select count(*)::int n from message where provider_message_id = 'F-1'`)).toEqual([{ n: 1 }]);
  });

  it('answers 503 when the database cannot be reached at all', async () => {
    // A second instance whose database connections are gone (its pool closed), webhook and all.
    const t2 = await startTestApp();
    try {
      const token = await t2.login();
      await createGateway(t2, token, {
        name: 'Down',
        provider: 'SMSAPI',
        password: 'tok-dn-1',
        destinationNumber: '+48739000007',
        incomingActive: true,
      });
      await t2.orm.close(true);
      const r = await smsapiSms(t2.url, { to: '48739000007', from: '48500600707', text: 'Down', msgId: 'F-2' });
      expect(r.status).toBe(503);
      expect(r.body).not.toBe('OK');
    } finally {
      await t2.close().catch(() => {});
    }
  });
});
