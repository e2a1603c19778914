import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { push } from '../fakes/push/http';
import { smsapiDlrUrl, smsapiSms } from '../fakes/push/providers';
import { FakeSmsapi } from '../fakes/smsapi';
import { FakeJustsendInbox } from '../fakes/push/inboxes';
import { ensurePollJobs } from '../../src/modules/inbound/tasks';
import { createAgent, createGateway, createQueue, createRule, ok } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { scrape, type Scrape } from '../support/metrics';
import { FAST_OUTBOUND_ENV, SEND, settled } from '../support/outbound';
import { waitFor } from '../support/wait';
import { NOTIFICATION_ADDED, subscribe, wsClient } from '../support/ws';
import { QUEUE_STATE_SQL } from '../../src/modules/outbound/queue-state';

/*
 * GET /metrics as an operator's Prometheus sees it, after real webhooks, sends, delivery reports, sockets and
 * pushes: each family moves by what happened, and by nothing else. Every figure is read as a difference
 * between two scrapes of the same instance.
 */

let t: TestApp;
let admin: string;
let agent: { id: string; token: string };
const smsapi = new FakeSmsapi();
const just = new FakeJustsendInbox();
let smsapiGatewayId: string;
const OUR = '48732123456';
const SMSAPI = { provider: 'smsapi' };

beforeAll(async () => {
  await Promise.all([smsapi.start(), just.start()]);
  t = await startTestApp(FAST_OUTBOUND_ENV);
  admin = await t.login();
  agent = await createAgent(t, admin, 'Metrics Agent');
  const queueId = await createQueue(t, admin, 'Metrics', [agent.id]);
  const { id: gatewayId } = await createGateway(t, admin, {
    name: 'SMSAPI',
    provider: 'SMSAPI',
    password: smsapi.token,
    senderName: 'Helpdesk',
    apiBaseUrl: smsapi.url,
    destinationNumber: OUR,
    incomingActive: true,
  });
  smsapiGatewayId = gatewayId;
  await createRule(t, admin, { name: 'all', position: 0, gatewayId, queueId, stop: true });
});

afterAll(async () => {
  await t?.close();
  await Promise.all([smsapi.stop(), just.stop()]);
});

/** What changed between two scrapes, for one series. */
const moved = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) =>
  after.value(name, labels) - before.value(name, labels);

describe('GET /metrics', () => {
  it('answers in Prometheus text format with the process metrics and every smsdesk family', async () => {
    const s = await scrape(t.url);
    expect(s.status).toBe(200);
    expect(s.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(s.has('process_cpu_user_seconds_total')).toBe(true);
    expect(s.has('nodejs_eventloop_lag_seconds')).toBe(true);
    for (const family of [
      'smsdesk_webhook_requests_total',
      'smsdesk_inbound_messages_total',
      'smsdesk_outbound_messages_total',
      'smsdesk_outbound_queue_depth',
      'smsdesk_outbound_oldest_due_seconds',
      'smsdesk_provider_request_duration_seconds',
      'smsdesk_provider_errors_total',
      'smsdesk_poll_runs_total',
      'smsdesk_graphql_ws_connections',
      'smsdesk_notifications_pushed_total',
    ])
      expect(s.text).toContain(`# TYPE ${family} `);
    // Each route's series exist from the start (at 0), so that rate() sees the first request.
    expect(s.has('smsdesk_webhook_requests_total', { ...SMSAPI, route: 'mms', outcome: 'failed' })).toBe(true);
    expect(s.has('smsdesk_webhook_requests_total', { ...SMSAPI, route: 'dlr', outcome: 'refused' })).toBe(true);
  });

  it('counts webhook requests by outcome, and stored inbound messages once', async () => {
    const before = await scrape(t.url);
    const sms = { to: OUR, from: '48500600700', text: 'Metryki: czy działa?', msgId: 'MET-1', date: 1717001234 };
    expect(await smsapiSms(t.url, sms)).toMatchObject({ status: 200, body: 'OK' });
    expect(await smsapiSms(t.url, sms)).toMatchObject({ status: 200, body: 'OK' }); // the provider's retry
    expect((await smsapiSms(t.url, { ...sms, msgId: 'MET-2' }, { token: 'wrong-token' })).status).not.toBe(200);
    expect((await push(`${t.url}/panel/tickets/incoming/smsapi`, { form: { nothing: 'here' } })).status).toBe(400);
    const after = await scrape(t.url);
    const webhooks = (outcome: string) =>
      moved(before, after, 'smsdesk_webhook_requests_total', { ...SMSAPI, route: 'sms', outcome });
    expect([webhooks('accepted'), webhooks('duplicate'), webhooks('refused'), webhooks('malformed')]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(webhooks('failed')).toBe(0);
    expect(moved(before, after, 'smsdesk_inbound_messages_total', { ...SMSAPI, kind: 'sms' })).toBe(1);
    expect(moved(before, after, 'smsdesk_inbound_messages_total', { ...SMSAPI, kind: 'mms' })).toBe(0);
  });

  it('counts each status an outbound message reaches, the provider calls and their errors', async () => {
    const before = await scrape(t.url);
    const send = async () => {
      const r = await t.gql(
        SEND,
        { i: { to: '+48500600700', text: 'Hello', gatewayId: smsapiGatewayId } },
        agent.token,
      );
      expect(r.errors).toBeUndefined();
      return r.data.sendSms;
    };
    const queued = await send();
    const sent = await settled(t, agent.token, queued, 'SENT');
    // A delivery report, as SMSAPI calls our notify URL.
    expect(await smsapi.pushDlr(smsapiDlrUrl(t.url), [{ id: String(sent.providerMessageId), status: 404 }])).toEqual([
      { status: 200, body: 'OK' },
    ]);
    await settled(t, agent.token, queued, 'DELIVERED');
    // SMSAPI error 13 (no valid recipient) is permanent: FAILED at once.
    smsapi.failNext({
      kind: 'answer',
      answer: {
        status: 200,
        body: JSON.stringify({ error: 13, message: 'No correct phone numbers' }),
        contentType: 'application/json',
      },
    });
    await settled(t, agent.token, await send(), 'FAILED');

    const after = await scrape(t.url);
    const status = (s: string) => moved(before, after, 'smsdesk_outbound_messages_total', { ...SMSAPI, status: s });
    expect([status('QUEUED'), status('SENT'), status('DELIVERED'), status('FAILED'), status('UNDELIVERED')]).toEqual([
      2, 1, 1, 1, 0,
    ]);
    const calls = (result: string) =>
      moved(before, after, 'smsdesk_provider_request_duration_seconds_count', { ...SMSAPI, operation: 'send', result });
    expect([calls('ok'), calls('permanent'), calls('retryable')]).toEqual([1, 1, 0]);
    // The histogram's sum is the time spent, in seconds: more than nothing, less than the test took.
    const spent = moved(before, after, 'smsdesk_provider_request_duration_seconds_sum', {
      ...SMSAPI,
      operation: 'send',
    });
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThan(10);
    expect(moved(before, after, 'smsdesk_provider_errors_total', { ...SMSAPI, class: 'permanent', code: '13' })).toBe(
      1,
    );
    expect(
      moved(before, after, 'smsdesk_webhook_requests_total', { ...SMSAPI, route: 'dlr', outcome: 'accepted' }),
    ).toBe(1);
  });

  it('never puts a number into the code label: an unexpected code is counted as other', async () => {
    const before = await scrape(t.url);
    smsapi.failNext({
      kind: 'answer',
      answer: {
        status: 200,
        body: JSON.stringify({ error: 48500600700, message: 'Something new' }),
        contentType: 'application/json',
      },
    });
    const m = ok(
      await t.gql(SEND, { i: { to: '+48500600700', text: 'Hello', gatewayId: smsapiGatewayId } }, agent.token),
    ).sendSms;
    expect(await settled(t, agent.token, m, 'FAILED')).toMatchObject({ errorCode: '48500600700' });
    const after = await scrape(t.url);
    expect(
      moved(before, after, 'smsdesk_provider_errors_total', { ...SMSAPI, class: 'permanent', code: 'other' }),
    ).toBe(1);
    expect(after.text).not.toContain('48500600700');
  });

  it('times mailbox tests and inbound polls, and counts polls by result', async () => {
    const before = await scrape(t.url);
    ok(await t.gql(`mutation($id: ID!) { testGateway(id: $id) { ok } }`, { id: smsapiGatewayId }, admin));
    const polled = async (key: string, number: string) =>
      (
        await createGateway(t, admin, {
          name: `JustSend ${number}`,
          provider: 'JUSTSEND',
          login: 'POMOC',
          password: key,
          apiBaseUrl: `${just.url}/api/rest`,
          destinationNumber: number,
          incomingActive: true,
        })
      ).id;
    await polled(just.appKey, '+48739200002');
    await polled('not-the-app-key', '+48739200003');
    await ensurePollJobs(t.orm.em.fork(), { now: true });
    const JUST = { provider: 'justsend' };
    const polls = (s: Scrape, result: string) => moved(before, s, 'smsdesk_poll_runs_total', { ...JUST, result });
    // A poll is counted once it has ended; the metrics say when each mailbox's first one has.
    const after = await waitFor(async () => {
      const s = await scrape(t.url);
      return polls(s, 'ok') >= 1 && polls(s, 'retryable') + polls(s, 'permanent') >= 1 && s;
    }, 'a poll of each JustSend mailbox');
    expect(
      moved(before, after, 'smsdesk_provider_request_duration_seconds_count', { ...SMSAPI, operation: 'verify' }),
    ).toBe(1);
    expect(moved(before, after, 'smsdesk_poll_runs_total', { ...JUST, result: 'ok' })).toBeGreaterThanOrEqual(1);
    const failedPolls =
      moved(before, after, 'smsdesk_poll_runs_total', { ...JUST, result: 'retryable' }) +
      moved(before, after, 'smsdesk_poll_runs_total', { ...JUST, result: 'permanent' });
    expect(failedPolls).toBeGreaterThanOrEqual(1);
    expect(moved(before, after, 'smsdesk_provider_errors_total', { ...JUST, code: 'POLL_FAILED' })).toBe(failedPolls);
    expect(
      moved(before, after, 'smsdesk_provider_request_duration_seconds_count', { ...JUST, operation: 'poll' }),
    ).toBeGreaterThanOrEqual(2);
  });

  it('counts graphql-ws connections while they are open, and the notifications pushed to subscribers', async () => {
    const before = await scrape(t.url);
    const sub = await subscribe(t, agent.token, NOTIFICATION_ADDED);
    const open = await scrape(t.url);
    expect(moved(before, open, 'smsdesk_graphql_ws_connections')).toBe(1);
    // A socket refused for a bad token is never counted.
    const refused = wsClient(t.url, 'not-a-token', { lazy: false });
    await new Promise<void>((r) => refused.on('closed', () => r()));
    await refused.dispose();
    expect((await scrape(t.url)).value('smsdesk_graphql_ws_connections')).toBe(
      open.value('smsdesk_graphql_ws_connections'),
    );

    expect(
      await smsapiSms(t.url, { to: OUR, from: '48500600711', text: 'Do agenta', msgId: 'MET-PUSH' }),
    ).toMatchObject({
      status: 200,
    });
    await sub.take(1);
    const pushed = await scrape(t.url);
    expect(moved(before, pushed, 'smsdesk_notifications_pushed_total')).toBe(1);

    await sub.close();
    await waitFor(
      async () =>
        (await scrape(t.url)).value('smsdesk_graphql_ws_connections') ===
        before.value('smsdesk_graphql_ws_connections'),
      'the closed socket to be taken off the gauge',
    );
  });

  it('reads the queue at scrape time through the partial index of due messages', async () => {
    // A message table as it grows: thousands of sent messages, a handful queued (copies of one, rolled back).
    const m = ok(
      await t.gql(SEND, { i: { to: '+48500600700', text: 'Plan', gatewayId: smsapiGatewayId } }, agent.token),
    ).sendSms;
    await settled(t, agent.token, m, 'SENT');
    const c = new pg.Client({ connectionString: t.dbUrl });
    await c.connect();
    try {
      await c.query('begin');
      const cols = (
        await c.query(
          `select column_name from information_schema.columns where table_name = 'message' and column_name <> 'id' order by ordinal_position`,
        )
      ).rows.map((r) => r.column_name as string);
      const copy = (status: string, n: number) =>
        c.query(
          `insert into message (${cols.join(', ')})
           select ${cols.map((k) => (k === 'status' ? `'${status}'` : ['provider_message_id', 'dedupe_key'].includes(k) ? 'null' : k)).join(', ')}
             from message, generate_series(1, ${n})
            where id = (select min(id) from message where direction = 'OUTBOUND')`,
        );
      await copy('SENT', 5000);
      await copy('QUEUED', 3);
      await c.query('analyze message');
      const plan = (await c.query(`explain ${QUEUE_STATE_SQL}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index (Only )?Scan using message_outbound_due/);
      expect(plan).not.toMatch(/Seq Scan/);
    } finally {
      await c.query('rollback');
      await c.end();
    }
  });
});

describe('the outbound queue, every instance reporting the shared queue', () => {
  let web: TestApp;
  let worker: TestApp | undefined;
  const TOKEN = 'metrics-token-0123456789abcdef';

  beforeAll(async () => {
    // An instance without a sender: what it queues stays due until an instance with one runs.
    web = await startTestApp({ ...FAST_OUTBOUND_ENV, METRICS_TOKEN: TOKEN }, { app: { worker: false } });
  });
  afterAll(async () => {
    await worker?.close();
    await web?.close();
  });

  it('asks for the bearer METRICS_TOKEN when one is set', async () => {
    expect((await scrape(web.url)).status).toBe(401);
    expect((await scrape(web.url, 'wrong-token-0123456789abcdef')).status).toBe(401);
    const s = await scrape(web.url, TOKEN);
    expect(s.status).toBe(200);
    expect(s.has('smsdesk_outbound_queue_depth')).toBe(true);
  });

  it('shows due messages while no sender runs, and 0 once one has sent them', async () => {
    const admin2 = await web.login();
    const a = await createAgent(web, admin2, 'Queue Agent');
    const { id: gatewayId } = await createGateway(web, admin2, {
      name: 'SMSAPI',
      provider: 'SMSAPI',
      password: smsapi.token,
      senderName: 'Helpdesk',
      apiBaseUrl: smsapi.url,
    });
    expect((await scrape(web.url, TOKEN)).value('smsdesk_outbound_queue_depth')).toBe(0);
    const queued = [];
    for (let i = 0; i < 3; i++)
      queued.push(
        ok(await web.gql(SEND, { i: { to: '+48500600700', text: `Queued ${i}`, gatewayId } }, a.token)).sendSms,
      );
    await new Promise((r) => setTimeout(r, 1100));
    const waiting = await scrape(web.url, TOKEN);
    expect(waiting.value('smsdesk_outbound_queue_depth')).toBe(3);
    expect(waiting.value('smsdesk_outbound_oldest_due_seconds')).toBeGreaterThanOrEqual(1);

    // A second instance on the same database, with a sender: it drains the queue; the first reports it.
    worker = await startTestApp(FAST_OUTBOUND_ENV, { on: { dbUrl: web.dbUrl, key: web.key } });
    for (const m of queued) await settled(web, a.token, m, 'SENT');
    const drained = await scrape(web.url, TOKEN);
    expect(drained.value('smsdesk_outbound_queue_depth')).toBe(0);
    expect(drained.value('smsdesk_outbound_oldest_due_seconds')).toBe(0);
    // The sends were counted where they happened: SENT on the worker, QUEUED on the instance that queued them.
    expect(drained.value('smsdesk_outbound_messages_total', { ...SMSAPI, status: 'QUEUED' })).toBe(3);
    expect(drained.value('smsdesk_outbound_messages_total', { ...SMSAPI, status: 'SENT' })).toBe(0);
    expect((await scrape(worker.url)).value('smsdesk_outbound_messages_total', { ...SMSAPI, status: 'SENT' })).toBe(3);
  });
});
