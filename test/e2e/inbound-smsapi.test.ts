import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createGateway, createQueue, createRule, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';
import { NOTIFICATION_ADDED, subscribe, type Subscriber } from '../support/ws';
import { peoplefoneMt, smsapiMms, smsapiSms } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import { MAX_ATTACHMENT_BYTES, MAX_MMS_REQUEST_BYTES } from '../../src/modules/inbound/attachment.entity';

/*
 * The SMSAPI inbound path end to end: provider-shaped webhook → mailbox → customer → rules → ticket →
 * notification rows → graphql-ws push, for SMS and MMS; retries and duplicate storms. SMSAPI's `MsgId` may name
 * the incoming SMS or the outgoing one it answers (smsapi.md, Update 2026-12-05): every expectation here holds
 * under both readings, so a message is found through the callbacks that carried its `MsgId`.
 */

let t: TestApp;
let admin: string;
let agentA: { id: string; token: string };
let agentB: { id: string; token: string };
let outsider: { id: string; token: string };
let queueId: string;
let gatewayId: string;
const OUR = '48732123456';
const OUR_E164 = '+48732123456';
const smsapi = new FakeSmsapi();

/** The messages stored from callbacks that carried this MsgId (kept in the inbound event log). */
const byMsgId = (msgId: string) =>
  t.sql(
    `select distinct m.* from inbound_event e join message m on m.id = any(e.message_ids)
      where e.provider = 'SMSAPI' and e.payload->'body'->>'MsgId' = $1 order by m.id`,
    [msgId],
  );

beforeAll(async () => {
  await smsapi.start();
  t = await startTestApp(FAST_OUTBOUND_ENV);
  admin = await t.login();
  agentA = await createAgent(t, admin, 'Anna Agent');
  agentB = await createAgent(t, admin, 'Bartek Agent');
  outsider = await createAgent(t, admin, 'Olga Outsider');
  queueId = await createQueue(t, admin, 'Support', [agentA.id, agentB.id]);
  const g = await createGateway(t, admin, {
    name: 'SMSAPI main',
    provider: 'SMSAPI',
    password: 'oauth-token-123',
    destinationNumber: OUR,
    incomingActive: true,
  });
  gatewayId = g.id;
  ok(
    await t.gql(
      `mutation($i: MessageRuleInput!) { createMessageRule(input: $i) { id } }`,
      { i: { name: 'SMSAPI → Support', position: 0, gatewayId, queueId, stop: true } },
      admin,
    ),
  );
});
afterAll(async () => {
  await t?.close();
  await smsapi.stop();
});

describe('SMSAPI SMS', () => {
  let subA: Subscriber;
  let subB: Subscriber;
  let subOut: Subscriber;
  beforeAll(async () => {
    subA = await subscribe(t, agentA.token, NOTIFICATION_ADDED);
    subB = await subscribe(t, agentB.token, NOTIFICATION_ADDED);
    subOut = await subscribe(t, outsider.token, NOTIFICATION_ADDED);
  });
  afterAll(async () => {
    await Promise.all([subA, subB, subOut].map((s) => s?.close()));
  });

  it('stores an SMS, answers OK after the commit, and pushes [SMS] notifications to the queue agents only', async () => {
    const r = await smsapiSms(t.url, {
      to: OUR,
      from: '48500600700',
      text: 'Dzień dobry, drukarka nie działa od rana i nie wiem co robić',
      msgId: 'MSG-1',
      date: 1717001234,
    });
    expect(r).toMatchObject({ status: 200, body: 'OK' });

    const [msg] = await byMsgId('MSG-1');
    expect(msg).toMatchObject({
      direction: 'INBOUND',
      status: 'RECEIVED',
      kind: 'SMS',
      from_address: '+48500600700',
      to_address: OUR_E164,
      gateway_id: Number(gatewayId),
    });
    // The first message carrying a MsgId shows it as its provider id.
    expect(msg.provider_message_id).toBe('MSG-1');
    expect(msg.provider_timestamp.toISOString()).toBe(new Date(1717001234 * 1000).toISOString());
    const [customer] = await t.sql(`select * from customer where id = $1`, [msg.customer_id]);
    expect(customer).toMatchObject({ name: '+48500600700', phone_numbers: ['+48500600700'] });
    const [ticket] = await t.sql(`select * from ticket where id = $1`, [msg.ticket_id]);
    expect(ticket).toMatchObject({
      queue_id: Number(queueId),
      customer_id: customer.id,
      gateway_id: Number(gatewayId),
      status: 'OPEN',
    });

    const [a] = await subA.take(1);
    const [b] = await subB.take(1);
    const title = '[SMS] +48500600700: Dzień dobry, drukarka nie działa od rana i nie wiem co robić';
    expect(a.notificationAdded).toMatchObject({
      kind: 'SMS',
      read: false,
      title,
      ticket: { id: String(ticket.id), queue: { name: 'Support' } },
      message: { from: '+48500600700', to: OUR_E164 },
    });
    expect(b.notificationAdded.title).toBe(title);
    expect(a.notificationAdded.id).not.toBe(b.notificationAdded.id);
    const rows = await t.sql(`select user_id from notification where message_id = $1 order by user_id`, [msg.id]);
    expect(rows.map((x) => String(x.user_id))).toEqual([agentA.id, agentB.id].sort((x, y) => Number(x) - Number(y)));
    // The agent outside the queue got no row and no push.
    await new Promise((r) => setTimeout(r, 300));
    expect(subOut.events).toHaveLength(0);
    const [ev] = await t.sql(`select * from inbound_event where $1 = any(message_ids)`, [msg.id]);
    expect(ev).toMatchObject({
      outcome: 'ACCEPTED',
      provider: 'SMSAPI',
      gateway_id: Number(gatewayId),
      remote_ip: '127.0.0.1',
      method: 'POST',
      path: '/panel/tickets/incoming/smsapi',
    });
    expect(ev.payload.body).toMatchObject({ sms_from: '48500600700', MsgId: 'MSG-1' });
  });

  it('joins the open ticket for the next message from the same number and names the customer card', async () => {
    const [c] = (await byMsgId('MSG-1')).map((m) => ({ customer_id: m.customer_id, ticket_id: m.ticket_id }));
    await t.sql(`update customer set name = 'Jan Kowalski' where id = $1`, [c.customer_id]);
    const r = await smsapiSms(t.url, {
      to: OUR,
      from: '+48 500 600 700',
      text: 'Jeszcze jedno',
      msgId: 'MSG-2',
      date: 1717001300,
    });
    expect(r.body).toBe('OK');
    const [m2] = (await byMsgId('MSG-2')).map((m) => ({ customer_id: m.customer_id, ticket_id: m.ticket_id }));
    expect(m2).toEqual(c);
    const [n] = await subA.take(2).then((e) => e.slice(1));
    expect(n.notificationAdded.title).toBe('[SMS] Jan Kowalski: Jeszcze jedno');
  });

  it('treats a retry of the same callback (MsgId, sender, text, sms_date) as a no-op that still answers OK', async () => {
    const before = await t.sql(`select count(*)::int n from notification`);
    const r = await smsapiSms(t.url, {
      to: OUR,
      from: '48500600700',
      text: 'Jeszcze jedno',
      msgId: 'MSG-2',
      date: 1717001300,
    });
    expect(r).toMatchObject({ status: 200, body: 'OK' });
    expect(await byMsgId('MSG-2')).toHaveLength(1);
    expect(await t.sql(`select count(*)::int n from notification`)).toEqual(before);
    const [ev] = await t.sql(`select outcome from inbound_event order by id desc limit 1`);
    expect(ev.outcome).toBe('DUPLICATE');
  });

  it('survives a storm: the same webhook 50 times at once gives one message and one notification per agent', async () => {
    const before = subA.events.length;
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        smsapiSms(t.url, { to: OUR, from: '48600700800', text: 'Burza', msgId: 'STORM-1', date: 1717002000 }),
      ),
    );
    expect(results.every((r) => r.status === 200 && r.body === 'OK')).toBe(true);
    const msgs = await byMsgId('STORM-1');
    expect(msgs).toHaveLength(1);
    const notes = await t.sql(
      `select user_id, count(*)::int n from notification where message_id = $1 group by user_id`,
      [msgs[0].id],
    );
    expect(notes).toHaveLength(2);
    expect(notes.every((x) => x.n === 1)).toBe(true);
    expect(await t.sql(`select count(*)::int n from customer where '+48600700800' = any(phone_numbers)`)).toEqual([
      { n: 1 },
    ]);
    const events = await t.sql(
      `select outcome, count(*)::int n from inbound_event where $1 = any(message_ids) group by outcome order by outcome`,
      [msgs[0].id],
    );
    expect(events).toEqual([
      { outcome: 'ACCEPTED', n: 1 },
      { outcome: 'DUPLICATE', n: 49 },
    ]);
    await subA.take(before + 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(subA.events.length).toBe(before + 1);
  });

  it('one MsgId from 20 different numbers at once is 20 messages: MsgId alone names no message', async () => {
    const senders = Array.from({ length: 20 }, (_, i) => `486007009${String(i).padStart(2, '0')}`);
    const results = await Promise.all(
      senders.map((from) => smsapiSms(t.url, { to: OUR, from, text: 'Same id', msgId: 'TWIN-1', date: 1717003000 })),
    );
    expect(results.map((r) => `${r.status} ${r.body}`)).toEqual(senders.map(() => '200 OK'));
    const msgs = await byMsgId('TWIN-1');
    expect(msgs.map((m) => m.from_address).sort()).toEqual(senders.map((s) => `+${s}`).sort());
    const e164 = senders.map((s) => `+${s}`);
    // One card and one ticket per sender, each message on its sender's ticket.
    expect(await t.sql(`select count(*)::int n from customer where phone_numbers && $1::text[]`, [e164])).toEqual([
      { n: 20 },
    ]);
    expect(new Set(msgs.map((m) => m.ticket_id)).size).toBe(20);
    expect(msgs.filter((m) => m.provider_message_id === 'TWIN-1')).toHaveLength(1);
    const events = await t.sql(
      `select outcome, count(*)::int n from inbound_event where message_ids && $1::int[] group by outcome`,
      [msgs.map((m) => m.id)],
    );
    expect(events).toEqual([{ outcome: 'ACCEPTED', n: 20 }]);
  });

  it('deduplicates a storm of a message without MsgId by its hash (sender, text, sms_date)', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        smsapiSms(t.url, { to: OUR, from: '48600700801', text: 'Bez id', date: 1717009999 }),
      ),
    );
    expect(results.every((r) => r.body === 'OK')).toBe(true);
    const msgs = await t.sql(`select id, dedupe_key from message where from_address = '+48600700801'`);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].dedupe_key).toMatch(/^[0-9a-f]{64}$/);
    expect(await t.sql(`select count(*)::int n from notification where message_id = $1`, [msgs[0].id])).toEqual([
      { n: 2 },
    ]);
    // The same text at another time is another message.
    await smsapiSms(t.url, { to: OUR, from: '48600700801', text: 'Bez id', date: 1717019999 });
    expect(await t.sql(`select count(*)::int n from message where from_address = '+48600700801'`)).toEqual([{ n: 2 }]);
  });

  it('answers 400 and logs a malformed request, writing nothing else', async () => {
    const before = await t.sql(
      `select (select count(*) from message)::int m, (select count(*) from customer)::int c, (select count(*) from ticket)::int t`,
    );
    const r = await smsapiSms(t.url, { to: OUR, from: '', text: 'x' });
    expect(r.status).toBe(400);
    const bad = await fetch(`${t.url}/panel/tickets/incoming/smsapi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"sms_to": ',
    });
    expect(bad.status).toBe(400);
    const evs = await t.sql(`select outcome, reason_code, reason from inbound_event order by id desc limit 2`);
    expect(evs.map((e) => [e.outcome, e.reason_code])).toEqual([
      ['MALFORMED', 'MALFORMED'],
      ['MALFORMED', 'MALFORMED'],
    ]);
    expect(evs[1].reason).toContain('sms_from');
    expect(evs[0].reason).toContain('JSON');
    const after = await t.sql(
      `select (select count(*) from message)::int m, (select count(*) from customer)::int c, (select count(*) from ticket)::int t`,
    );
    expect(after).toEqual(before);
  });
});

describe('SMSAPI replies: MsgId as the outgoing message answered', () => {
  const OURS = '48732123457';
  let replyGateway: string;
  beforeAll(async () => {
    replyGateway = (
      await createGateway(t, admin, {
        name: 'SMSAPI replies',
        provider: 'SMSAPI',
        password: smsapi.token,
        apiBaseUrl: smsapi.url,
        destinationNumber: OURS,
        incomingActive: true,
      })
    ).id;
  });

  it('two different replies carrying one MsgId are two messages on one ticket, and a retry of either adds nothing', async () => {
    const reply = { to: OURS, from: '48500600740', msgId: 'ANSWERED-1' };
    await smsapiSms(t.url, { ...reply, text: 'Tak', date: 1717004000 });
    await smsapiSms(t.url, { ...reply, text: 'Jeszcze pytanie', date: 1717004060 });
    // The same text later is another reply too.
    await smsapiSms(t.url, { ...reply, text: 'Tak', date: 1717004120 });
    const r = await smsapiSms(t.url, { ...reply, text: 'Jeszcze pytanie', date: 1717004060 });
    expect(r).toMatchObject({ status: 200, body: 'OK' });
    const msgs = await byMsgId('ANSWERED-1');
    expect(msgs.map((m) => m.text)).toEqual(['Tak', 'Jeszcze pytanie', 'Tak']);
    expect(new Set(msgs.map((m) => m.ticket_id)).size).toBe(1);
    // The first keeps MsgId as its provider id (the unique index holds one); the event log keeps it for all.
    expect(msgs.map((m) => m.provider_message_id)).toEqual(['ANSWERED-1', null, null]);
    const [last] = await t.sql(`select outcome from inbound_event order by id desc limit 1`);
    expect(last.outcome).toBe('DUPLICATE');
  });

  it('a reply whose MsgId is one of our outgoing messages joins its ticket, even where a rule routes elsewhere', async () => {
    const out = ok(
      await t.gql(SEND, { i: { to: '+48500600750', text: 'Czy dziala?', gatewayId: replyGateway } }, admin),
    ).sendSms;
    const sent = await settled(t, admin, out, 'SENT');
    expect(sent.providerMessageId).toBeTruthy();
    const elsewhere = await createQueue(t, admin, 'SMSAPI ruled');
    await createRule(t, admin, { name: 'Replies elsewhere', position: 1, gatewayId: replyGateway, queueId: elsewhere });
    const answer = { to: OURS, from: '48500600750', msgId: String(sent.providerMessageId) };
    await smsapiSms(t.url, { ...answer, text: 'Tak, dziala', date: 1717005000 });
    await smsapiSms(t.url, { ...answer, text: 'I jeszcze jedno', date: 1717005060 });
    await smsapiSms(t.url, { to: OURS, from: '48500600750', text: 'Nowa sprawa', msgId: 'NOT-OURS', date: 1717005120 });
    const rows = await t.sql(
      `select m.text, m.ticket_id::text as ticket, q.name as queue
         from message m join ticket k on k.id = m.ticket_id join queue q on q.id = k.queue_id
        where m.gateway_id = $1 and m.direction = 'INBOUND' and m.from_address = '+48500600750' order by m.id`,
      [replyGateway],
    );
    expect(rows).toEqual([
      { text: 'Tak, dziala', ticket: out.ticket.id, queue: out.ticket.queue.name },
      { text: 'I jeszcze jedno', ticket: out.ticket.id, queue: out.ticket.queue.name },
      { text: 'Nowa sprawa', ticket: expect.any(String), queue: 'SMSAPI ruled' },
    ]);
    expect(rows[2].ticket).not.toBe(out.ticket.id);
  });
});

describe('a unique provider id (Peoplefone messageId)', () => {
  it('one id sent at once from 20 different numbers (a broken or hostile client) is stored once, and the rest leave nothing', async () => {
    await createGateway(t, admin, {
      name: 'Peoplefone twins',
      provider: 'PEOPLEFONE',
      password: 'pf-key-1',
      destinationNumber: '+41 44 123 45 68',
      prefixesToRemove: [],
      incomingActive: true,
    });
    const senders = Array.from({ length: 20 }, (_, i) => `+417912345${String(i).padStart(2, '0')}`);
    const results = await Promise.all(
      senders.map((from) => peoplefoneMt(t.url, { from, to: '+41441234568', text: 'Same id', messageId: 'TWIN-2' })),
    );
    expect(results.map((r) => `${r.status} ${r.body}`)).toEqual(senders.map(() => '200 {"status":"ok"}'));
    const msgs = await t.sql(`select id, ticket_id from message where provider_message_id = 'TWIN-2'`);
    expect(msgs).toHaveLength(1);
    // Only the winner got a customer card and a ticket; the others' transactions were rolled back whole.
    expect(await t.sql(`select count(*)::int n from customer where phone_numbers && $1::text[]`, [senders])).toEqual([
      { n: 1 },
    ]);
    expect(
      await t.sql(
        `select count(*)::int n from ticket k join customer c on c.id = k.customer_id where c.phone_numbers && $1::text[]`,
        [senders],
      ),
    ).toEqual([{ n: 1 }]);
    const events = await t.sql(
      `select outcome, count(*)::int n from inbound_event where $1 = any(message_ids) group by outcome order by outcome`,
      [msgs[0].id],
    );
    expect(events).toEqual([
      { outcome: 'ACCEPTED', n: 1 },
      { outcome: 'DUPLICATE', n: 19 },
    ]);
  });
});

describe('SMSAPI MMS', () => {
  it('stores an MMS with its files in PostgreSQL, pushes [MMS] and serves the files to logged-in users only', async () => {
    const sub = await subscribe(t, agentA.token, NOTIFICATION_ADDED);
    const jpeg = crypto.randomBytes(50_000);
    const r = await smsapiMms(t.url, {
      to: OUR,
      from: '48500600999',
      subject: 'Zdjęcie usterki',
      files: [
        { field: 'file1', filename: 'photo.jpg', contentType: 'image/jpeg', data: jpeg },
        { field: 'file2', filename: 'text.txt', contentType: 'text/plain', data: Buffer.from('Tu widać pęknięcie') },
        { field: 'file3', filename: 'layout.smil', contentType: 'application/smil', data: Buffer.from('<smil/>') },
      ],
    });
    expect(r).toMatchObject({ status: 200, body: 'OK' });
    const [n] = await sub.take(1);
    expect(n.notificationAdded).toMatchObject({
      kind: 'MMS',
      title: '[MMS] +48500600999: Tu widać pęknięcie',
      message: { kind: 'MMS', text: 'Tu widać pęknięcie' },
    });
    const q = await t.gql(
      `query($id: ID!) { ticket(id: $id) { messages { kind subject text attachments { id filename contentType size omitted url } } } }`,
      { id: n.notificationAdded.ticket.id },
      agentA.token,
    );
    const m = ok(q).ticket.messages.at(-1);
    expect(m).toMatchObject({ kind: 'MMS', subject: 'Zdjęcie usterki', text: 'Tu widać pęknięcie' });
    expect(m.attachments).toHaveLength(1);
    const a = m.attachments[0];
    expect(a).toMatchObject({
      filename: 'photo.jpg',
      contentType: 'image/jpeg',
      size: jpeg.length,
      omitted: false,
      url: `https://smsdesk.example.com/attachments/${a.id}`,
    });

    const anon = await fetch(`${t.url}/attachments/${a.id}`);
    expect(anon.status).toBe(401);
    const forged = await fetch(`${t.url}/attachments/${a.id}`, { headers: { authorization: 'Bearer smsd_forged' } });
    expect(forged.status).toBe(401);
    const dl = await fetch(`${t.url}/attachments/${a.id}`, { headers: { authorization: `Bearer ${agentA.token}` } });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await dl.arrayBuffer()).equals(jpeg)).toBe(true);
    await sub.close();
  });

  it('keeps a record of a file over the size limit without its bytes', async () => {
    const big = Buffer.alloc(MAX_ATTACHMENT_BYTES + 10, 1);
    const r = await smsapiMms(t.url, {
      to: OUR,
      from: '48500600998',
      files: [{ field: 'f', filename: 'huge.bin', contentType: 'application/octet-stream', data: big }],
    });
    expect(r.body).toBe('OK');
    const [a] = await t.sql(
      `select a.id, a.omitted, a.data is null as no_data, a.size from attachment a join message m on m.id = a.message_id where m.from_address = '+48500600998'`,
    );
    expect(a).toMatchObject({ omitted: true, no_data: true });
    const dl = await fetch(`${t.url}/attachments/${a.id}`, { headers: { authorization: `Bearer ${agentA.token}` } });
    expect(dl.status).toBe(410);
  });

  it('refuses an MMS request over the multipart limit with 413, stores nothing and logs it', async () => {
    const before = await t.sql(
      `select (select count(*) from message)::int as messages, (select count(*) from inbound_event)::int as events`,
    );
    const parts = [0, 1, 2].map((i) => ({
      field: `f${i}`,
      filename: `p${i}.jpg`,
      contentType: 'image/jpeg',
      data: Buffer.alloc(MAX_MMS_REQUEST_BYTES / 2, i),
    }));
    const r = await smsapiMms(t.url, { to: OUR, from: '48500600997', files: parts });
    expect(r.status).toBe(413);
    const after = await t.sql(
      `select (select count(*) from message)::int as messages, (select count(*) from inbound_event)::int as events`,
    );
    expect(after[0].messages).toBe(before[0].messages);
    expect(after[0].events).toBe(before[0].events + 1);
    const [ev] = await t.sql(`select outcome, reason from inbound_event order by id desc limit 1`);
    expect(ev).toMatchObject({
      outcome: 'MALFORMED',
      reason: `the request is over the limit of ${MAX_MMS_REQUEST_BYTES} bytes`,
    });
  });
});
