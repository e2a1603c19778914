import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callback } from '../fakes/base';
import { smsapiMms, smsapiSms, TEST_WEBHOOK_TOKEN } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import { codes, createAgent, createGateway, createQueue, createRule, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, REPLY, SEND, settled } from '../support/outbound';
import { allTables, everyRow as rowsOf, SEALED, traces, type RowText } from '../support/traces';
import { subscribe, type Subscriber } from '../support/ws';

/*
 * The right to erasure end to end: a customer who wrote (SMS, MMS, webhooks refused for a bad token and for
 * an unknown mailbox), was written to (sent, reported, one still queued), then erased. Afterwards no table of
 * the database holds its numbers (E.164, national, the provider's forms) or texts, sealed values opened; the
 * other customer keeps everything; the queued SMS never reaches the provider.
 */

const OUR = '48732123456';
const X = { e164: '+48601987123', raw: '48601987123', national: '601987123', spaced: '601 987 123' };
const Y = { e164: '+48500100200', raw: '48500100200' };
const X_NAME = 'Zofia Erasable-Nowak';
const X_TEXTS = {
  sms: 'Proszę o fakturę za zamówienie 7781, Zofia',
  mmsSubject: 'Zdjęcie uszkodzonej paczki 7781',
  refused: 'Wiadomość odrzucona przez zły token 5531',
  noMailbox: 'Wiadomość do nieznanej skrzynki 9902',
  sent: 'Faktura 7781 wysłana na adres e-mail',
  reply: 'Dziękujemy, paczka 7781 zostanie wymieniona',
  queued: 'Ta wiadomość nigdy nie powinna wyjść 4410',
  inText: 'Mój drugi numer to 601 987 123, proszę dzwonić',
};
/** Bytes of the MMS file: found in a bytea column as their hex. */
const X_FILE = Buffer.from('JPEG-ish bytes of Zofia 7781 parcel photo');
const Y_TEXT = 'Zamawiam drugi toner do drukarki 3307';

const smsapi = new FakeSmsapi();
let t: TestApp;
let admin: string;
let agent: { id: string; token: string };
let queueId: string;
let gatewayId: string;
let xId: string;
let yId: string;

/**
 * What of X's a row still holds (its numbers in every stored form, its name, texts and file bytes), outside the
 * opt-out registry (tables `opt_out*`), which the law lets us keep so that the number is not texted again.
 */
function xTraces(rows: RowText[]): string[] {
  return traces(
    rows.filter((r) => !/\.opt_out/.test(r.table)),
    [X.e164, X.raw, X.national, X.spaced, X_NAME, ...Object.values(X_TEXTS), X_FILE.toString('hex')],
  );
}

/**
 * The opt-out registry (tables `opt_out*`, when the code has one) per table: its rows, and those naming X's
 * number. Rows may change in place (a reference to an erased message cleared), but none may go.
 */
const optOutRegistry = async () => {
  const tables = await t.sql<{ s: string; n: string }>(
    `select table_schema as s, table_name as n from information_schema.tables
      where table_type = 'BASE TABLE' and table_name like 'opt\\_out%' order by 1, 2`,
  );
  const out: Record<string, { rows: number; withX: number }> = {};
  for (const { s, n } of tables) {
    const rows = await t.sql<{ row: string }>(`select x::text as row from "${s}"."${n}" x`);
    out[`${s}.${n}`] = { rows: rows.length, withX: rows.filter((r) => r.row.includes(X.e164)).length };
  }
  return out;
};

const everyRow = (t: TestApp) => rowsOf(t, t.key);

const ERASE = `mutation($id: ID!) { eraseCustomer(id: $id) }`;

beforeAll(async () => {
  await smsapi.start();
  t = await startTestApp(FAST_OUTBOUND_ENV);
  admin = await t.login();
  agent = await createAgent(t, admin, 'Erika Agent');
  queueId = await createQueue(t, admin, 'Support', [agent.id]);
  gatewayId = (
    await createGateway(t, admin, {
      name: 'SMSAPI main',
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'Helpdesk',
      apiBaseUrl: smsapi.url,
      destinationNumber: OUR,
      incomingActive: true,
    })
  ).id;
  await createRule(t, admin, { name: 'All → Support', position: 0, gatewayId, queueId });

  // X writes: an SMS, an MMS with a file, a text naming its number another way, two refused requests.
  expect(await smsapiSms(t.url, { to: OUR, from: X.raw, text: X_TEXTS.sms, msgId: 'X-IN-1' })).toMatchObject({
    status: 200,
  });
  const mms = await smsapiMms(t.url, {
    to: OUR,
    from: X.raw,
    subject: X_TEXTS.mmsSubject,
    files: [{ field: 'file', filename: 'parcel.jpg', contentType: 'image/jpeg', data: X_FILE }],
  });
  expect(mms.status).toBe(200);
  await smsapiSms(t.url, { to: OUR, from: X.raw, text: X_TEXTS.inText, msgId: 'X-IN-2' });
  expect(
    await smsapiSms(t.url, { to: OUR, from: X.raw, text: X_TEXTS.refused, msgId: 'X-BAD' }, { token: 'wrong-token' }),
  ).not.toMatchObject({ status: 200 });
  await smsapiSms(t.url, { to: '48222333444', from: `0048 ${X.spaced}`, text: X_TEXTS.noMailbox, msgId: 'X-NOBOX' });
  // Y writes too, and keeps everything.
  await smsapiSms(t.url, { to: OUR, from: Y.raw, text: Y_TEXT, msgId: 'Y-IN-1' });
  await smsapiSms(t.url, { to: OUR, from: Y.raw, text: Y_TEXT, msgId: 'Y-BAD' }, { token: 'wrong-token' });

  const card = async (e164: string) =>
    (await t.sql(`select id from customer where phone_numbers @> array[$1]`, [e164]))[0].id as number;
  xId = String(await card(X.e164));
  yId = String(await card(Y.e164));
  ok(
    await t.gql(
      `mutation($id: ID!, $i: CustomerInput!) { updateCustomer(id: $id, input: $i) { id } }`,
      {
        id: xId,
        i: { name: X_NAME, email: 'zofia@example.com' },
      },
      admin,
    ),
  );

  // We write to X: from the card, and as a reply on its ticket; the provider reports the first.
  const sent = ok(await t.gql(SEND, { i: { customerId: xId, text: X_TEXTS.sent, gatewayId } }, agent.token)).sendSms;
  const done = await settled(t, agent.token, sent, 'SENT');
  const reply = ok(await t.gql(REPLY, { t: sent.ticket.id, x: X_TEXTS.reply }, agent.token)).replyToTicket;
  await settled(t, agent.token, reply, 'SENT');
  const dlr = new URL(`${t.url}/panel/tickets/incoming/smsapi/dlr`);
  for (const [k, v] of Object.entries({
    token: TEST_WEBHOOK_TOKEN,
    MsgId: String(done.providerMessageId),
    status: '404',
    status_name: 'DELIVERED',
    donedate: String(Math.floor(Date.now() / 1000)),
    to: X.raw,
    from: 'Helpdesk',
  }))
    dlr.searchParams.set(k, v);
  await callback(dlr.toString());
  await settled(t, agent.token, sent, 'DELIVERED');
  const toY = ok(await t.gql(SEND, { i: { customerId: yId, text: 'Toner wysłany 3307', gatewayId } }, agent.token));
  await settled(t, agent.token, toY.sendSms, 'SENT');
  expect(smsapi.sent.map((s) => s.message)).toEqual(expect.arrayContaining([X_TEXTS.sent, X_TEXTS.reply]));
});

afterAll(async () => {
  await t?.close();
  await smsapi.stop();
});

describe('eraseCustomer', () => {
  let b: TestApp;
  let queuedId: string;

  beforeAll(async () => {
    // The instance that sent stops; one without a sender queues the next SMS, which so stays QUEUED.
    await t.close();
    b = await startTestApp({ ...FAST_OUTBOUND_ENV }, { on: { dbUrl: t.dbUrl, key: t.key }, app: { worker: false } });
    t = b;
    queuedId = ok(await t.gql(SEND, { i: { customerId: xId, text: X_TEXTS.queued, gatewayId } }, agent.token)).sendSms
      .id;
    expect((await t.sql(`select status from message where id = $1`, [queuedId]))[0].status).toBe('QUEUED');
    // X opts out and back in last: the registry's record must outlive the erasure, and the queued SMS stays
    // sendable, so only the erasure keeps it from going out.
    expect(await smsapiSms(t.url, { to: OUR, from: X.raw, text: 'STOP', msgId: 'X-STOP' })).toMatchObject({
      status: 200,
    });
    expect(await smsapiSms(t.url, { to: OUR, from: X.raw, text: 'START', msgId: 'X-START' })).toMatchObject({
      status: 200,
    });
    expect(await t.sql(`select opted_out from opt_out where phone_number = $1`, [X.e164])).toEqual([
      { opted_out: false },
    ]);
  });

  it('is for admins: an agent gets FORBIDDEN, an unknown id NOT_FOUND, and nothing is removed', async () => {
    expect(codes(await t.gql(ERASE, { id: xId }, agent.token))).toEqual(['FORBIDDEN']);
    expect(codes(await t.gql(ERASE, { id: '999999' }, admin))).toEqual(['NOT_FOUND']);
    expect(await t.sql(`select id from customer where id = $1`, [xId])).toHaveLength(1);
    // The walk covers our schema and graphile-worker's.
    expect(await allTables(t)).toEqual(
      expect.arrayContaining(['"public"."message"', '"public"."inbound_event"', '"graphile_worker"."_private_jobs"']),
    );
    const rows = await everyRow(t);
    expect(xTraces(rows).length).toBeGreaterThan(0);
    // The scan opens sealed values: the refused request's raw form is one of them.
    expect(rows.some((r) => r.opened.some((o) => o.includes(X_TEXTS.refused) && o.includes(X.raw)))).toBe(true);
  });

  it('removes nothing when a step fails: the whole erasure is one transaction', async () => {
    const before = await everyRow(t);
    // A failure at the very last step (deleting the card), after every other row has been deleted in the transaction.
    await t.sql(`create function erasure_test_refuse() returns trigger language plpgsql as $$
                 begin raise exception 'refused by the test'; end $$`);
    await t.sql(
      `create trigger erasure_test_refuse before delete on customer for each row execute function erasure_test_refuse()`,
    );
    try {
      const r = await t.gql(ERASE, { id: xId }, admin);
      expect(r.errors).toBeDefined();
    } finally {
      await t.sql(`drop trigger erasure_test_refuse on customer`);
      await t.sql(`drop function erasure_test_refuse()`);
    }
    const after = await everyRow(t);
    expect(after.map((r) => r.table + r.text.replace(SEALED, '')).sort()).toEqual(
      before.map((r) => r.table + r.text.replace(SEALED, '')).sort(),
    );
    expect((await t.sql(`select status from message where id = $1`, [queuedId]))[0].status).toBe('QUEUED');
  });

  describe('erased', () => {
    let optOutBefore: Awaited<ReturnType<typeof optOutRegistry>>;
    let removed: Subscriber;
    let xTickets: number[];
    let counts: Record<string, number>;

    beforeAll(async () => {
      // One event from before erasure keys existed: found by opening it, not by index.
      await t.sql(
        `update inbound_event set erasure_keys = null where payload->'body'->>'MsgId' in ('X-BAD', 'X-IN-1', 'Y-BAD')`,
      );
      xTickets = (await t.sql(`select id from ticket where customer_id = $1`, [xId])).map((r) => r.id);
      counts = {
        messages: (await t.sql(`select count(*)::int as n from message where customer_id = $1`, [xId]))[0].n,
        tickets: xTickets.length,
        attachments: (
          await t.sql(
            `select count(*)::int as n from attachment a join message m on m.id = a.message_id where m.customer_id = $1`,
            [xId],
          )
        )[0].n,
        notifications: (
          await t.sql(`select count(*)::int as n from notification where ticket_id = any($1::int[])`, [xTickets])
        )[0].n,
      };
      expect(counts).toMatchObject({ messages: 8, attachments: 1, tickets: 1 });
      expect(counts.notifications).toBeGreaterThanOrEqual(3);
      // A delivery-report poll waiting for the queued message, as a mailbox whose provider is polled has one
      // (the same task and key the sender gives it), due in an hour.
      await t.sql(
        `select graphile_worker.add_job('outbound_poll_dlr', json_build_object('messageId', $1::int, 'n', 1),
                run_at => now() + interval '1 hour', job_key => 'outbound_poll_dlr:' || $1)`,
        [queuedId],
      );
      optOutBefore = await optOutRegistry();
      removed = await subscribe(t, admin, `subscription($q: ID!) { ticketRemoved(queueId: $q) }`, { q: queueId });
      expect(ok(await t.gql(ERASE, { id: xId }, admin)).eraseCustomer).toBe(xId);
    });
    afterAll(() => removed?.close());

    it("leaves no trace of the customer's numbers or texts in any table, sealed values and event payloads included", async () => {
      expect(xTraces(await everyRow(t))).toEqual([]);
    });

    it('keeps the other customer whole', async () => {
      const rows = await everyRow(t);
      const holding = (needle: string) => new Set(rows.filter((r) => r.text.includes(needle)).map((r) => r.table));
      expect(await t.sql(`select phone_numbers from customer where id = $1`, [yId])).toEqual([
        { phone_numbers: [Y.e164] },
      ]);
      expect([...holding(Y_TEXT)].sort()).toEqual(['public.inbound_event', 'public.message', 'public.notification']);
      // Its refused request, logged before keys existed, is kept, and so is its accepted one.
      expect(
        await t.sql(`select outcome from inbound_event where payload->'body'->>'MsgId' like 'Y-%' order by id`),
      ).toEqual([{ outcome: 'ACCEPTED' }, { outcome: 'REJECTED' }]);
      expect(holding('Toner wysłany 3307').has('public.message')).toBe(true);
    });

    it('keeps an audit line with the counts and no number or text, readable by admins only', async () => {
      const q = `{ erasures { edges { node { id customerId erasedAt erasedByEmail erasedBy { email } counts {
                   customers phoneNumbers messages queuedCancelled attachments notifications tickets inboundEvents jobs } } } } }`;
      const [line] = ok(await t.gql(q, {}, admin)).erasures.edges.map((e: { node: unknown }) => e.node);
      expect(line).toMatchObject({
        customerId: xId,
        erasedByEmail: 'admin@test.local',
        erasedBy: { email: 'admin@test.local' },
        counts: {
          customers: 1,
          phoneNumbers: 1,
          messages: counts.messages,
          queuedCancelled: 1,
          attachments: counts.attachments,
          notifications: counts.notifications,
          tickets: counts.tickets,
        },
      });
      // X-IN-1, the MMS, X-IN-2, STOP, START, the two refused ones and the delivery report.
      expect(line.counts.inboundEvents).toBe(8);
      expect(line.counts.jobs).toBe(1);
      expect(
        await t.sql(`select 1 from graphile_worker.jobs where key = $1`, [`outbound_poll_dlr:${queuedId}`]),
      ).toEqual([]);
      expect(codes(await t.gql(q, {}, agent.token))).toEqual(['FORBIDDEN']);
    });

    it('leaves the opt-out registry as it was', async () => {
      expect(await optOutRegistry()).toEqual(optOutBefore);
    });

    it("pushes the removed tickets to the queue's subscribers", async () => {
      const events = await removed.take(xTickets.length);
      expect(events.map((e) => Number(e.ticketRemoved)).sort()).toEqual([...xTickets].sort());
    });

    it('never sends the message that was still queued, even once a sender runs again', async () => {
      const calls = smsapi.calls('/sms.do').length;
      const c = await startTestApp(FAST_OUTBOUND_ENV, { on: { dbUrl: t.dbUrl, key: t.key } });
      try {
        // The sender claims at start; Y's earlier SMS was sent already, so nothing is due.
        await new Promise((r) => setTimeout(r, 1_500));
        expect(smsapi.calls('/sms.do').length).toBe(calls);
        expect(smsapi.sent.map((s) => s.message)).not.toContain(X_TEXTS.queued);
      } finally {
        await c.close();
      }
    });
  });
});
