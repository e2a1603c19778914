import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeSmsapi } from '../fakes/smsapi';
import { createAgent, createCustomer, createGateway, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND } from '../support/outbound';

/*
 * A sender that claimed a message is handing it to the provider when the erasure comes: the SMS cannot be
 * called back, so the erasure waits for the provider's answer and commits after it, and the message is
 * never attempted again.
 */

const smsapi = new FakeSmsapi();
let t: TestApp;
let admin: string;
let agent: string;
let gatewayId: string;

beforeAll(async () => {
  await smsapi.start();
  // Room for the held call: the provider answers when the test lets it.
  t = await startTestApp({ ...FAST_OUTBOUND_ENV, OUTBOUND_HTTP_TIMEOUT_MS: '20000' });
  admin = await t.login();
  agent = (await createAgent(t, admin, 'Agent')).token;
  gatewayId = (
    await createGateway(t, admin, {
      name: 'SMSAPI',
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'Helpdesk',
      apiBaseUrl: smsapi.url,
    })
  ).id;
});
afterAll(async () => {
  await t?.close();
  await smsapi.stop();
});

it('waits for a provider call in progress, then erases; the message is not sent again', async () => {
  const id = await createCustomer(t, agent, 'Tomasz W Trakcie', '+48604555666');
  smsapi.failNext({ kind: 'hang', processed: false });
  const hung = smsapi.waitForHang();
  const sent = ok(
    await t.gql(SEND, { i: { customerId: id, text: 'Wysyłana w chwili usunięcia 8812', gatewayId } }, agent),
  );
  await hung;

  let done = false;
  const erasure = t.gql(`mutation($id: ID!) { eraseCustomer(id: $id) }`, { id }, admin).finally(() => (done = true));
  await new Promise((r) => setTimeout(r, 800));
  // Still waiting for the call: nothing is erased yet.
  expect(done).toBe(false);
  expect(await t.sql(`select id from message where id = $1`, [sent.sendSms.id])).toHaveLength(1);

  smsapi.releaseHeld();
  expect(ok(await erasure).eraseCustomer).toBe(id);
  expect(await t.sql(`select id from message where id = $1`, [sent.sendSms.id])).toEqual([]);
  const [line] = await t.sql(`select counts from erasure`);
  // It reached the provider before the erasure, so it was sent, not cancelled.
  expect(line.counts).toMatchObject({ messages: 1, queuedCancelled: 0 });

  await new Promise((r) => setTimeout(r, 1_000));
  expect(smsapi.calls('/sms.do')).toHaveLength(1);
  expect(smsapi.sent.map((s) => s.message)).toEqual(['Wysyłana w chwili usunięcia 8812']);
});
