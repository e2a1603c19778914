import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pem } from '../fakes/base';
import { FakeSmsapi } from '../fakes/smsapi';
import { FakeSerwersms } from '../fakes/serwersms';
import { FakeJustsend } from '../fakes/justsend';
import { FakeMultiInfo } from '../fakes/multiinfo';
import { FakeMobitex } from '../fakes/mobitex';
import { codes, createAgent, createGateway, ok, violations } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';

/*
 * Every class of error, as the person sending sees it: refused before queueing (BAD_USER_INPUT with
 * the field), refused by the provider (FAILED at once with its code and a sentence), failing for a
 * while (retried with backoff, then sent exactly once, or FAILED after the last attempt), and an
 * unknown outcome (retried only where the provider's idempotency makes that safe).
 */

let t: TestApp;
let agent: string;
let admin: string;
const smsapi = new FakeSmsapi();
const serwersms = new FakeSerwersms();
const justsend = new FakeJustsend();
const multiinfo = new FakeMultiInfo();
const mobitex = new FakeMobitex();
const gw: Record<string, string> = {};

beforeAll(async () => {
  await Promise.all([smsapi, serwersms, justsend, multiinfo, mobitex].map((f) => f.start()));
  t = await startTestApp(FAST_OUTBOUND_ENV);
  admin = await t.login();
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
  gw.SMSAPI_BADPASS = (
    await createGateway(t, admin, {
      name: 'SMSAPI bad',
      provider: 'SMSAPI',
      login: smsapi.username,
      password: 'not-the-password',
      apiBaseUrl: smsapi.url,
    })
  ).id;
  gw.SERWER_ECO = (
    await createGateway(t, admin, {
      name: 'SerwerSMS ECO',
      provider: 'SERWERSMS',
      login: serwersms.username,
      password: serwersms.password,
      apiBaseUrl: serwersms.url,
    })
  ).id;
  gw.JUSTSEND = (
    await createGateway(t, admin, {
      name: 'JustSend',
      provider: 'JUSTSEND',
      password: justsend.appKey,
      apiBaseUrl: `${justsend.url}/api/rest`,
    })
  ).id;
  gw.MULTIINFO_EXPIRED = (
    await createGateway(t, admin, {
      name: 'MultiInfo expired',
      provider: 'MULTIINFO',
      login: multiinfo.login,
      password: multiinfo.password,
      serviceId: multiinfo.serviceId,
      host: 'api1.multiinfo.plus.pl',
      certificatePem: pem('expired-bundle.pem'),
      apiBaseUrl: `${multiinfo.url}/Api61`,
    })
  ).id;
  gw.MOBITEX_SENDER = (
    await createGateway(t, admin, {
      name: 'Mobitex other sender',
      provider: 'MOBITEX',
      login: mobitex.user,
      password: 'mobitex-pass',
      senderName: 'NOTAPPROVED',
      apiBaseUrl: mobitex.url,
    })
  ).id;
  gw.PEOPLEFONE_SENDER = (
    await createGateway(t, admin, {
      name: 'Peoplefone with sender',
      provider: 'PEOPLEFONE',
      password: 'k',
      senderName: 'ACME',
      apiBaseUrl: 'http://127.0.0.1:9',
    })
  ).id;
  gw.DOTPAY = (
    await createGateway(t, admin, { name: 'Dotpay', provider: 'DOTPAY', login: '123456', destinationNumber: '7255' })
  ).id;
});

afterAll(async () => {
  await t?.close();
  await Promise.all([smsapi, serwersms, justsend, multiinfo, mobitex].map((f) => f.stop()));
});

const send = (input: Record<string, unknown>) =>
  t.gql(SEND, { i: { to: '+48500600700', text: 'Hello', ...input } }, agent);

describe('refused before queueing (BAD_USER_INPUT, nothing stored)', () => {
  it('names every broken field: number, empty text, unknown customer, unknown mailbox', async () => {
    const before = await t.sql(`select count(*)::int as n from message`);
    const r = await t.gql(SEND, { i: { to: '12', text: ' ', gatewayId: '99999' } }, agent);
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(violations(r)).toEqual([
      { field: 'text', rule: 'required', message: 'must not be empty' },
      {
        field: 'to',
        rule: 'phoneNumber',
        message: '"12" is not a valid number in PL (wrong length or unassigned range)',
      },
      { field: 'gatewayId', rule: 'exists', message: 'mailbox 99999 does not exist' },
    ]);
    expect(
      violations(await t.gql(SEND, { i: { customerId: '424242', text: 'x', gatewayId: gw.SMSAPI } }, agent)),
    ).toEqual([{ field: 'customerId', rule: 'exists', message: 'customer 424242 does not exist' }]);
    expect(violations(await t.gql(SEND, { i: { text: 'x', gatewayId: gw.SMSAPI } }, agent))[0]).toMatchObject({
      field: 'to',
      rule: 'required',
    });
    expect(await t.sql(`select count(*)::int as n from message`)).toEqual(before);
  });

  it('refuses a text longer than the provider takes, explaining the encoding', async () => {
    const r = await send({ gatewayId: gw.SMSAPI, text: 'ą'.repeat(700) });
    expect(violations(r)).toEqual([
      {
        field: 'text',
        rule: 'maxParts',
        message:
          'is 11 SMS parts long (700 UTF-16 units, UCS-2, 70/67 characters a part, because of "ą"); SMSAPI.pl sends at most 10 (SMSAPI max_parts is 1–10 (DOCUMENTED))',
      },
    ]);
    // The same length in GSM-7 fits.
    expect((await send({ gatewayId: gw.SMSAPI, text: 'a'.repeat(700) })).data.sendSms).toMatchObject({
      encoding: 'GSM7',
      parts: 5,
    });
  });

  it('refuses a mailbox whose sender name breaks the provider rule', async () => {
    expect(violations(await send({ gatewayId: gw.PEOPLEFONE_SENDER }))).toEqual([
      {
        field: 'gatewayId',
        rule: 'senderName',
        message: `mailbox "Peoplefone with sender": Peoplefone's API has no sender field (the service's number sends); clear the sender name "ACME" of the mailbox`,
      },
    ]);
  });

  it('refuses Polish letters on SerwerSMS ECO+ (no sender), which cannot carry UCS-2', async () => {
    expect(violations(await send({ gatewayId: gw.SERWER_ECO, text: 'Dzień dobry' }))[0]).toMatchObject({
      field: 'text',
      rule: 'encoding',
      message: expect.stringMatching(/ECO\+/),
    });
  });

  it('refuses Dotpay: Premium SMS only, no sending API', async () => {
    const r = await send({ gatewayId: gw.DOTPAY });
    expect(violations(r)).toEqual([
      {
        field: 'gatewayId',
        rule: 'cannotSend',
        message: expect.stringMatching(/^mailbox "Dotpay": Dotpay offers Premium SMS only/),
      },
    ]);
  });
});

describe('refused by the provider (FAILED at once, with its code and a sentence)', () => {
  it.each([
    [
      'wrong password',
      () => send({ gatewayId: gw.SMSAPI_BADPASS }),
      '102',
      /^wrong SMSAPI login, password or token \(error 102\)/,
    ],
    [
      'IP not on the allow list',
      async () => ((smsapi.ipFilter = ['10.9.9.9']), send({ gatewayId: gw.SMSAPI })),
      '105',
      /IP address is not on the SMSAPI account's API IP filter \(error 105\)/,
    ],
    [
      'insufficient funds',
      async () => ((smsapi.ipFilter = undefined), (smsapi.points = 0), send({ gatewayId: gw.SMSAPI })),
      '103',
      /not enough points on the SMSAPI account \(error 103\)/,
    ],
    [
      'invalid number at the provider',
      async () => {
        smsapi.points = 100;
        // The mailbox may send abroad, so that the number reaches the provider, which refuses it.
        ok(
          await t.gql(
            `mutation($id: ID!) { updateGateway(id: $id, input: { allowedCountries: ["PL", "DE"] }) { id } }`,
            { id: gw.SMSAPI },
            admin,
          ),
        );
        return send({ gatewayId: gw.SMSAPI, to: '+4915123456789' });
      },
      '13',
      /SMSAPI found no valid recipient number \(error 13\)/,
    ],
    [
      'sender name not approved',
      () => send({ gatewayId: gw.MOBITEX_SENDER }),
      '114',
      /Mobitex refused the sender name: it is missing or not approved for the account \(status 114\)/,
    ],
    [
      'certificate expired',
      () => send({ gatewayId: gw.MULTIINFO_EXPIRED }),
      'ECONNRESET',
      /rejected the client certificate/,
    ],
  ])('%s', async (_name, act, code, message) => {
    const r = await act();
    expect(r.errors).toBeUndefined();
    const m = await settled(t, agent, r.data.sendSms);
    expect(m).toMatchObject({ status: 'FAILED', errorCode: code, errorMessage: expect.stringMatching(message) });
    const [row] = await t.sql(`select attempts, in_flight_since from message where id = $1`, [m.id]);
    expect(row).toEqual({ attempts: 1, in_flight_since: null });
  });
});

describe('retries', () => {
  it('retries after a 5xx with backoff, then sends exactly one SMS', async () => {
    const before = smsapi.sent.length;
    smsapi.failNext({ kind: '5xx', status: 503 });
    const r = await send({ gatewayId: gw.SMSAPI });
    const m = await settled(t, agent, r.data.sendSms, 'SENT', 15_000);
    expect(m.errorCode).toBeNull();
    expect(smsapi.sent.length).toBe(before + 1);
    const key = (await t.sql(`select idempotency_key from message where id = $1`, [m.id]))[0].idempotency_key;
    expect(smsapi.calls('/sms.do').filter((c) => c.fields.idx === key)).toHaveLength(2);
    expect((await t.sql(`select attempts from message where id = $1`, [m.id]))[0].attempts).toBe(2);
  });

  it('gives up after the last attempt of a 429, saying so', async () => {
    smsapi.failNext({ kind: '429' }, 3);
    const r = await send({ gatewayId: gw.SMSAPI });
    const m = await settled(t, agent, r.data.sendSms, 'FAILED', 15_000);
    expect(m).toMatchObject({
      errorCode: 'HTTP 429',
      errorMessage: expect.stringMatching(
        /limiting the request rate \(HTTP 429\); will retry \(gave up after 3 attempts\)/,
      ),
    });
  });

  it('a timeout on an idempotent provider is retried through idx: the retry hits error 53, one SMS in all', async () => {
    const before = smsapi.sent.length;
    smsapi.failNext({ kind: 'hang', processed: true });
    const r = await send({ gatewayId: gw.SMSAPI });
    const m = await settled(t, agent, r.data.sendSms, 'SENT', 15_000);
    smsapi.releaseHeld();
    expect(smsapi.sent.length).toBe(before + 1);
    const key = (await t.sql(`select idempotency_key from message where id = $1`, [m.id]))[0].idempotency_key;
    const tries = smsapi.calls('/sms.do').filter((c) => c.fields.idx === key);
    expect(tries).toHaveLength(2);
    expect(tries[1].fields).toMatchObject({ idx: tries[0].fields.idx, check_idx: '1' });
  });

  it('a timeout on a provider without idempotency fails at once instead of risking a second SMS', async () => {
    const before = justsend.sent.length;
    justsend.failNext({ kind: 'hang', processed: true });
    const r = await send({ gatewayId: gw.JUSTSEND });
    const m = await settled(t, agent, r.data.sendSms, 'FAILED', 15_000);
    justsend.releaseHeld();
    expect(m).toMatchObject({
      errorCode: 'TIMEOUT',
      errorMessage: expect.stringMatching(
        /did not answer within 800 ms.*JustSend\.pl has no idempotency key, so smsdesk does not send it again/,
      ),
    });
    expect(justsend.sent.length).toBe(before + 1); // the provider did take it: exactly one
    expect(justsend.calls('/v2/message/send').length).toBe(before + 1);
  });

  it('a closed port is retried, and reported as "host unreachable" when it stays closed', async () => {
    const dead = new FakeSmsapi();
    await dead.start();
    const { id } = await createGateway(t, admin, {
      name: 'SMSAPI dead',
      provider: 'SMSAPI',
      password: dead.token,
      apiBaseUrl: dead.url,
    });
    await dead.stop();
    const r = await send({ gatewayId: id });
    const m = await settled(t, agent, r.data.sendSms, 'FAILED', 15_000);
    expect(m).toMatchObject({
      errorCode: 'ECONNREFUSED',
      errorMessage: expect.stringMatching(
        /^host unreachable: SMSAPI at 127\.0\.0\.1:\d+ refused the connection \(gave up after 3 attempts\)$/,
      ),
    });
  });
});
