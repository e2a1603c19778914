import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { smsapiMms, smsapiSms } from '../fakes/push/providers';
import { EVENTS_CHANNEL } from '../../src/graphql/pubsub';
import { codes, createAgent, createGateway, createQueue, createRule, ok } from '../support/api';
import { waitFor } from '../support/wait';

/*
 * Queues are an access boundary: an agent reads tickets, messages and attachments, and gets live events,
 * only of the queues they are a member of and of queues without members; admins see all. Each check is
 * made as the agent of another queue would try it: by id, in lists, through the customer card, by download
 * and by subscription.
 */

let t: TestApp;
let admin: string;
type Agent = { id: string; token: string; email: string };
let a: Agent;
let b: Agent;
let nobody: Agent;
const TOKEN = 'Queue-Access-Webhook-Token-1';
const NUMBERS = { A: '48732400001', B: '48732400002', O: '48732400003' };
const queue: Record<'A' | 'B' | 'O', string> = { A: '', B: '', O: '' };
const ticket: Record<'A' | 'B' | 'O', string> = { A: '', B: '', O: '' };
const customer: Record<'A' | 'B' | 'O', string> = { A: '', B: '', O: '' };
let attachmentB: number;

async function inbound(to: 'A' | 'B' | 'O', text: string, msgId: string) {
  const r = await smsapiSms(
    t.url,
    { to: NUMBERS[to], from: `4850090000${'ABO'.indexOf(to)}`, text, msgId },
    { token: TOKEN },
  );
  expect(r.body).toBe('OK');
}

beforeAll(async () => {
  // Live subscriptions read their queues again every 200 ms here (60 s by default).
  t = await startTestApp({ WS_AUTH_RECHECK_MS: '200' });
  admin = await t.login();
  a = await createAgent(t, admin, 'Agent Of A');
  b = await createAgent(t, admin, 'Agent Of B');
  nobody = await createAgent(t, admin, 'Agent Of None');
  queue.A = await createQueue(t, admin, 'Access A', [a.id]);
  queue.B = await createQueue(t, admin, 'Access B', [b.id]);
  queue.O = await createQueue(t, admin, 'Access Open');
  for (const k of ['A', 'B', 'O'] as const) {
    const g = await createGateway(t, admin, {
      name: `Access ${k}`,
      provider: 'SMSAPI',
      password: 'p',
      webhookToken: TOKEN,
      destinationNumber: NUMBERS[k],
      incomingActive: true,
    });
    await createRule(t, admin, {
      name: `to ${k}`,
      position: 'ABO'.indexOf(k),
      gatewayId: g.id,
      queueId: queue[k],
      stop: true,
    });
    await inbound(k, `secret of ${k}`, `QA-${k}`);
    const [row] = await t.sql(`select m.ticket_id, m.customer_id from message m where m.provider_message_id = $1`, [
      `QA-${k}`,
    ]);
    ticket[k] = String(row.ticket_id);
    customer[k] = String(row.customer_id);
  }
  const mms = await smsapiMms(
    t.url,
    {
      to: NUMBERS.B,
      from: '48500900001',
      files: [{ field: 'f', filename: 'b.jpg', contentType: 'image/jpeg', data: Buffer.from('picture of B') }],
    },
    { token: TOKEN },
  );
  expect(mms.body).toBe('OK');
  [{ id: attachmentB }] = await t.sql(
    `select a.id from attachment a join message m on m.id = a.message_id join ticket t on t.id = m.ticket_id where t.queue_id = $1`,
    [Number(queue.B)],
  );
});
afterAll(() => t?.close());

const ticketIds = async (token: string, queueId?: string) =>
  (
    ok(
      await t.gql(
        `query($q: ID) { tickets(first: 100, queueId: $q) { edges { node { id } } } }`,
        { q: queueId },
        token,
      ),
    ).tickets.edges as { node: { id: string } }[]
  )
    .map((e) => e.node.id)
    .sort();

describe('tickets, messages and attachments', () => {
  it('lists only the tickets of your queues and of queues without members; admins see all', async () => {
    expect(await ticketIds(a.token)).toEqual([ticket.A, ticket.O].sort());
    expect(await ticketIds(b.token)).toEqual([ticket.B, ticket.O].sort());
    expect(await ticketIds(nobody.token)).toEqual([ticket.O]);
    expect(await ticketIds(admin)).toEqual([ticket.A, ticket.B, ticket.O].sort());
    // Asking for the other queue by id finds nothing.
    expect(await ticketIds(a.token, queue.B)).toEqual([]);
  });

  it('answers a ticket of another queue by id NOT_FOUND, as one that does not exist', async () => {
    const q = `query($id: ID!) { ticket(id: $id) { id messages { text } } }`;
    const other = await t.gql(q, { id: ticket.B }, a.token);
    const missing = await t.gql(q, { id: '999999' }, a.token);
    expect(codes(other)).toEqual(['NOT_FOUND']);
    expect(other.errors![0].message.replace(ticket.B, 'N')).toBe(missing.errors![0].message.replace('999999', 'N'));
    expect(JSON.stringify(other)).not.toContain('secret of B');
    expect(ok(await t.gql(q, { id: ticket.A }, a.token)).ticket.messages).toEqual([{ text: 'secret of A' }]);
    expect(ok(await t.gql(q, { id: ticket.O }, nobody.token)).ticket.messages).toEqual([{ text: 'secret of O' }]);
    expect(ok(await t.gql(q, { id: ticket.B }, admin)).ticket.messages.map((m: { text: string }) => m.text)).toContain(
      'secret of B',
    );
  });

  it('refuses a reply into a ticket of another queue as NOT_FOUND, and sends nothing', async () => {
    const reply = `mutation($t: ID!, $x: String!) { replyToTicket(ticketId: $t, text: $x) { id } }`;
    const before = await t.sql(`select count(*)::int as n from message where ticket_id = $1`, [Number(ticket.B)]);
    const r = await t.gql(reply, { t: ticket.B, x: 'Not my queue' }, a.token);
    expect(codes(r)).toEqual(['NOT_FOUND']);
    expect(await t.sql(`select count(*)::int as n from message where ticket_id = $1`, [Number(ticket.B)])).toEqual(
      before,
    );
  });

  it('shows the customer card to everyone, but its tickets only of your queues', async () => {
    const q = `query($id: ID!) { customer(id: $id) { name tickets { id messages { text } } } }`;
    expect(ok(await t.gql(q, { id: customer.B }, a.token)).customer).toEqual({ name: '+48500900001', tickets: [] });
    expect(ok(await t.gql(q, { id: customer.B }, b.token)).customer.tickets.map((x: { id: string }) => x.id)).toEqual([
      ticket.B,
    ]);
    expect(ok(await t.gql(q, { id: customer.B }, admin)).customer.tickets.map((x: { id: string }) => x.id)).toEqual([
      ticket.B,
    ]);
    const list = ok(await t.gql(`{ customers(first: 100) { edges { node { tickets { id } } } } }`, {}, a.token));
    const seen = list.customers.edges.flatMap((e: { node: { tickets: { id: string }[] } }) =>
      e.node.tickets.map((x) => x.id),
    );
    expect(seen).not.toContain(ticket.B);
  });

  it('downloads an attachment of another queue as 404, as one that does not exist', async () => {
    const get = (id: number, token: string) =>
      fetch(`${t.url}/attachments/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const other = await get(attachmentB, a.token);
    expect(other.status).toBe(404);
    const text = await other.text();
    expect(text).toBe(await (await get(999999, a.token)).text());
    expect(text).not.toContain('picture of B');
    expect(await (await get(attachmentB, b.token)).text()).toBe('picture of B');
    expect((await get(attachmentB, admin)).status).toBe(200);
  });
});

/** A graphql-ws subscription that records its events and its errors' codes. */
async function live(token: string, query: string, variables: Record<string, unknown>) {
  const events: any[] = [];
  const errors: (string | undefined)[] = [];
  const client = createClient({
    url: t.url.replace('http', 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  client.subscribe(
    { query, variables },
    {
      next: (v) =>
        v.errors ? errors.push(...v.errors.map((e) => e.extensions?.code as string | undefined)) : events.push(v.data),
      error: (e) => errors.push(...(Array.isArray(e) ? e.map((x) => x.extensions?.code) : ['SOCKET'])),
      complete: () => {},
    },
  );
  // graphql-ws does not acknowledge a subscription: give the server a moment to run its subscribe resolver.
  await new Promise((r) => setTimeout(r, 300));
  return { events, errors, close: () => client.dispose() };
}

const TICKET_UPDATED = `subscription($q: ID!) { ticketUpdated(queueId: $q) { id customer { name } } }`;
const STATUS_CHANGED = `subscription($t: ID!) { messageStatusChanged(ticketId: $t) { id text } }`;

describe('live events', () => {
  it('refuses ticketUpdated of another queue with FORBIDDEN, and pushes nothing of it', async () => {
    const outsider = await live(a.token, TICKET_UPDATED, { q: queue.B });
    const member = await live(b.token, TICKET_UPDATED, { q: queue.B });
    const boss = await live(admin, TICKET_UPDATED, { q: queue.B });
    try {
      await inbound('B', 'more of B', 'QA-B2');
      await waitFor(async () => member.events.length > 0 && boss.events.length > 0);
      expect(member.events[0].ticketUpdated.id).toBe(ticket.B);
      await new Promise((r) => setTimeout(r, 300));
      expect(outsider.errors).toEqual(['FORBIDDEN']);
      expect(outsider.events).toEqual([]);
    } finally {
      await Promise.all([outsider.close(), member.close(), boss.close()]);
    }
  });

  it('refuses messageStatusChanged of a ticket of another queue with NOT_FOUND, and pushes nothing of it', async () => {
    const [m] = await t.sql(`select id from message where provider_message_id = 'QA-B'`);
    const outsider = await live(a.token, STATUS_CHANGED, { t: ticket.B });
    const member = await live(b.token, STATUS_CHANGED, { t: ticket.B });
    try {
      // A status event as the outbound path announces it (through PostgreSQL, as from another instance).
      await t.sql(`select pg_notify($1, $2)`, [
        EVENTS_CHANNEL,
        JSON.stringify({
          t: 'MESSAGE_STATUS_CHANGED',
          d: { messageId: m.id, ticketId: Number(ticket.B), status: 'RECEIVED' },
        }),
      ]);
      await waitFor(async () => member.events.length > 0);
      expect(member.events[0].messageStatusChanged.text).toBe('secret of B');
      await new Promise((r) => setTimeout(r, 300));
      expect(outsider.errors).toEqual(['NOT_FOUND']);
      expect(outsider.events).toEqual([]);
    } finally {
      await Promise.all([outsider.close(), member.close()]);
    }
  });

  it('stops the events of a queue for an agent who no longer may see it', async () => {
    const before = await live(a.token, TICKET_UPDATED, { q: queue.O });
    const stays = await live(b.token, TICKET_UPDATED, { q: queue.O });
    try {
      await inbound('O', 'open to all', 'QA-O2');
      await waitFor(async () => before.events.length > 0 && stays.events.length > 0);
      // The open queue gets a member: from now on it is that member's (and the admins').
      ok(
        await t.gql(
          `mutation($id: ID!, $i: QueueInput!) { updateQueue(id: $id, input: $i) { id } }`,
          { id: queue.O, i: { name: 'Access Open', memberIds: [b.id] } },
          admin,
        ),
      );
      await new Promise((r) => setTimeout(r, 400));
      await inbound('O', 'now only for B', 'QA-O3');
      await waitFor(async () => stays.events.length > 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(before.events).toHaveLength(1);
      expect(before.errors).toEqual([]);
      expect(await ticketIds(a.token)).toEqual([ticket.A]);
      // Nor through the notifications the agent got while the queue was open.
      const notes = await t.gql(
        `{ notifications(first: 50) { edges { node { title ticket { id messages { text } } message { text } } } } }`,
        {},
        a.token,
      );
      expect(JSON.stringify(notes.data)).not.toContain('open to all');
      expect(JSON.stringify(notes.data)).not.toContain('secret of O');
    } finally {
      await Promise.all([before.close(), stays.close()]);
    }
  });
});
