import type { EntityManager, FilterQuery } from '@mikro-orm/postgresql';
import { UnauthenticatedError } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { Role } from '../auth/user.entity';
import type { Message } from './message.entity';
import type { Notification } from '../notifications/notification.entity';
import type { Ticket } from './ticket.entity';

/** Who asks: the facts of a logged-in user the access rule reads. */
export interface Viewer {
  id: number;
  role: Role;
}

/**
 * The queues whose tickets a user may see, and with them the tickets' messages, attachments and live events.
 * This is the one access rule of tickets: every resolver, subscription and download asks it.
 */
export class QueueScope {
  static readonly ALL = new QueueScope('all');

  constructor(private readonly queues: ReadonlySet<number> | 'all') {}

  /** Whether a ticket of this queue is visible; a message without a ticket (null) is for admins only. */
  allows(queueId: number | null | undefined): boolean {
    return this.queues === 'all' || (queueId != null && this.queues.has(queueId));
  }

  /** The condition to add to a ticket query. */
  tickets(): FilterQuery<Ticket> {
    return this.queues === 'all' ? {} : { queue: { $in: [...this.queues] } };
  }

  /**
   * The condition to add to a notification query: those of visible tickets, and those without a ticket
   * (alerts, which only admins get). A notification outlives its user's membership of the queue.
   */
  notifications(): FilterQuery<Notification> {
    return this.queues === 'all' ? {} : { $or: [{ ticket: null }, { ticket: { queue: { $in: [...this.queues] } } }] };
  }

  /** The condition to add to a message query (through its ticket). */
  messages(): FilterQuery<Message> {
    return this.queues === 'all' ? {} : { ticket: { queue: { $in: [...this.queues] } } };
  }
}

/**
 * Admins see every queue. Agents see the queues they are members of, and every queue without members: such
 * a queue notifies every agent, so it is open to every agent. Read fresh on each call (membership changes
 * apply at once); callers keep the answer for one request, or recheck it on a live subscription.
 */
export async function queuesVisibleTo(em: EntityManager, viewer: Viewer): Promise<QueueScope> {
  if (viewer.role === Role.ADMIN) return QueueScope.ALL;
  const rows = await em.getConnection().execute<{ id: number }[]>(
    `select q.id from queue q
      where exists (select 1 from queue_member m where m.queue_id = q.id and m.user_id = ?)
         or not exists (select 1 from queue_member m where m.queue_id = q.id)`,
    [viewer.id],
  );
  return new QueueScope(new Set(rows.map((r) => r.id)));
}

const read = new WeakMap<Context, { at: number; scope: Promise<QueueScope> }>();

/**
 * The caller's scope, read once per request (HTTP) or operation (graphql-ws). A subscription's operation lives
 * on, so its scope is read again once it is WS_AUTH_RECHECK_MS old (the staleness an open socket's token is
 * allowed too): an agent taken out of a queue stops getting its events. UNAUTHENTICATED without a user.
 */
export function scopeOf(ctx: Context): Promise<QueueScope> {
  const user = ctx.user;
  if (!user) return Promise.reject(new UnauthenticatedError());
  const last = read.get(ctx);
  if (last && Date.now() - last.at < ctx.config.wsAuthRecheckMs) return last.scope;
  const scope = queuesVisibleTo(ctx.em, user);
  read.set(ctx, { at: Date.now(), scope });
  // A failed read (database away) is not kept: the next call asks again.
  scope.catch(() => read.get(ctx)?.scope === scope && read.delete(ctx));
  return scope;
}
