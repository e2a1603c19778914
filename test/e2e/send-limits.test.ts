import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSet } from '../fakes';
import { smsapiSms } from '../fakes/push/providers';
import { smsapiFake } from '../fakes/smsapi';
import { codes, createAgent, createCustomer, createGateway, ok, violations } from '../support/api';
import { rowCount, startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, REPLY, SEND } from '../support/outbound';

/*
 * SMS pumping, as a stolen token or a script would try it: many sends by one user, sends to premium
 * ranges abroad, and hundreds of aliased sendSms in one request.
 */

let t: TestApp;
let admin: string;
let gatewayId: string;
const fakes = new FakeSet([smsapiFake]);
const smsapi = fakes.get(smsapiFake);

beforeAll(async () => {
  await fakes.start();
  t = await startTestApp({ ...FAST_OUTBOUND_ENV, SEND_MAX_PER_USER: '3', SEND_WINDOW_SECONDS: '60' });
  admin = await t.login();
  gatewayId = (
    await createGateway(t, admin, {
      ...smsapiFake.gatewayInput(smsapi),
      name: 'Polish mailbox',
      destinationNumber: '+48739200001',
      incomingActive: true,
    })
  ).id;
});

afterAll(async () => {
  await t?.close();
  await fakes.stop();
});

describe('sending limits', () => {
  it('a user may queue SEND_MAX_PER_USER SMS per window; the next answers RATE_LIMITED and writes nothing', async () => {
    const pumper = (await createAgent(t, admin)).token;
    const other = (await createAgent(t, admin)).token;
    for (let i = 0; i < 3; i++) {
      ok(await t.gql(SEND, { i: { to: `+4850080000${i}`, text: `Hello ${i}`, gatewayId } }, pumper));
    }
    const before = await rowCount(t, 'message');
    const refused = await t.gql(SEND, { i: { to: '+48500800009', text: 'One more', gatewayId } }, pumper);
    expect(codes(refused)).toEqual(['RATE_LIMITED']);
    expect(refused.errors![0].extensions).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect((refused.errors![0].extensions as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    expect(await rowCount(t, 'message')).toBe(before);
    // Other users are not held back.
    ok(await t.gql(SEND, { i: { to: '+48500800010', text: 'Someone else', gatewayId } }, other));
  });

  it("a mailbox sends only to its countries: by default its own number's, else what the admin allows", async () => {
    const agent = (await createAgent(t, admin)).token;
    const premium = await t.gql(SEND, { i: { to: '+44 20 7946 0018', text: 'Pump', gatewayId } }, agent);
    expect(violations(premium)).toMatchObject([
      { field: 'to', rule: 'allowedCountry', message: expect.stringMatching(/sends only to PL/) },
    ]);

    const bad = await t.gql(
      `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { allowedCountries } }`,
      { id: gatewayId, i: { allowedCountries: ['pl', 'XX'] } },
      admin,
    );
    expect(violations(bad)).toMatchObject([{ field: 'allowedCountries[1]', rule: 'countryCode' }]);
    const set = ok(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { allowedCountries } }`,
        { id: gatewayId, i: { allowedCountries: ['pl', 'GB'] } },
        admin,
      ),
    );
    expect(set.updateGateway.allowedCountries).toEqual(['PL', 'GB']);
    ok(await t.gql(SEND, { i: { to: '+44 20 7946 0018', text: 'Now allowed', gatewayId } }, agent));
    ok(
      await t.gql(
        `mutation($id: ID!, $i: GatewayUpdateInput!) { updateGateway(id: $id, input: $i) { id } }`,
        { id: gatewayId, i: { allowedCountries: [] } },
        admin,
      ),
    );

    // A reply goes to the customer's number: a German customer's ticket cannot be answered from a Polish mailbox.
    expect(
      await smsapiSms(t.url, { to: '48739200001', from: '4915112345678', text: 'Hallo', msgId: 'DE-1' }),
    ).toMatchObject({ status: 200 });
    const [ticket] = await t.sql(`select ticket_id from message where provider_message_id = 'DE-1'`);
    const reply = await t.gql(REPLY, { t: String(ticket.ticket_id), x: 'Guten Tag' }, agent);
    expect(violations(reply)).toMatchObject([{ field: 'ticketId', rule: 'allowedCountry' }]);
  });

  it('sends cost a tenth of the query limit: ten aliased sendSms do not fit in one request, and nothing is sent', async () => {
    const agent = (await createAgent(t, admin)).token;
    const customerId = await createCustomer(t, agent, 'Aliased', '+48500800020');
    const aliases = (n: number) =>
      `mutation($c: ID!, $g: ID!) { ${Array.from({ length: n }, (_, i) => `s${i}: sendSms(input: { customerId: $c, text: "x${i}", gatewayId: $g }) { id }`).join(' ')} }`;
    const before = await rowCount(t, 'message');
    const many = await t.gql(aliases(10), { c: customerId, g: gatewayId }, agent);
    expect(codes(many)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(await rowCount(t, 'message')).toBe(before);
    const two = ok(await t.gql(aliases(2), { c: customerId, g: gatewayId }, agent));
    expect(Object.keys(two)).toEqual(['s0', 's1']);
  });
});
