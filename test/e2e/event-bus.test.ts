/**
 * The event bus between instances (PgEventTarget on a real PostgreSQL): an instance's own events reach its
 * subscribers at once and exactly once (not again when LISTEN brings its NOTIFY back), other instances get
 * them through LISTEN/NOTIFY, and events NOTIFYed inside a transaction reach every instance.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_CHANNEL, PgEventTarget, createEventBus, type EventBus } from '../../src/graphql/pubsub';
import { createTestDatabase } from '../support/app';
import { waitFor } from '../support/wait';

const quiet = { warn: () => {}, error: () => {} };

interface Instance {
  target: PgEventTarget;
  bus: EventBus;
  pool: pg.Pool;
}

async function instance(url: string, log = quiet): Promise<Instance> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const target = new PgEventTarget(url, pool, log);
  await target.start();
  return { target, bus: createEventBus(target), pool };
}

/** Collects one topic's payloads from a bus. */
function collect(bus: EventBus) {
  const got: { ticketId: number; queueId: number }[] = [];
  const it = bus.subscribe('TICKET_UPDATED')[Symbol.asyncIterator]();
  void (async () => {
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      got.push(r.value);
    }
  })();
  return { got, stop: () => void it.return?.() };
}

const settle = (ms = 400) => new Promise((r) => setTimeout(r, ms));

describe('event bus (LISTEN/NOTIFY between instances)', () => {
  let url: string;
  let a: Instance;
  let b: Instance;
  beforeAll(async () => {
    url = await createTestDatabase();
    [a, b] = await Promise.all([instance(url), instance(url)]);
  });
  afterAll(async () => {
    for (const i of [a, b]) {
      await i?.target.stop();
      await i?.pool.end();
    }
  });

  it("an instance's own event reaches its subscribers before any NOTIFY, and once; the other instance gets it once", async () => {
    const onA = collect(a.bus);
    const onB = collect(b.bus);
    a.bus.publish('TICKET_UPDATED', { ticketId: 1, queueId: 7 });
    // Local delivery does not wait for the database: the subscriber has it on the next turn of the loop.
    await new Promise((r) => setImmediate(r));
    expect(onA.got).toEqual([{ ticketId: 1, queueId: 7 }]);
    // B has it once the NOTIFY is committed, and A's LISTEN gets the same NOTIFY: give both a moment more.
    await waitFor(() => onB.got.length > 0, 'the event on the other instance', 5_000);
    await settle(200);
    // Still one on A (its NOTIFY came back through LISTEN and was skipped), and one on B.
    expect(onA.got).toHaveLength(1);
    expect(onB.got).toEqual([{ ticketId: 1, queueId: 7 }]);
    onA.stop();
    onB.stop();
  });

  it('a subscriber gets a copy as JSON carries it, as a remote one does, not the publisher object', async () => {
    const onA = collect(a.bus);
    const onB = collect(b.bus);
    const payload = { ticketId: 2, queueId: 7 };
    a.bus.publish('TICKET_UPDATED', payload);
    await new Promise((r) => setImmediate(r));
    expect(onA.got[0]).toEqual(payload);
    expect(onA.got[0]).not.toBe(payload);
    // B's copy arrives through LISTEN before the next test listens.
    await waitFor(() => onB.got.length > 0, 'the event on the other instance', 5_000);
    expect(onB.got).toEqual([payload]);
    onA.stop();
    onB.stop();
  });

  it('an event NOTIFYed inside a transaction (no origin tag) reaches every instance through LISTEN', async () => {
    const onA = collect(a.bus);
    const onB = collect(b.bus);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('begin');
    await c.query('select pg_notify($1, $2)', [
      EVENTS_CHANNEL,
      JSON.stringify({ t: 'TICKET_UPDATED', d: { ticketId: 3, queueId: 8 } }),
    ]);
    await settle(200);
    expect(onA.got).toHaveLength(0); // nothing before the commit
    await c.query('commit');
    await c.end();
    await settle();
    expect(onA.got).toEqual([{ ticketId: 3, queueId: 8 }]);
    expect(onB.got).toEqual([{ ticketId: 3, queueId: 8 }]);
    onA.stop();
    onB.stop();
  });

  it("publishing reaches this instance's subscribers even while the database is unreachable (the NOTIFY failure is logged)", async () => {
    const errors: string[] = [];
    // A server that is not there: LISTEN never comes up and the NOTIFY fails.
    const dead = 'postgresql://postgres@127.0.0.1:1/none';
    const pool = new pg.Pool({ connectionString: dead, max: 1 });
    const target = new PgEventTarget(dead, pool, { warn: () => {}, error: (_o, m) => void errors.push(String(m)) });
    void target.start();
    const bus = createEventBus(target);
    const on = collect(bus);
    bus.publish('TICKET_UPDATED', { ticketId: 4, queueId: 9 });
    await new Promise((r) => setImmediate(r));
    expect(on.got).toEqual([{ ticketId: 4, queueId: 9 }]);
    await settle(300);
    expect(errors.some((m) => /NOTIFY failed/.test(m))).toBe(true);
    on.stop();
    await target.stop();
    await pool.end();
  });
});
