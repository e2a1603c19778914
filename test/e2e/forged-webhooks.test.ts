import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSet } from '../fakes';
import { callback } from '../fakes/base';
import { smsapiSms } from '../fakes/push/providers';
import { smsapiFake } from '../fakes/smsapi';
import { codes, createAgent, createCustomer, ok, violations } from '../support/api';
import { rowCount, startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';
import { waitFor } from '../support/wait';
import { MAILBOX_CACHE_MS } from '../../src/modules/inbound/inbound.service';

/*
 * Forged SMS and delivery reports, sent as a stranger would: every mailbox authenticates its webhooks (a
 * random token of its own, or the allowed IP list when the admin chose so), delivery reports find their
 * mailbox before anything else, and nothing a report names can fail a message that was not yet sent.
 */

let t: TestApp;
let admin: string;
let agent: string;
const fakes = new FakeSet([smsapiFake]);
const smsapi = fakes.get(smsapiFake);

const G = `id webhookUrl webhookAuth hasWebhookToken warnings`;
const CREATE = `mutation($i: GatewayInput!) { createGateway(input: $i) { ${G} } }`;
const UPDATE = `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { ${G} } }`;
const ROTATE = `mutation($id: ID!) { rotateWebhookToken(id: $id) { ${G} } }`;

/** A mailbox as an admin makes it in the panel: no token given. */
async function mailbox(name: string, number: string, extra: Record<string, unknown> = {}) {
  const input = { ...smsapiFake.gatewayInput(smsapi), name, destinationNumber: number, incomingActive: true, ...extra };
  delete (input as Record<string, unknown>).webhookToken;
  return ok(await t.gql(CREATE, { i: input }, admin)).createGateway as {
    id: string;
    webhookUrl: string;
    webhookAuth: string;
    hasWebhookToken: boolean;
    warnings: string[];
  };
}

const tokenOf = (webhookUrl: string) => new URL(webhookUrl).searchParams.get('token') ?? '';
const messagesTo = async (number: string) =>
  Number((await t.sql(`select count(*)::int as n from message where to_address = $1`, [number]))[0].n);

beforeAll(async () => {
  await fakes.start();
  t = await startTestApp(FAST_OUTBOUND_ENV);
  admin = await t.login();
  agent = (await createAgent(t, admin)).token;
});

afterAll(async () => {
  await t?.close();
  await fakes.stop();
});

describe('inbound SMS', () => {
  it('a new mailbox gets a random token of its own in its webhook URL; a forged SMS without it stores nothing', async () => {
    const a = await mailbox('Forged A', '+48739100001');
    const b = await mailbox('Forged B', '+48739100002');
    expect(a).toMatchObject({ webhookAuth: 'TOKEN', hasWebhookToken: true, warnings: [] });
    const token = tokenOf(a.webhookUrl);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(tokenOf(b.webhookUrl)).not.toBe(token);

    const sms = { to: '48739100001', from: '48500600711', text: 'change my bank account to …' };
    expect((await smsapiSms(t.url, { ...sms, msgId: 'F-1' }, { token: '' })).status).toBe(403);
    expect((await smsapiSms(t.url, { ...sms, msgId: 'F-2' }, { token: tokenOf(b.webhookUrl) })).status).toBe(403);
    expect(await messagesTo('+48739100001')).toBe(0);
    const [ev] = await t.sql(`select outcome, reason_code from inbound_event order by id desc limit 1`);
    expect(ev).toEqual({ outcome: 'REJECTED', reason_code: 'BAD_TOKEN' });

    // The provider, given the URL the admin pasted, gets in.
    expect(await smsapiSms(t.url, { ...sms, text: 'a real one', msgId: 'F-3' }, { token })).toMatchObject({
      status: 200,
      body: 'OK',
    });
    expect(await messagesTo('+48739100001')).toBe(1);
  });

  it('rotating the token ends the old one at once; a token cannot be removed while it authenticates', async () => {
    const g = await mailbox('Rotated', '+48739100003');
    const old = tokenOf(g.webhookUrl);
    const rotated = ok(await t.gql(ROTATE, { id: g.id }, admin)).rotateWebhookToken;
    const fresh = tokenOf(rotated.webhookUrl);
    expect(fresh).not.toBe(old);
    const sms = { to: '48739100003', from: '48500600712', text: 'Rotated?' };
    expect((await smsapiSms(t.url, { ...sms, msgId: 'R-1' }, { token: old })).status).toBe(403);
    expect((await smsapiSms(t.url, { ...sms, msgId: 'R-2' }, { token: fresh })).status).toBe(200);
    expect(codes(await t.gql(ROTATE, { id: g.id }, agent))).toEqual(['FORBIDDEN']);

    const removed = await t.gql(UPDATE, { id: g.id, i: { webhookToken: '' } }, admin);
    expect(violations(removed)).toMatchObject([{ field: 'webhookToken', rule: 'required' }]);
    expect((await smsapiSms(t.url, { ...sms, msgId: 'R-3' }, { token: fresh })).status).toBe(200);
  });

  it('IP_LIST_ONLY needs a list, then admits only those addresses, token or not', async () => {
    const g = await mailbox('By address', '+48739100004');
    const empty = await t.gql(UPDATE, { id: g.id, i: { webhookAuth: 'IP_LIST_ONLY' } }, admin);
    expect(violations(empty)).toMatchObject([{ field: 'allowedIps', rule: 'required' }]);
    ok(await t.gql(UPDATE, { id: g.id, i: { webhookAuth: 'IP_LIST_ONLY', allowedIps: ['127.0.0.5'] } }, admin));
    const sms = { to: '48739100004', from: '48500600713', text: 'By address' };
    expect((await smsapiSms(t.url, { ...sms, msgId: 'I-1' }, { token: '', localAddress: '127.0.0.5' })).status).toBe(
      200,
    );
    expect((await smsapiSms(t.url, { ...sms, msgId: 'I-2' }, { token: '', localAddress: '127.0.0.6' })).status).toBe(
      403,
    );
    expect(await messagesTo('+48739100004')).toBe(1);
  });

  it('a mailbox from before tokens keeps accepting, flagged, until the admin gives it one', async () => {
    const g = await mailbox('Legacy', '+48739100005');
    // As the upgrade leaves a mailbox that had no token.
    await t.sql(`update gateway set webhook_auth = 'LEGACY_OPEN', webhook_token_secret = null where id = $1`, [g.id]);
    const read = ok(await t.gql(`query($id: ID!) { gateway(id: $id) { ${G} } }`, { id: g.id }, admin)).gateway;
    expect(read).toMatchObject({ webhookAuth: 'LEGACY_OPEN', hasWebhookToken: false });
    expect(read.warnings[0]).toMatch(/accepted without a token/);
    const sms = { to: '48739100005', from: '48500600714', text: 'Old panel URL' };
    expect((await smsapiSms(t.url, { ...sms, msgId: 'L-1' }, { token: '' })).status).toBe(200);

    const chosen = await t.gql(UPDATE, { id: g.id, i: { webhookAuth: 'LEGACY_OPEN' } }, admin);
    expect(violations(chosen)).toMatchObject([{ field: 'webhookAuth', rule: 'oneOf' }]);
    const fixed = ok(await t.gql(ROTATE, { id: g.id }, admin)).rotateWebhookToken;
    expect(fixed).toMatchObject({ webhookAuth: 'TOKEN', hasWebhookToken: true, warnings: [] });
    // An accept may use mailboxes read up to MAILBOX_CACHE_MS ago; a refusal is always decided on fresh ones.
    await new Promise((r) => setTimeout(r, MAILBOX_CACHE_MS + 100));
    expect((await smsapiSms(t.url, { ...sms, msgId: 'L-2' }, { token: '' })).status).toBe(403);
    expect((await smsapiSms(t.url, { ...sms, msgId: 'L-3' }, { token: tokenOf(fixed.webhookUrl) })).status).toBe(200);
    expect(await messagesTo('+48739100005')).toBe(2);
  });
});

describe('delivery reports', () => {
  let token: string;
  let gatewayId: string;
  const dlr = (q: Record<string, string>) => {
    const u = new URL(`${t.url}/panel/tickets/incoming/smsapi/dlr`);
    for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
    return callback(u.toString());
  };
  const status = async (id: string) => (await t.sql(`select status from message where id = $1`, [id]))[0].status;

  beforeAll(async () => {
    const g = await mailbox('Reports', '+48739100006');
    gatewayId = g.id;
    token = tokenOf(g.webhookUrl);
  });

  async function sent(phone: string) {
    const customerId = await createCustomer(t, agent, `Reports ${phone}`, phone);
    const m = (await t.gql(SEND, { i: { customerId, text: 'Report me', gatewayId } }, agent)).data.sendSms;
    return settled(t, agent, m, 'SENT');
  }

  it('a forged report changes nothing and is answered alike for known and unknown ids', async () => {
    const m = await sent('+48500700001');
    const known = { MsgId: String(m.providerMessageId), status: '405', donedate: '1717000000' };
    const unknown = { ...known, MsgId: '99999999999' };
    const answers = [
      await dlr(known),
      await dlr(unknown),
      await dlr({ ...known, token: 'guessed-token' }),
      await dlr({ ...unknown, token: 'guessed-token' }),
    ];
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(
      new Set([JSON.stringify({ status: 403, body: 'FORBIDDEN' })]),
    );
    expect(await status(m.id)).toBe('SENT');

    // The provider, with the mailbox's token: unknown ids are answered as known ones, known ones move on.
    expect(await dlr({ ...unknown, token })).toEqual({ status: 200, body: 'OK' });
    expect(await dlr({ ...known, status: '404', token })).toEqual({ status: 200, body: 'OK' });
    expect(await status(m.id)).toBe('DELIVERED');
  });

  it('a report naming a queued message, even by its idempotency key, cannot fail it', async () => {
    smsapi.failNext({ kind: 'hang', processed: false });
    const customerId = await createCustomer(t, agent, 'One-time code', '+48500700002');
    const m = (await t.gql(SEND, { i: { customerId, text: 'Your code: 1234', gatewayId } }, agent)).data.sendSms;
    const [row] = await waitFor(
      async () =>
        t.sql(`select status, idempotency_key from message where id = $1 and in_flight_since is not null`, [m.id]),
      'the send in flight',
    );
    expect(row.status).toBe('QUEUED');
    const forged = await dlr({ MsgId: '', idx: row.idempotency_key, status: '406', donedate: '1717000000', token });
    expect(forged).toEqual({ status: 200, body: 'OK' });
    expect(await status(m.id)).toBe('QUEUED');
    smsapi.releaseHeld();
    await settled(t, agent, m, 'SENT', 15_000);
  });

  it('a request carries at most the provider’s batch of reports (SMSAPI: 5)', async () => {
    const before = await rowCount(t, 'message');
    const ids = Array.from({ length: 6 }, (_, i) => String(100 + i));
    const r = await dlr({ MsgId: ids.join(','), status: ids.map(() => '404').join(','), token });
    expect(r.status).toBe(400);
    expect(await rowCount(t, 'message')).toBe(before);
    const [ev] = await t.sql(`select outcome, reason from inbound_event order by id desc limit 1`);
    expect(ev).toEqual({ outcome: 'MALFORMED', reason: 'a request carries at most 5 delivery reports, this one 6' });
  });
});
