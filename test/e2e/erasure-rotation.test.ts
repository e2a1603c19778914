import crypto from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { smsapiSms } from '../fakes/push/providers';
import { createGateway, ok } from '../support/api';
import { createTestDatabase, startTestApp, type TestApp } from '../support/app';
import { everyRow, traces } from '../support/traces';
import { SecretBox } from '../../src/common/secret-box';
import { resealAll } from '../../src/db/reseal';

/*
 * Erasure keys are fingerprints under SECRET_KEY. A customer who wrote under key A is still found by index
 * while A is SECRET_KEY_PREVIOUS, and after `npm run reseal` with B alone.
 */

const OUR = '48732123456';
const A = crypto.randomBytes(32);
const B = crypto.randomBytes(32);
const texts = (who: string) => [`Wiadomość ${who} pod kluczem A 6620`, `Odrzucona ${who} pod kluczem A 6621`];
const P = { e164: '+48602111222', raw: '48602111222', national: '602111222', texts: texts('Piotra') };
const R = { e164: '+48603444555', raw: '48603444555', national: '603444555', texts: texts('Róży') };

let t: TestApp;
let dbUrl: string;

async function write(c: typeof P, msgId: string): Promise<void> {
  expect((await smsapiSms(t.url, { to: OUR, from: c.raw, text: c.texts[0], msgId })).status).toBe(200);
  await smsapiSms(t.url, { to: OUR, from: c.raw, text: c.texts[1], msgId: `${msgId}-bad` }, { token: 'wrong' });
}

async function erase(c: typeof P): Promise<void> {
  const [card] = await t.sql(`select id from customer where phone_numbers @> array[$1]`, [c.e164]);
  const admin = await t.login();
  ok(await t.gql(`mutation($id: ID!) { eraseCustomer(id: $id) }`, { id: String(card.id) }, admin));
  const left = traces(await everyRow(t, A, B), [c.e164, c.raw, c.national, ...c.texts]);
  expect(left).toEqual([]);
  const [line] = await t.sql(`select counts from erasure order by id desc limit 1`);
  expect(line.counts).toMatchObject({ messages: 1, inboundEvents: 2 });
}

beforeAll(async () => {
  dbUrl = await createTestDatabase();
  t = await startTestApp({}, { on: { dbUrl, key: A } });
  const admin = await t.login();
  await createGateway(t, admin, {
    name: 'SMSAPI',
    provider: 'SMSAPI',
    password: 'oauth-token-123',
    destinationNumber: OUR,
    incomingActive: true,
  });
  await write(P, 'P-1');
  await write(R, 'R-1');
  await t.close();
  t = await startTestApp({ SECRET_KEY_PREVIOUS: A.toString('hex') }, { on: { dbUrl, key: B } });
});
afterAll(() => t?.close());

it('finds events keyed under the previous key while it is SECRET_KEY_PREVIOUS', async () => {
  await erase(P);
});

it('finds them after the re-seal, with the new key alone', async () => {
  const counts = await resealAll(t.orm, new SecretBox(B, { previous: A }));
  expect(counts.eventKeys).toBeGreaterThanOrEqual(2);
  await t.close();
  t = await startTestApp({}, { on: { dbUrl, key: B } });
  await erase(R);
});
