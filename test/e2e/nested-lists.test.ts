import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { smsapiSms } from '../fakes/push/providers';
import { queryComplexity } from '../../src/graphql/limits';
import { createSchema } from '../../src/graphql/schema';
import { parse } from 'graphql';
import { codes, createAgent, createGateway, createQueue, createRule, fields, ok } from '../support/api';

/*
 * Nested lists that grow with traffic or staff (a ticket's messages, a customer's tickets, a queue's members)
 * come in pages and count at their page size in the query cost; a queue's members resolve wherever the queue
 * is reached from.
 */

let t: TestApp;
let admin: string;
let queueId: string;
let ticketId: string;
let customerId: string;
const OUR = '48732500001';
const TOKEN = 'Nested-Lists-Webhook-Token-1';
const members: { id: string; name: string }[] = [];

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login();
  for (const name of ['Cecylia', 'Adam', 'Borys']) members.push({ id: (await createAgent(t, admin, name)).id, name });
  members.sort((x, y) => x.name.localeCompare(y.name));
  queueId = await createQueue(
    t,
    admin,
    'Nested',
    members.map((m) => m.id),
  );
  const g = await createGateway(t, admin, {
    name: 'Nested',
    provider: 'SMSAPI',
    password: 'p',
    webhookToken: TOKEN,
    destinationNumber: OUR,
    incomingActive: true,
  });
  await createRule(t, admin, { name: 'to Nested', position: 0, gatewayId: g.id, queueId, stop: true });
  for (const i of [1, 2, 3])
    expect(
      (
        await smsapiSms(
          t.url,
          { to: OUR, from: '48500800001', text: `message ${i}`, msgId: `NL-${i}` },
          { token: TOKEN },
        )
      ).body,
    ).toBe('OK');
  const [row] = await t.sql(`select ticket_id, customer_id from message where provider_message_id = 'NL-1'`);
  ticketId = String(row.ticket_id);
  customerId = String(row.customer_id);
});
afterAll(() => t?.close());

describe("a queue's members", () => {
  it('resolve on a queue reached through a ticket (not only through `queues`)', async () => {
    const r = ok(await t.gql(`{ tickets { edges { node { id queue { name members { id name } } } } } }`, {}, admin));
    expect(r.tickets.edges[0].node.queue).toEqual({ name: 'Nested', members });
    const one = ok(
      await t.gql(`query($id: ID!) { ticket(id: $id) { queue { members { name } } } }`, { id: ticketId }, admin),
    );
    expect(one.ticket.queue.members.map((m: { name: string }) => m.name)).toEqual(['Adam', 'Borys', 'Cecylia']);
  });

  it('come in pages by name', async () => {
    const page = async (vars: Record<string, unknown>) =>
      ok(
        await t.gql(
          `query($f: Int!, $a: ID) { queues { name members(first: $f, after: $a) { id name } } }`,
          vars,
          admin,
        ),
      ).queues.find((q: { name: string }) => q.name === 'Nested').members;
    const first = await page({ f: 2 });
    expect(first).toEqual(members.slice(0, 2));
    expect(await page({ f: 2, a: first[1].id })).toEqual(members.slice(2));
  });
});

describe("a ticket's messages and a customer's tickets", () => {
  it('come in pages: oldest messages first, newest tickets first', async () => {
    const q = `query($id: ID!, $f: Int!, $a: ID) { ticket(id: $id) { messages(first: $f, after: $a) { id text } } }`;
    const first = ok(await t.gql(q, { id: ticketId, f: 2 }, admin)).ticket.messages;
    expect(first.map((m: { text: string }) => m.text)).toEqual(['message 1', 'message 2']);
    const next = ok(await t.gql(q, { id: ticketId, f: 2, a: first[1].id }, admin)).ticket.messages;
    expect(next.map((m: { text: string }) => m.text)).toEqual(['message 3']);
    // Without arguments: a whole short conversation, as before.
    expect(
      ok(await t.gql(`query($id: ID!) { ticket(id: $id) { messages { text } } }`, { id: ticketId }, admin)).ticket
        .messages,
    ).toHaveLength(3);
    const c = ok(
      await t.gql(`query($id: ID!) { customer(id: $id) { tickets(first: 1) { id } } }`, { id: customerId }, admin),
    );
    expect(c.customer.tickets).toEqual([{ id: ticketId }]);
  });

  it('refuse a page over 100, naming the argument', async () => {
    const r = await t.gql(
      `query($id: ID!) { ticket(id: $id) { messages(first: 101) { id } } }`,
      { id: ticketId },
      admin,
    );
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(fields(r)).toEqual(['first']);
    expect(
      codes(
        await t.gql(`query($id: ID!) { ticket(id: $id) { messages(after: "x") { id } } }`, { id: ticketId }, admin),
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(`{ queues { members(first: 0) { id } } }`, {}, admin))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the cost of nested lists', () => {
  /** 20 tickets, each customer's tickets, each of those tickets' messages: unbounded lists counted as 10 each before. */
  const NESTED = `{ tickets(first: 20) { edges { node { customer { tickets { messages { id text } } } } } } }`;
  /** Every queue's members, 30 times over (aliases). */
  const MEMBERS = `{ ${Array.from({ length: 30 }, (_, i) => `q${i}: queues { members { id name email } }`).join(' ')} }`;

  it('counts them at their page size, so queries that fetched unbounded lists cheaply are refused', async () => {
    const schema = await createSchema();
    // At the page sizes: 20 × (up to 20 tickets × up to 50 messages), 30 × 10 queues × 100 members. Counted
    // as plain lists of 10 they were estimated at 4,281 and 9,330: under the limit of 10,000.
    expect(queryComplexity(schema, parse(NESTED))).toBe(40_481);
    expect(queryComplexity(schema, parse(MEMBERS))).toBe(90_330);
    for (const q of [NESTED, MEMBERS]) {
      const r = await t.gql(q, {}, admin);
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['QUERY_TOO_COMPLEX']);
    }
  });

  it('still runs the queries a ticket view and a customer card make', async () => {
    const view = ok(
      await t.gql(
        `query($id: ID!) { ticket(id: $id) { id queue { name members { name } } customer { name tickets { id status } } messages { id text from to status attachments { id url } } } }`,
        { id: ticketId },
        admin,
      ),
    );
    expect(view.ticket.messages).toHaveLength(3);
    const list = ok(
      await t.gql(
        `{ tickets(first: 20) { edges { node { id customer { name } messages(first: 5) { text } } } } }`,
        {},
        admin,
      ),
    );
    expect(list.tickets.edges).toHaveLength(1);
  });
});
