import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slowConsumerStats } from '../../src/graphql/slow-consumer';
import { WsClose } from '../../src/graphql/close-codes';
import { createAgent, createGateway } from '../support/api';
import { startTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';
import { subscribe } from '../support/ws';
import { smsapiSms } from '../fakes/push/providers';

/*
 * A graphql-ws subscriber that stops reading must not make the server's memory grow without bound: its
 * bytes queued in the process stay under a limit, then it is closed with 4008 "too slow", while a
 * subscriber that reads keeps getting everything.
 */

const LIMITS = { maxBufferedBytes: 64 * 1024, maxStallMs: 500, closeGraceMs: 20_000 };
// ~1.5 KB per push (aliases), so a few thousand pushes overflow the kernel's socket buffers.
const BIG = `subscription { notificationAdded { id ${Array.from({ length: 20 }, (_, i) => `t${i}: title`).join(' ')} } }`;

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({}, { app: { worker: false, slowConsumer: LIMITS } });
});
afterAll(() => t?.close());

/** A raw graphql-ws client, so that the test can stop reading (pause the socket) and see the close code. */
async function rawSubscriber(
  token: string,
  query: string,
): Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }>; received: () => number }> {
  const ws = new WebSocket(t.url.replace('http', 'ws') + '/graphql', 'graphql-transport-ws');
  let received = 0;
  const closed = new Promise<{ code: number; reason: string }>((r) =>
    ws.on('close', (code, reason) => r({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        resolve();
      } else if (m.type === 'next') received++;
    });
    ws.on('error', reject);
  });
  await new Promise((r) => setTimeout(r, 200)); // the server registers the subscription
  return { ws, closed, received: () => received };
}

describe('a subscriber that stops reading', () => {
  it('is closed with 4008 once its buffer is full, its queued bytes stay bounded, and a reading subscriber keeps its connection', async () => {
    const admin = await t.login();
    const agent = await createAgent(t, admin, 'Slow Reader');
    await createGateway(t, admin, {
      name: 'S',
      provider: 'SMSAPI',
      password: 'tok-slow-1',
      destinationNumber: '48739200001',
      incomingActive: true,
    });

    const slow = await rawSubscriber(agent.token, BIG);
    const fast = await subscribe(t, agent.token, BIG);
    expect(
      (await smsapiSms(t.url, { to: '48739200001', from: '48500700999', text: 'x'.repeat(50), msgId: 'SLOW-1' })).body,
    ).toBe('OK');
    await fast.take(1);
    await waitFor(() => slow.received() >= 1, "the slow subscriber's first event");
    const [n] = await t.sql(
      `select id, user_id, ticket_id, message_id, kind, title, created_at from notification where user_id = $1`,
      [Number(agent.id)],
    );
    const note = {
      messageId: Number(n.message_id),
      kind: String(n.kind),
      title: String(n.title),
      createdAt: new Date(n.created_at).toISOString(),
    };

    // The slow client stops reading; then pushes (~1.5 KB each, 250 per event) arrive until it is closed.
    slow.ws.pause();
    const closedBefore = slowConsumerStats.closed;
    const rssBefore = process.memoryUsage().rss;
    // Bursts of 5 events every 100 ms (a burst larger than a subscriber's queue is cut by the queue itself).
    let EVENTS = 0;
    for (const deadline = Date.now() + 30_000; slowConsumerStats.closed === closedBefore && Date.now() < deadline;) {
      for (let i = 0; i < 5; i++, EVENTS++) {
        t.app.ctx.events.publish('NOTIFICATIONS_ADDED', {
          notifications: Array.from({ length: 250 }, () => [Number(n.user_id), Number(n.id)] as [number, number]),
          ticketId: Number(n.ticket_id),
          queueId: 0,
          note,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(slowConsumerStats.closed).toBe(closedBefore + 1);

    // Bounded: what waited in this process for the slow socket stayed near the limit (one message over at most).
    expect(slowConsumerStats.maxBufferedAtClose).toBeLessThan(LIMITS.maxBufferedBytes + 64 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);

    // When it reads again it gets what was already on its way, then the close code and the reason.
    slow.ws.resume();
    const { code, reason } = await slow.closed;
    expect(code).toBe(WsClose.TooSlow);
    expect(reason).toMatch(/too slow/i);
    expect(slow.received()).toBeLessThan(1 + EVENTS * 250);

    // The reading subscriber was not closed and still gets new notifications. (Under a burst faster than it
    // is served it may have lost old ones from its bounded queue; it catches up with notifications(after:).)
    expect(fast.events.length).toBeGreaterThan(1000);
    expect(
      (await smsapiSms(t.url, { to: '48739200001', from: '48500700999', text: 'after the burst', msgId: 'SLOW-2' }))
        .body,
    ).toBe('OK');
    await waitFor(
      () => fast.events.some((e) => e.notificationAdded.t0.includes('after the burst')),
      'the event after the burst',
      20_000,
    );
    expect(slowConsumerStats.closed).toBe(closedBefore + 1);
    await fast.close();
  }, 60_000);
});
