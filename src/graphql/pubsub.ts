import crypto from 'node:crypto';
import pg from 'pg';
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';

/** The one PostgreSQL channel all instances LISTEN on. */
export const EVENTS_CHANNEL = 'smsdesk_events';
/** NOTIFY payloads must stay under 8000 bytes: publish ids and small facts, then load. */
const MAX_PAYLOAD = 7900;

/** Topics and their payloads (small: ids, then subscribers load what they show). */
export interface EventPayloads {
  /**
   * New notifications for these users, created with one inbound message (or one alert: no ticket, queue or
   * message, and a body). They share everything but their id and user, and that travels along (`note`), so
   * a push needs no database read.
   */
  NOTIFICATIONS_ADDED: {
    notifications: [userId: number, notificationId: number][];
    ticketId: number | null;
    queueId: number | null;
    note: { messageId: number | null; kind: string; title: string; createdAt: string; body?: string };
  };
  MESSAGE_STATUS_CHANGED: { messageId: number; ticketId: number | null; status: string };
  TICKET_UPDATED: { ticketId: number; queueId: number };
  /** The settings' opt-out or start keywords changed: every instance reads them again (KeywordWatch). */
  OPT_OUT_KEYWORDS_CHANGED: Record<string, never>;
  /** A ticket deleted with an erased customer (rare: each subscriber filters it by queue itself). */
  TICKET_REMOVED: { ticketId: number; queueId: number };
}
export type Topic = keyof EventPayloads;

type Log = { warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };

/**
 * An EventTarget whose events travel through PostgreSQL LISTEN/NOTIFY, so that every instance on one
 * database sees every event (graphql-yoga's pubsub runs on top of it). Publishing delivers the event to
 * this instance's subscribers at once and sends a NOTIFY for the other instances; this instance skips its
 * own NOTIFYs when LISTEN brings them back (each carries the instance's origin tag). A NOTIFY without a
 * tag (sent by hand, e.g. from psql) reaches every instance through LISTEN. The LISTEN client reconnects by
 * itself when the database restarts.
 *
 * Why local delivery: waiting for our own NOTIFY would put a second database round trip (the NOTIFY
 * transaction) and the LISTEN connection's wake-up between a webhook's commit and its push, which on a
 * busy 2-core box costs several milliseconds at the median and tens at the 99th percentile.
 */
export class PgEventTarget extends EventTarget {
  private client?: pg.Client;
  private stopped = false;
  private retryMs = 100;
  private lostAt?: number;
  private readonly reconnectHandlers: ((downMs: number) => void)[] = [];
  /** Resolves when LISTEN is active (again). */
  ready: Promise<void>;
  private markReady!: () => void;
  /** This instance's tag on its NOTIFYs; a payload that starts with `ownPrefix` was delivered locally already. */
  private readonly origin = crypto.randomBytes(8).toString('hex');
  private readonly ownPrefix = `{"o":"${this.origin}",`;

  constructor(
    private readonly connectionString: string,
    private readonly pool: pg.Pool,
    private readonly log: Log,
  ) {
    super();
    this.ready = new Promise((r) => (this.markReady = r));
    // An idle pooled client whose server went away emits 'error' on the pool; unhandled, that would end the process.
    pool.on('error', (err) => this.log.warn({ err }, 'NOTIFY pool: a connection was lost'));
  }

  /** True while the LISTEN connection is up (readiness). */
  get listening(): boolean {
    return this.client !== undefined;
  }

  /**
   * Called after LISTEN is back from a loss: events published in between never reached this instance,
   * so its subscribers have to catch up (`notifications(after:)`).
   */
  onReconnect(handler: (downMs: number) => void): void {
    this.reconnectHandlers.push(handler);
  }

  async start(): Promise<void> {
    await this.connect();
    await this.ready;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
    let lost = false;
    // One way out per client, whichever of 'error', 'end' or a failed connect comes first.
    const onLost = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (this.client === client) {
        this.client = undefined;
        this.lostAt = Date.now();
        this.ready = new Promise((r) => (this.markReady = r));
        if (!this.stopped) this.log.warn({ err }, 'LISTEN connection lost; reconnecting');
      }
      client.end().catch(() => {});
      if (!this.stopped) this.scheduleReconnect();
    };
    client.on('notification', (n) => {
      if (n.channel !== EVENTS_CHANNEL || !n.payload || n.payload.startsWith(this.ownPrefix)) return;
      try {
        const { t, d } = JSON.parse(n.payload) as { t: string; d: unknown };
        super.dispatchEvent(new CustomEvent(t, { detail: d }));
      } catch (e) {
        this.log.warn({ err: e }, 'ignored a malformed event');
      }
    });
    client.on('error', (err) => onLost(err));
    client.on('end', () => onLost());
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (err) {
      if (!lost) this.log.warn({ err }, 'cannot LISTEN yet; retrying');
      onLost(err);
      return;
    }
    if (lost) return;
    if (this.stopped) {
      client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = 100;
    this.markReady();
    if (this.lostAt !== undefined) {
      const downMs = Date.now() - this.lostAt;
      this.lostAt = undefined;
      this.log.warn({ downMs }, 'LISTEN connection restored');
      for (const h of this.reconnectHandlers) h(downMs);
    }
  }

  private scheduleReconnect(): void {
    const wait = this.retryMs;
    // Short cap: while LISTEN is down, live events are missed and readiness is off.
    this.retryMs = Math.min(this.retryMs * 2, 1000);
    setTimeout(() => void this.connect(), wait).unref();
  }

  override dispatchEvent(event: Event): boolean {
    const payload = JSON.stringify({ o: this.origin, t: event.type, d: (event as CustomEvent).detail });
    // PostgreSQL's limit is in bytes, and a title may be far from ASCII.
    const bytes = Buffer.byteLength(payload);
    if (bytes > MAX_PAYLOAD) {
      this.log.error({ topic: event.type, bytes }, 'event too large for NOTIFY; dropped');
      return false;
    }
    this.outbox.push(payload);
    if (!this.flushing) void this.flush();
    // Local subscribers get what the other instances will get: the payload as JSON carries it (dates as
    // strings, no shared objects), not the publisher's object.
    const { d } = JSON.parse(payload) as { d: unknown };
    return super.dispatchEvent(new CustomEvent(event.type, { detail: d }));
  }

  /** Events waiting for the next NOTIFY transaction; beyond this the oldest are dropped (clients catch up). */
  private outbox: string[] = [];
  private flushing = false;

  /**
   * Sends the waiting events, all of them in one transaction (one statement), one transaction at a time so
   * their order holds. PostgreSQL serialises NOTIFYing commits, WAL flush included, behind one global lock:
   * a transaction per event would pay one serialised fsync each; a batch pays one for all.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.outbox.length) {
        if (this.outbox.length > 100_000) this.outbox.splice(0, this.outbox.length - 100_000);
        const batch = this.outbox.splice(0, 1000);
        await this.pool
          .query(
            'select pg_notify($1, p) from (select p from unnest($2::text[]) with ordinality as u(p, i) order by i) o',
            [EVENTS_CHANNEL, batch],
          )
          .catch((err) =>
            this.log.error({ err, events: batch.length }, 'NOTIFY failed; clients catch up with notifications(after:)'),
          );
      }
    } finally {
      this.flushing = false;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => {});
  }
}

export type EventBus = PubSub<{ [K in Topic]: [EventPayloads[K]] }>;

/** Publishes an event to every instance after its commit (LISTEN/NOTIFY, batched; see PgEventTarget). */
export type Publish = <K extends Topic>(topic: K, payload: EventPayloads[K]) => void;

/** Pubsub for type-graphql subscriptions; a slow subscriber's queue is bounded by graphql-ws/ws. */
export function createEventBus(target: EventTarget): EventBus {
  return createPubSub({ eventTarget: target as never }) as EventBus;
}

/**
 * Starts a subscription's event stream; when starting fails (a FORBIDDEN or NOT_FOUND of its arguments), the
 * stream fails on its first read instead, so that graphql-ws refuses it with an `error` message carrying the
 * error's code (formatSocketError), as it refuses an invalid request, rather than with a `next` without data.
 */
export async function streamOrRefusal<T>(start: () => Promise<AsyncIterable<T>>): Promise<AsyncIterable<T>> {
  try {
    return await start();
  } catch (e) {
    const failed: AsyncIterableIterator<T> = {
      next: () => Promise.reject(e),
      return: () => Promise.resolve({ value: undefined, done: true }),
      [Symbol.asyncIterator]: () => failed,
    };
    return failed;
  }
}
