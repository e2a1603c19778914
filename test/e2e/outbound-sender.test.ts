import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { SecretBox } from '../../src/common/secret-box';
import { gatewaySecretAt } from '../../src/modules/gateways/gateway-secrets';
import { ormConfig } from '../../src/db/mikro-orm.config';
import { buildApp, type App } from '../../src/app';
import { FakeSmsapi } from '../fakes/smsapi';
import { FakeGenericProvider, genericFake } from '../fakes/generic';
import { smsapiSms } from '../fakes/push/providers';
import { createGateway } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND } from '../support/outbound';
import { waitFor } from '../support/wait';

/*
 * The outbound queue is the message table itself (src/modules/outbound/sender.ts): every instance that
 * runs jobs claims due messages from it. Two instances on one database share the work without sending
 * anything twice; a mailbox that cannot be opened ends its messages FAILED with the reason instead of
 * leaving them queued for ever.
 */

let t: TestApp;
let second: { app: App; orm: MikroORM };
let admin: string;
const smsapi = new FakeSmsapi();
const generic = new FakeGenericProvider();

beforeAll(async () => {
  await Promise.all([smsapi.start(), generic.start()]);
  t = await startTestApp({ ...FAST_OUTBOUND_ENV, OUTBOUND_POLL_MS: '100' });
  admin = await t.login();
  // A second instance on the same database, with its own sender (and no HTTP listener: it only sends).
  const config = t.config; // the same settings, the outbound timings included
  const orm = await MikroORM.init(ormConfig(t.dbUrl, { pool: { min: 0, max: 10 } }));
  second = {
    orm,
    app: await buildApp({ config, orm, databaseUrl: t.dbUrl, box: new SecretBox(t.key), logger: false }),
  };
});

afterAll(async () => {
  await second?.app.close();
  await second?.orm.close(true);
  await t?.close();
  await Promise.all([smsapi.stop(), generic.stop()]);
});

async function waitSettled(ids: string[], ms = 20_000) {
  return waitFor(
    async () => {
      const rows = await t.sql<{
        id: number;
        status: string;
        attempts: number;
        error_code: string | null;
        error_message: string | null;
        lease_until: Date | null;
        in_flight_since: Date | null;
      }>(
        `select id, status, attempts, error_code, error_message, lease_until, in_flight_since from message where id = any($1::int[]) order by id`,
        [ids.map(Number)],
      );
      return rows.length === ids.length && rows.every((r) => r.status !== 'QUEUED') && rows;
    },
    `messages ${ids.join(', ')} to leave QUEUED`,
    ms,
  );
}

describe('two instances sending from one queue', () => {
  it('send every message exactly once and leave no lease behind', async () => {
    const { id: gatewayId } = await createGateway(t, admin, {
      name: 'SMSAPI shared',
      provider: 'SMSAPI',
      password: smsapi.token,
      apiBaseUrl: smsapi.url,
    });
    smsapi.latencyMs = 30;
    const before = smsapi.calls('/sms.do').length;
    const N = 60;
    const ids = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const r = await t.gql(
          SEND,
          { i: { to: `+4850070${String(i).padStart(4, '0')}`, text: `Shared ${i}`, gatewayId } },
          admin,
        );
        expect(r.errors).toBeUndefined();
        return r.data.sendSms.id as string;
      }),
    );
    const rows = await waitSettled(ids);
    expect(rows.map((r) => r.status)).toEqual(Array(N).fill('SENT'));
    expect(rows.every((r) => r.attempts === 1 && r.lease_until === null && r.in_flight_since === null)).toBe(true);
    // One request per message at the provider: no message was claimed by both instances.
    const texts = smsapi
      .calls('/sms.do')
      .slice(before)
      .map((c) => c.fields.message);
    expect(texts).toHaveLength(N);
    expect(new Set(texts).size).toBe(N);
  });
});

describe('a mailbox that cannot be opened', () => {
  it('fails its message after the last attempt, with the reason, and calls no provider', async () => {
    const { id: gatewayId } = await createGateway(t, admin, {
      name: 'SMSAPI sealed elsewhere',
      provider: 'SMSAPI',
      password: smsapi.token,
      apiBaseUrl: smsapi.url,
    });
    // A secret sealed with another SECRET_KEY (a restored backup, a rotated key): it cannot be opened.
    await t.sql(`update gateway set password_secret = $1 where id = $2`, [
      new SecretBox(Buffer.alloc(32, 7)).seal('other-token', gatewaySecretAt.password(Number(gatewayId))),
      Number(gatewayId),
    ]);
    const before = smsapi.calls('/sms.do').length;
    const r = await t.gql(SEND, { i: { to: '+48500700999', text: 'Never leaves', gatewayId } }, admin);
    expect(r.errors).toBeUndefined();
    const [row] = await waitSettled([r.data.sendSms.id]);
    expect(row).toMatchObject({ status: 'FAILED', error_code: 'MAILBOX_UNAVAILABLE', attempts: 3, lease_until: null });
    expect(row.error_message).toMatch(/could not open the mailbox.*gave up after 3 attempts/);
    expect(smsapi.calls('/sms.do').length).toBe(before);
  });
});

describe('message ids a provider should not have given', () => {
  const mailbox = async (name: string) =>
    (await createGateway(t, admin, { ...genericFake.gatewayInput(generic), name })).id;
  const sendTen = async (gatewayId: string, label: string) =>
    Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const r = await t.gql(
          SEND,
          {
            i: {
              to: `+485008${label === 'long' ? 0 : 1}${String(i).padStart(4, '0')}`,
              text: `${label} ${i}`,
              gatewayId,
            },
          },
          admin,
        );
        expect(r.errors).toBeUndefined();
        return r.data.sendSms.id as string;
      }),
    );

  it('an id longer than 100 characters: every message SENT, stored without it', async () => {
    const gatewayId = await mailbox('Generic long ids');
    generic.idPrefix = 'x'.repeat(150);
    try {
      const ids = await sendTen(gatewayId, 'long');
      const rows = await waitSettled(ids);
      expect(rows.map((r) => r.status)).toEqual(Array(10).fill('SENT'));
      const stored = await t.sql(`select provider_message_id from message where id = any($1::int[])`, [
        ids.map(Number),
      ]);
      expect(stored.every((r) => r.provider_message_id === null)).toBe(true);
    } finally {
      generic.idPrefix = 'g-';
    }
  });

  it('one id for every message: every message SENT, the id kept by one of them (it is unique per mailbox)', async () => {
    const gatewayId = await mailbox('Generic one id');
    generic.sameId = 'always-the-same';
    try {
      const ids = await sendTen(gatewayId, 'same');
      const rows = await waitSettled(ids);
      expect(rows.map((r) => r.status)).toEqual(Array(10).fill('SENT'));
      const stored = await t.sql(`select provider_message_id from message where id = any($1::int[])`, [
        ids.map(Number),
      ]);
      expect(stored.filter((r) => r.provider_message_id === 'always-the-same')).toHaveLength(1);
    } finally {
      generic.sameId = undefined;
    }
  });
});

describe('one card per number, whichever path meets it first', () => {
  const ours = '48732100555';
  let gatewayId: string;
  beforeAll(async () => {
    gatewayId = (
      await createGateway(t, admin, {
        name: 'SMSAPI both ways',
        provider: 'SMSAPI',
        password: smsapi.token,
        apiBaseUrl: smsapi.url,
        destinationNumber: ours,
        incomingActive: true,
      })
    ).id;
  });
  const cardsOf = (number: string) =>
    t.sql(`select id from customer where phone_numbers @> array[$1]::text[]`, [number]);
  const sendTo = (number: string, i: number) =>
    t
      .gql(SEND, { i: { to: number, text: `Out ${i}`, gatewayId } }, admin)
      .then((r) => expect(r.errors).toBeUndefined());
  const receiveFrom = (number: string, i: number) =>
    smsapiSms(t.url, { to: ours, from: number.slice(1), text: `In ${i}`, msgId: `CARD-${number}-${i}` }).then((r) =>
      expect(r.body).toBe('OK'),
    );

  it('20 sendSms to a new number at once make one card', async () => {
    const number = '+48500999111';
    await Promise.all(Array.from({ length: 20 }, (_, i) => sendTo(number, i)));
    const cards = await cardsOf(number);
    expect(cards).toHaveLength(1);
    const [{ n }] = await t.sql(`select count(*)::int as n from message where customer_id = $1`, [cards[0].id]);
    expect(n).toBe(20);
  });

  it('sendSms to a new number and SMS from it, all at once, make one card', async () => {
    const number = '+48500999222';
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => sendTo(number, i)),
      ...Array.from({ length: 10 }, (_, i) => receiveFrom(number, i)),
    ]);
    const cards = await cardsOf(number);
    expect(cards).toHaveLength(1);
    const messages = await t.sql(
      `select direction, count(*)::int as n from message where customer_id = $1 group by direction order by direction`,
      [cards[0].id],
    );
    expect(messages).toEqual([
      { direction: 'INBOUND', n: 10 },
      { direction: 'OUTBOUND', n: 10 },
    ]);
  });
});
