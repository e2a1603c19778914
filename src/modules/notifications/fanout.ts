import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventBus, EventPayloads } from '../../graphql/pubsub';
import { Ticket } from '../tickets/ticket.entity';
import { Notification, type NotificationKind } from './notification.entity';
import type { Metrics } from '../metrics/metrics';

/** A subscriber's queue: if a client stops reading, old items are dropped (it catches up with `notifications(after:)`). */
const MAX_QUEUED = 500;

/** An async iterator fed by `push`, ended by the consumer (graphql-ws calls `return` on unsubscribe). */
class Channel<T> implements AsyncIterableIterator<T> {
  private queue: T[] = [];
  private waiting?: (r: IteratorResult<T>) => void;
  private done = false;

  constructor(private readonly onClose: () => void) {}

  push(value: T): void {
    if (this.done) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value, done: false });
      return;
    }
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push(value);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((r) => (this.waiting = r));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.queue = [];
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
      this.onClose();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/**
 * The notification a push shows, from its event alone: the notifications of one message share kind,
 * title, message, ticket and creation time, which the event carries, and a new one is unread. Relations
 * carry only their ids, which is all the field resolvers read. (No database read per push, nor per batch.)
 */
function notificationOf(userId: number, id: number, added: Added): Notification {
  return Object.assign(new Notification(), {
    id,
    user: { id: userId },
    message: added.note.messageId === null ? undefined : { id: added.note.messageId },
    ticket: added.ticketId === null ? undefined : { id: added.ticketId },
    kind: added.note.kind as NotificationKind,
    title: added.note.title,
    body: added.note.body,
    readAt: undefined,
    createdAt: new Date(added.note.createdAt),
  });
}

/** Events waiting to be loaded and handed out; beyond this the oldest are dropped (clients catch up). */
const MAX_PENDING = 50_000;

type Added = EventPayloads['NOTIFICATIONS_ADDED'];
type Updated = EventPayloads['TICKET_UPDATED'];

/**
 * Per-instance fan-out of the two inbound events. Each event arrives once per instance (see PgEventTarget); it is
 * handed only to the local subscribers it concerns, looked up by user id (notifications) or queue id
 * (ticket updates), so 10,000 connected agents cost a map lookup per event, not 10,000 filter calls.
 * A new notification travels whole in its NOTIFY (ids, and what the notifications of one message share),
 * so pushing it reads nothing; ticket updates carry ids, and their tickets are read here, after the
 * commit, once per instance for a whole batch of events (one query per batch, not per event or per
 * subscriber). Reading the event stream never waits for the database: events are queued at once, so the
 * pubsub's own buffer cannot overflow.
 */
export class Fanout {
  private readonly byUser = new Map<number, Set<Channel<Notification>>>();
  private readonly byQueue = new Map<number, Set<Channel<Ticket>>>();
  private readonly pending: ({ added: Added } | { updated: Updated })[] = [];
  private draining = false;
  private started = false;

  /** `metrics` counts the notifications handed to subscribers (once per batch). */
  constructor(
    private readonly events: EventBus,
    private readonly baseEm: EntityManager,
    private readonly metrics: Pick<Metrics, 'notificationsPushed'>,
    private readonly log: { warn(o: unknown, m?: string): void } = console,
  ) {}

  private start(): void {
    if (this.started) return;
    this.started = true;
    void this.read('NOTIFICATIONS_ADDED', (added) => ({ added }));
    void this.read('TICKET_UPDATED', (updated) => ({ updated }));
  }

  private async read<K extends 'NOTIFICATIONS_ADDED' | 'TICKET_UPDATED'>(
    topic: K,
    wrap: (p: EventPayloads[K]) => { added: Added } | { updated: Updated },
  ): Promise<void> {
    for await (const payload of this.events.subscribe(topic) as AsyncIterable<EventPayloads[K]>) {
      if (this.pending.length >= MAX_PENDING) this.pending.shift();
      this.pending.push(wrap(payload));
      if (!this.draining) void this.drain();
    }
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0, 500);
        await this.deliver(batch).catch((err) =>
          this.log.warn({ err }, 'subscription fan-out failed; clients catch up with notifications(after:)'),
        );
      }
    } finally {
      this.draining = false;
    }
  }

  private async deliver(batch: ({ added: Added } | { updated: Updated })[]): Promise<void> {
    const tickets = new Set<number>();
    for (const e of batch)
      if ('updated' in e && this.byQueue.get(e.updated.queueId)?.size) tickets.add(e.updated.ticketId);
    const ticketRows = new Map<number, Ticket>();
    if (tickets.size)
      for (const t of await this.baseEm
        .fork()
        .find(Ticket, { id: { $in: [...tickets] } }, { populate: ['queue', 'customer', 'gateway'] }))
        ticketRows.set(t.id, t);
    // In event order; one ticket update per ticket and batch is enough (it carries the latest state).
    const pushedTickets = new Set<number>();
    let pushed = 0;
    for (const e of batch) {
      if ('added' in e) {
        for (const [userId, id] of e.added.notifications) {
          const channels = this.byUser.get(userId);
          if (!channels?.size) continue;
          const n = notificationOf(userId, id, e.added);
          for (const ch of channels) ch.push(n);
          pushed += channels.size;
        }
      } else if (!pushedTickets.has(e.updated.ticketId)) {
        const t = ticketRows.get(e.updated.ticketId);
        if (t) {
          pushedTickets.add(t.id);
          for (const ch of this.byQueue.get(e.updated.queueId) ?? []) ch.push(t);
        }
      }
    }
    if (pushed) this.metrics.notificationsPushed(pushed);
  }

  private add<K, T>(map: Map<K, Set<Channel<T>>>, key: K): Channel<T> {
    this.start();
    const ch: Channel<T> = new Channel<T>(() => {
      const set = map.get(key);
      set?.delete(ch);
      if (set && !set.size) map.delete(key);
    });
    const set = map.get(key) ?? new Set();
    set.add(ch);
    map.set(key, set);
    return ch;
  }

  notificationsFor(userId: number): AsyncIterableIterator<Notification> {
    return this.add(this.byUser, userId);
  }

  ticketsOf(queueId: number): AsyncIterableIterator<Ticket> {
    return this.add(this.byQueue, queueId);
  }

  /** Local subscriber counts (tests, metrics). */
  get size(): { users: number; queues: number } {
    return { users: this.byUser.size, queues: this.byQueue.size };
  }
}

/** One fan-out per event bus, i.e. per app instance (two instances can live in one test process). */
const fanouts = new WeakMap<EventBus, Fanout>();

/** Makes the fan-out of an app instance's event bus, with its collaborators (app.ts, once per instance). */
export function createFanout(
  events: EventBus,
  em: EntityManager,
  metrics: Pick<Metrics, 'notificationsPushed'>,
  log: { warn(o: unknown, m?: string): void },
): Fanout {
  const f = new Fanout(events, em, metrics, log);
  fanouts.set(events, f);
  return f;
}

/** The fan-out of an app instance's event bus (the subscription resolvers reach it through their context's bus). */
export function fanoutFor(events: EventBus): Fanout {
  const f = fanouts.get(events);
  if (!f) throw new Error('no fan-out for this event bus: buildApp makes one with createFanout');
  return f;
}
