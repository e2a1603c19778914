import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../../src/config';
import { SecretBox } from '../../src/common/secret-box';
import { ormConfig } from '../../src/db/mikro-orm.config';
import { buildApp, type App } from '../../src/app';
import { codes, createAgent, createGateway, createQueue, createRule, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { NOTIFICATION_ADDED, subscribe } from '../support/ws';
import { smsapiSms } from '../fakes/push/providers';

/*
 * Rules (order, stop, default queue, preview), who is notified, read state and catch-up, and the live push
 * across two instances on one database.
 */

let t: TestApp;
let admin: string;
let x: string; // mailbox X
let y: string; // mailbox Y
let q1: string;
let q2: string;
let q3: string;
let a1: { id: string; token: string };
let a2: { id: string; token: string };
let loner: { id: string; token: string };
const X = '48739100001';
const Y = '48739100002';

const queueOf = async (msgId: string) =>
  (
    await t.sql(
      `select q.name from message m join ticket t on t.id = m.ticket_id join queue q on q.id = t.queue_id where m.provider_message_id = $1`,
      [msgId],
    )
  )[0]?.name;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.login();
  a1 = await createAgent(t, admin, 'Queue One Agent');
  a2 = await createAgent(t, admin, 'Queue Two Agent');
  loner = await createAgent(t, admin, 'Loner Agent');
  q1 = await createQueue(t, admin, 'Q1', [a1.id]);
  q2 = await createQueue(t, admin, 'Q2', [a2.id]);
  q3 = await createQueue(t, admin, 'Q3', [a1.id, a2.id]);
  x = (
    await createGateway(t, admin, {
      name: 'X',
      provider: 'SMSAPI',
      password: 'tok-x-1',
      destinationNumber: X,
      incomingActive: true,
    })
  ).id;
  y = (
    await createGateway(t, admin, {
      name: 'Y',
      provider: 'SMSAPI',
      password: 'tok-y-1',
      destinationNumber: Y,
      incomingActive: true,
    })
  ).id;
});
afterAll(() => t?.close());

describe('rules', () => {
  it('sends a message to the default queue "SMS" (created on first use) when no rule matches, notifying every agent', async () => {
    const sub = await subscribe(t, loner.token, NOTIFICATION_ADDED);
    expect((await smsapiSms(t.url, { to: X, from: '48500700001', text: 'No rules yet', msgId: 'D-1' })).body).toBe(
      'OK',
    );
    expect(await queueOf('D-1')).toBe('SMS');
    const users = await t.sql(
      `select user_id from notification n join message m on m.id = n.message_id where m.provider_message_id = 'D-1' order by user_id`,
    );
    expect(users.map((u) => String(u.user_id))).toEqual([a1.id, a2.id, loner.id]);
    expect((await sub.take(1))[0].notificationAdded.ticket.queue.name).toBe('SMS');
    await sub.close();
  });

  it('walks active rules by position: the first match decides unless it continues, "stop" ends the walk', async () => {
    // 0: X → Q1, continue. 1: any → Q2, stop. 2: any → Q3 (never reached while 1 is active).
    await createRule(t, admin, { name: 'X to Q1, go on', position: 0, gatewayId: x, queueId: q1, stop: false });
    const r1 = await createRule(t, admin, {
      name: 'Any to Q2, stop',
      position: 1,
      gatewayId: null,
      queueId: q2,
      stop: true,
    });
    await createRule(t, admin, { name: 'Any to Q3', position: 2, gatewayId: null, queueId: q3, stop: true });
    await smsapiSms(t.url, { to: X, from: '48500700002', text: 'r', msgId: 'R-1' });
    expect(await queueOf('R-1')).toBe('Q2');
    await smsapiSms(t.url, { to: Y, from: '48500700002', text: 'r', msgId: 'R-2' });
    expect(await queueOf('R-2')).toBe('Q2');

    const preview = `query($g: ID!) { previewMessageRules(gatewayId: $g, from: "500 700 002", text: "hi") { from queueName usesDefaultQueue queue { name } decidingRule { rule { name } } applied { rule { name } queue { name } stopped } } }`;
    expect(ok(await t.gql(preview, { g: x }, a1.token)).previewMessageRules).toEqual({
      from: '+48500700002',
      queueName: 'Q2',
      usesDefaultQueue: false,
      queue: { name: 'Q2' },
      decidingRule: { rule: { name: 'Any to Q2, stop' } },
      applied: [
        { rule: { name: 'X to Q1, go on' }, queue: { name: 'Q1' }, stopped: false },
        { rule: { name: 'Any to Q2, stop' }, queue: { name: 'Q2' }, stopped: true },
      ],
    });

    // The stopping rule switched off: X goes through Q1 and on to Q3; so does Y (without the X rule).
    ok(
      await t.gql(
        `mutation($id: ID!) { updateMessageRule(id: $id, input: { active: false }) { id } }`,
        { id: r1 },
        admin,
      ),
    );
    await smsapiSms(t.url, { to: X, from: '48500700003', text: 'r', msgId: 'R-3' });
    expect(await queueOf('R-3')).toBe('Q3');
    const p = ok(await t.gql(preview, { g: y }, admin)).previewMessageRules;
    expect(p).toMatchObject({ queueName: 'Q3', applied: [{ rule: { name: 'Any to Q3' } }] });
    expect(codes(await t.gql(preview, { g: '999999' }, admin))).toEqual(['NOT_FOUND']);
  });

  it('notifies only the agents of the target queue: an agent outside it receives nothing', async () => {
    // Rules now: X → Q1 then Q3 (both agents). Make a rule set where X lands in Q1 only.
    await t.sql(`update message_rule set active = false`);
    await createRule(t, admin, { name: 'X only Q1', position: 10, gatewayId: x, queueId: q1, stop: true });
    const s1 = await subscribe(t, a1.token, NOTIFICATION_ADDED);
    const s2 = await subscribe(t, a2.token, NOTIFICATION_ADDED);
    await smsapiSms(t.url, { to: X, from: '48500700004', text: 'Only for Q1', msgId: 'N-1' });
    const [n] = await s1.take(1);
    expect(n.notificationAdded).toMatchObject({
      title: '[SMS] +48500700004: Only for Q1',
      ticket: { queue: { name: 'Q1' } },
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(s2.events).toHaveLength(0);
    expect(
      await t.sql(
        `select count(*)::int n from notification n join message m on m.id = n.message_id where m.provider_message_id = 'N-1' and n.user_id = $1`,
        [a2.id],
      ),
    ).toEqual([{ n: 0 }]);
    // Reading another agent's notification: NOT_FOUND.
    expect(
      codes(
        await t.gql(
          `mutation($id: ID!) { markNotificationRead(id: $id) { id } }`,
          { id: n.notificationAdded.id },
          a2.token,
        ),
      ),
    ).toEqual(['NOT_FOUND']);
    await Promise.all([s1.close(), s2.close()]);
  });
});

describe('many recipients', () => {
  it('a queue without members notifies every agent, in several NOTIFY payloads when they do not fit one', async () => {
    const queue = await createQueue(t, admin, 'Everyone');
    const g = (
      await createGateway(t, admin, {
        name: 'Z',
        provider: 'SMSAPI',
        password: 'tok-z-1',
        destinationNumber: '48739100003',
        incomingActive: true,
      })
    ).id;
    await createRule(t, admin, { name: 'Z to Everyone', position: 0, gatewayId: g, queueId: queue, stop: true });
    const rows = await t.sql(
      `insert into app_user (email, name, role, password_hash, created_at)
       select 'many' || i || '@inbound.test', 'Many ' || i, 'AGENT', 'x', now() from generate_series(1, 600) i returning id`,
    );
    const lastId = rows.at(-1).id;
    const { token } = await t.app.services.auth.createApiToken(t.orm.em.fork(), lastId, 'many');
    const sub = await subscribe(t, token, NOTIFICATION_ADDED);
    expect(
      (await smsapiSms(t.url, { to: '48739100003', from: '48500700099', text: 'To all of you', msgId: 'MANY-1' })).body,
    ).toBe('OK');
    const [n] = await sub.take(1);
    expect(n.notificationAdded.title).toBe('[SMS] +48500700099: To all of you');
    const agents = (await t.sql(`select count(*)::int n from app_user where role = 'AGENT'`))[0].n;
    expect(
      await t.sql(
        `select count(*)::int n from notification n join message m on m.id = n.message_id where m.provider_message_id = 'MANY-1'`,
      ),
    ).toEqual([{ n: agents }]);
    expect(agents).toBeGreaterThan(600);
    await sub.close();
    await t.sql(`delete from app_user where email like 'many%@inbound.test'`);
  });
});

describe('notifications API', () => {
  const LIST = `query($u: Boolean, $first: Int, $after: String, $last: Int, $before: String) {
    notifications(unreadOnly: $u, first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id title read kind } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
    unreadNotificationCount
  }`;

  it('keeps read state per agent, marks one or all read, lists unread only, and lets a client catch up after a cursor', async () => {
    const all = ok(await t.gql(LIST, { first: 50 }, a1.token));
    const mine = all.notifications.edges.map((e: any) => e.node);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(all.unreadNotificationCount).toBe(mine.length);
    // Oldest first when reading forward; ids increase.
    expect(mine.map((n: any) => Number(n.id))).toEqual([...mine.map((n: any) => Number(n.id))].sort((p, q) => p - q));

    const first = mine[0];
    const marked = ok(
      await t.gql(
        `mutation($id: ID!) { markNotificationRead(id: $id) { id read readAt } }`,
        { id: first.id },
        a1.token,
      ),
    ).markNotificationRead;
    expect(marked).toMatchObject({ id: first.id, read: true });
    const unread = ok(await t.gql(LIST, { u: true, first: 50 }, a1.token));
    expect(unread.notifications.edges.map((e: any) => e.node.id)).not.toContain(first.id);
    expect(unread.unreadNotificationCount).toBe(mine.length - 1);
    // Another agent's state is untouched.
    const a2Count = ok(await t.gql(`{ unreadNotificationCount }`, {}, a2.token)).unreadNotificationCount;
    expect(a2Count).toBeGreaterThan(0);

    // Catch-up: everything after the cursor of the last one seen.
    const cursor = all.notifications.pageInfo.endCursor;
    await smsapiSms(t.url, { to: X, from: '48500700005', text: 'While you were away 1', msgId: 'C-1' });
    await smsapiSms(t.url, { to: X, from: '48500700005', text: 'While you were away 2', msgId: 'C-2' });
    const missed = ok(await t.gql(LIST, { first: 50, after: cursor }, a1.token)).notifications.edges.map(
      (e: any) => e.node.title,
    );
    expect(missed).toEqual(['[SMS] +48500700005: While you were away 1', '[SMS] +48500700005: While you were away 2']);
    // The latest two, newest last, by reading backward.
    const latest = ok(await t.gql(LIST, { last: 2 }, a1.token)).notifications;
    expect(latest.edges.map((e: any) => e.node.title)).toEqual(missed);
    expect(latest.pageInfo.hasPreviousPage).toBe(true);

    const n = ok(await t.gql(`mutation { markAllNotificationsRead }`, {}, a1.token)).markAllNotificationsRead;
    expect(n).toBe(mine.length - 1 + 2);
    expect(ok(await t.gql(`{ unreadNotificationCount }`, {}, a1.token)).unreadNotificationCount).toBe(0);
    expect(ok(await t.gql(`{ unreadNotificationCount }`, {}, a2.token)).unreadNotificationCount).toBe(a2Count);
    expect(codes(await t.gql(LIST, { first: 1, last: 1 }, a1.token))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await t.gql(`{ notifications { edges { cursor } } }`))).toEqual(['UNAUTHENTICATED']);
  });

  it("pushes ticketUpdated to views of the ticket's queue only", async () => {
    const sQ1 = await subscribe(
      t,
      a1.token,
      `subscription($q: ID!) { ticketUpdated(queueId: $q) { id queue { name } customer { name } } }`,
      { q: q1 },
    );
    const sQ2 = await subscribe(t, a1.token, `subscription($q: ID!) { ticketUpdated(queueId: $q) { id } }`, { q: q2 });
    await smsapiSms(t.url, { to: X, from: '48500700006', text: 'Ticket view', msgId: 'TV-1' });
    const [u] = await sQ1.take(1);
    expect(u.ticketUpdated).toMatchObject({ queue: { name: 'Q1' }, customer: { name: '+48500700006' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(sQ2.events).toHaveLength(0);
    await Promise.all([sQ1.close(), sQ2.close()]);
  });
});

describe('two instances on one database', () => {
  let b: App;
  let bOrm: MikroORM;
  let bUrl: string;
  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'https://smsdesk.example.com',
      DATABASE_URL: t.dbUrl,
      SECRET_KEY: t.key.toString('hex'),
      LOG_LEVEL: 'silent',
    });
    bOrm = await MikroORM.init(ormConfig(t.dbUrl, { pool: { min: 0, max: 5 } }));
    b = await buildApp({ config, orm: bOrm, databaseUrl: t.dbUrl, box: new SecretBox(t.key), worker: false });
    bUrl = await b.listen();
  });
  afterAll(async () => {
    await b?.close();
    await bOrm?.close(true);
  });

  it('a webhook on instance A reaches a subscriber on instance B (LISTEN/NOTIFY), and only its user', async () => {
    const onB = await subscribe(t, a1.token, NOTIFICATION_ADDED, {}, bUrl);
    const otherOnB = await subscribe(t, a2.token, NOTIFICATION_ADDED, {}, bUrl);
    const r = await smsapiSms(t.url, { to: X, from: '48500700007', text: 'Hello from A', msgId: 'AB-1' });
    expect(r.body).toBe('OK');
    const [n] = await onB.take(1);
    expect(n.notificationAdded).toMatchObject({
      title: '[SMS] +48500700007: Hello from A',
      ticket: { queue: { name: 'Q1' } },
    });
    // And the other way round: a webhook on B, the subscriber on A.
    const onA = await subscribe(t, a1.token, NOTIFICATION_ADDED);
    expect((await smsapiSms(bUrl, { to: X, from: '48500700007', text: 'Hello from B', msgId: 'AB-2' })).body).toBe(
      'OK',
    );
    const [m] = await onA.take(1);
    expect(m.notificationAdded.title).toBe('[SMS] +48500700007: Hello from B');
    await new Promise((r) => setTimeout(r, 300));
    expect(otherOnB.events).toHaveLength(0);
    await Promise.all([onB.close(), otherOnB.close(), onA.close()]);
  });
});

describe('notification rows follow their message and ticket', () => {
  // The rows have no foreign keys to message, ticket and user (they cost half the database's time per webhook);
  // triggers keep the cascade those keys gave, so nothing is left pointing at a deleted message or ticket.
  const countFor = async (msgId: string) =>
    (
      await t.sql(
        `select count(*)::int n from notification n join message m on m.id = n.message_id where m.provider_message_id = $1`,
        [msgId],
      )
    )[0].n as number;
  const orphans = async () =>
    (
      await t.sql(
        `select count(*)::int n from notification n where not exists (select 1 from message m where m.id = n.message_id) or not exists (select 1 from ticket k where k.id = n.ticket_id) or not exists (select 1 from app_user u where u.id = n.user_id)`,
      )
    )[0].n as number;

  it('deleting a message, or a customer (its tickets and messages go with it), deletes their notifications', async () => {
    expect((await smsapiSms(t.url, { to: X, from: '48500700081', text: 'one', msgId: 'DEL-1' })).body).toBe('OK');
    expect((await smsapiSms(t.url, { to: X, from: '48500700081', text: 'two', msgId: 'DEL-2' })).body).toBe('OK');
    expect((await smsapiSms(t.url, { to: X, from: '48500700082', text: 'three', msgId: 'DEL-3' })).body).toBe('OK');
    expect(await countFor('DEL-1')).toBeGreaterThan(0);
    const before = (await t.sql(`select count(*)::int n from notification`))[0].n as number;
    const perMessage = await countFor('DEL-1');

    await t.sql(`delete from message where provider_message_id = 'DEL-1'`);
    expect((await t.sql(`select count(*)::int n from notification`))[0].n).toBe(before - perMessage);
    expect(await countFor('DEL-2')).toBe(perMessage);

    await t.sql(`delete from customer where phone_numbers @> array['+48500700081']`);
    expect((await t.sql(`select count(*)::int n from notification`))[0].n).toBe(before - 2 * perMessage);
    expect(await countFor('DEL-3')).toBe(perMessage);
    expect(await orphans()).toBe(0);

    await t.sql(`delete from ticket where id = (select ticket_id from message where provider_message_id = 'DEL-3')`);
    expect((await t.sql(`select count(*)::int n from notification`))[0].n).toBe(before - 3 * perMessage);
    expect(await orphans()).toBe(0);
  });

  it('deleting a user deletes their notifications, and only theirs', async () => {
    const mine = async (id: string) =>
      (await t.sql(`select count(*)::int n from notification where user_id = $1`, [Number(id)]))[0].n as number;
    expect(await mine(loner.id)).toBeGreaterThan(0);
    const others = (await t.sql(`select count(*)::int n from notification where user_id <> $1`, [Number(loner.id)]))[0]
      .n as number;
    await t.sql(`delete from app_user where id = $1`, [Number(loner.id)]);
    expect(await mine(loner.id)).toBe(0);
    expect((await t.sql(`select count(*)::int n from notification`))[0].n).toBe(others);
  });
});
