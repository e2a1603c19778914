import pg from 'pg';
import { createPubSub, type PubSub } from '@graphql-yoga/subscription';
import type { EntityManager } from '@mikro-orm/postgresql';

/** The one PostgreSQL channel all instances LISTEN on. */
export const EVENTS_CHANNEL = 'smsdesk_events';
/** NOTIFY payloads must stay under 8000 bytes: publish ids and small facts, then load. */
const MAX_PAYLOAD = 7900;

/** Topics and their payloads (small: ids, then subscribers load what they show). */
export interface EventPayloads {
  /** New notifications for these users, created with one inbound message. */
  NOTIFICATIONS_ADDED: { notifications: [userId: number, notificationId: number][]; ticketId: number; queueId: number };
  MESSAGE_STATUS_CHANGED: { messageId: number; ticketId: number | null; status: string };
  TICKET_UPDATED: { ticketId: number; queueId: number };
}
export type Topic = keyof EventPayloads;

type Log = { warn(obj: unknown, msg?: string): void; error(obj: unknown, msg?: string): void };

/**
 * An EventTarget whose events travel through PostgreSQL LISTEN/NOTIFY, so that every instance on one
 * database sees every event (graphql-yoga's pubsub runs on top of it). Publishing sends a NOTIFY;
 * delivery, also to this instance, happens when the LISTEN connection receives it. The LISTEN client
 * reconnects by itself when the database restarts.
 */
export class PgEventTarget extends EventTarget {
  private client?: pg.Client;
  private stopped = false;
  private retryMs = 100;
  /** Resolves when LISTEN is active (again). */
  ready: Promise<void>;
  private markReady!: () => void;

  constructor(
    private readonly connectionString: string,
    private readonly pool: pg.Pool,
    private readonly log: Log,
  ) {
    super();
    this.ready = new Promise((r) => (this.markReady = r));
  }

  async start(): Promise<void> {
    await this.connect();
    await this.ready;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on('notification', (n) => {
      if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
      try {
        const { t, d } = JSON.parse(n.payload) as { t: string; d: unknown };
        super.dispatchEvent(new CustomEvent(t, { detail: d }));
      } catch (e) {
        this.log.warn({ err: e }, 'ignored a malformed event');
      }
    });
    client.on('error', (err) => this.log.warn({ err }, 'LISTEN connection failed; reconnecting'));
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
      if (!this.stopped) this.scheduleReconnect();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.client = client;
      this.retryMs = 100;
      this.markReady();
    } catch (err) {
      this.log.warn({ err }, 'cannot LISTEN yet; retrying');
      client.end().catch(() => {});
    }
  }

  private scheduleReconnect(): void {
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 5000);
    this.ready = new Promise((r) => (this.markReady = r));
    setTimeout(() => void this.connect(), wait).unref();
  }

  override dispatchEvent(event: Event): boolean {
    const payload = JSON.stringify({ t: event.type, d: (event as CustomEvent).detail });
    if (payload.length > MAX_PAYLOAD) {
      this.log.error({ topic: event.type, bytes: payload.length }, 'event too large for NOTIFY; dropped');
      return false;
    }
    this.pool.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, payload]).catch((err) => this.log.error({ err, topic: event.type }, 'NOTIFY failed'));
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.end().catch(() => {});
  }
}

export type EventBus = PubSub<{ [K in Topic]: [EventPayloads[K]] }>;

/** Pubsub for type-graphql subscriptions; a slow subscriber's queue is bounded by graphql-ws/ws. */
export function createEventBus(target: EventTarget): EventBus {
  return createPubSub({ eventTarget: target as never }) as EventBus;
}

/**
 * Publishes inside the caller's transaction: PostgreSQL delivers a NOTIFY only at commit, so
 * subscribers never hear of rows they cannot read yet, and nothing is announced on rollback.
 */
export async function publishInTransaction<K extends Topic>(em: EntityManager, topic: K, payload: EventPayloads[K]): Promise<void> {
  const text = JSON.stringify({ t: topic, d: payload });
  if (text.length > MAX_PAYLOAD) throw new Error(`event ${topic} too large for NOTIFY (${text.length} bytes)`);
  // em.execute runs in the caller's transaction (em.getConnection().execute would notify at once).
  await em.execute('select pg_notify(?, ?)', [EVENTS_CHANNEL, text]);
}
