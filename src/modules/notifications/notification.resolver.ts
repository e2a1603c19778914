import {
  Arg,
  Authorized,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { filter, pipe } from '@graphql-yoga/subscription';
import { ForbiddenError, NotFoundError, UnauthenticatedError, ValidationError } from '../../common/errors';
import { ConnectionType, decodeCursor, encodeCursor, MAX_PAGE, type Connection } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { lengthLimit } from '../../graphql/limits';
import { streamOrRefusal } from '../../graphql/pubsub';
import { idOf } from '../../graphql/ids';
import { Message } from '../tickets/message.entity';
import { scopeOf } from '../tickets/queue-access';
import { Ticket } from '../tickets/ticket.entity';
import { fanoutFor } from './fanout';
import { Notification } from './notification.entity';

export const NotificationConnection = ConnectionType(Notification, 'Notification');

function me(ctx: Context): number {
  if (!ctx.user) throw new UnauthenticatedError();
  return ctx.user.id;
}

function cursorId(cursor: string, field: string): number {
  const [id] = decodeCursor(cursor, field);
  if (typeof id !== 'number' || !Number.isSafeInteger(id))
    throw ValidationError.single(field, 'cursor', 'is not a cursor this API gave out');
  return id;
}

@Resolver(() => Notification)
export class NotificationResolver {
  /**
   * The caller's notifications in the order they were created (oldest first). `first`/`after` reads forward:
   * a client that reconnects passes the cursor of the last notification its queries returned and gets what
   * it missed (not a pushed one's: ids are given at insert, and pushes follow commits, in any order).
   * `last`/`before` reads backward from the newest: `notifications(last: 20)` is the latest twenty.
   */
  @Authorized()
  @Query(() => NotificationConnection, {
    description:
      'Your notifications, oldest first: `first`/`after` reads forward (to catch up after a reconnect, pass the last cursor a notifications query gave you), `last`/`before` reads back from the newest (`notifications(last: 20)` is the latest twenty). At most 100 a page; 20 when neither first nor last is given. BAD_USER_INPUT for both first and last, a page size outside 1–100 or a cursor this API did not give out.',
  })
  async notifications(
    @Ctx() ctx: Context,
    @Arg('unreadOnly', { defaultValue: false, description: 'Only the ones you have not read.' }) unreadOnly: boolean,
    @Arg('first', () => Int, { nullable: true, description: 'Read forward: how many, 1–100. Not with `last`.' })
    first?: number,
    @Arg('after', {
      nullable: true,
      ...lengthLimit('after', 200),
      description: "Read forward from after this cursor (Notification.cursor or an edge's cursor).",
    })
    after?: string,
    @Arg('last', () => Int, {
      nullable: true,
      description: 'Read backward from the newest (or from `before`): how many, 1–100. Not with `first`.',
    })
    last?: number,
    @Arg('before', {
      nullable: true,
      ...lengthLimit('before', 200),
      description: 'Read backward from before this cursor.',
    })
    before?: string,
  ): Promise<Connection<Notification>> {
    const userId = me(ctx);
    if (first != null && last != null)
      throw ValidationError.single('last', 'exclusive', 'give either first or last, not both');
    const n = first ?? last ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE)
      throw ValidationError.single(
        first != null ? 'first' : 'last',
        'range',
        `must be a whole number from 1 to ${MAX_PAGE}`,
      );
    const backward = last != null;
    const where: FilterQuery<Notification>[] = [{ user: userId }, (await scopeOf(ctx)).notifications()];
    if (unreadOnly) where.push({ readAt: null });
    if (after) where.push({ id: { $gt: cursorId(after, 'after') } });
    if (before) where.push({ id: { $lt: cursorId(before, 'before') } });
    const rows = await ctx.em.find(
      Notification,
      { $and: where },
      { orderBy: { id: backward ? 'desc' : 'asc' }, limit: n + 1 },
    );
    const more = rows.length > n;
    const page = rows.slice(0, n);
    if (backward) page.reverse();
    const edges = page.map((node) => ({ node, cursor: encodeCursor([node.id]) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: backward ? !!before : more,
        hasPreviousPage: backward ? more : !!after,
        startCursor: edges[0]?.cursor,
        endCursor: edges.at(-1)?.cursor,
      },
    };
  }

  @Authorized()
  @Query(() => Int, { description: "The caller's unread notifications (of tickets the caller may still see)." })
  async unreadNotificationCount(@Ctx() ctx: Context): Promise<number> {
    return ctx.em.count(Notification, {
      $and: [{ user: me(ctx), readAt: null }, (await scopeOf(ctx)).notifications()],
    });
  }

  @Authorized()
  @Mutation(() => Notification, { description: 'Marks one of your notifications read (others are NOT_FOUND).' })
  async markNotificationRead(
    @Arg('id', () => ID, { description: "The notification's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<Notification> {
    const n = await ctx.em.findOne(Notification, { id: idOf(id, 'Notification'), user: me(ctx) });
    if (!n) throw new NotFoundError('Notification', id);
    if (!n.readAt) {
      n.readAt = new Date();
      await ctx.em.flush();
    }
    return n;
  }

  @Authorized()
  @Mutation(() => Int, { description: 'Marks all your unread notifications read; returns how many.' })
  async markAllNotificationsRead(@Ctx() ctx: Context): Promise<number> {
    const rows = await ctx.em.execute<{ n: number }[]>(
      `with done as (update notification set read_at = now() where user_id = ? and read_at is null returning 1) select count(*)::int as n from done`,
      [me(ctx)],
    );
    return rows[0].n;
  }

  @FieldResolver(() => String, {
    description:
      'This notification as a cursor for `notifications(after:)`. To catch up after a reconnect, read on from the last cursor a `notifications` query gave: ' +
      'concurrent messages commit, and are pushed, in any order, so the cursor of a pushed notification can be past one whose push was lost.',
  })
  cursor(@Root() n: Notification): string {
    return encodeCursor([n.id]);
  }

  @FieldResolver(() => Ticket, {
    nullable: true,
    description: 'The ticket the message joined; null for an ALERT; NOT_FOUND once you may no longer see its queue.',
  })
  async ticket(@Root() n: Notification, @Ctx() ctx: Context): Promise<Ticket | null> {
    if (!n.ticket) return null;
    // A fork: over graphql-ws, ctx.em lives as long as the subscription, and its identity map would keep
    // every ticket and message ever pushed.
    const t = await ctx.em.fork().findOne(Ticket, { id: n.ticket.id }, { populate: ['queue', 'customer', 'gateway'] });
    // A notification outlives its user's membership of the queue: the ticket is shown only while it may be seen.
    if (!t || !(await scopeOf(ctx)).allows(t.queue?.id)) throw new NotFoundError('Ticket', n.ticket.id);
    return t;
  }

  @FieldResolver(() => Message, {
    nullable: true,
    description: 'The message that arrived; null for an ALERT; NOT_FOUND once you may no longer see its queue.',
  })
  async message(@Root() n: Notification, @Ctx() ctx: Context): Promise<Message | null> {
    if (!n.message) return null;
    const m = await ctx.em.fork().findOne(Message, { id: n.message.id }, { populate: ['gateway', 'author', 'ticket'] });
    if (!m || !(await scopeOf(ctx)).allows(m.ticket?.queue?.id)) throw new NotFoundError('Message', n.message.id);
    return m;
  }

  /** Each new notification of the subscribed user, and no one else's (routed by user id, see fanout.ts). */
  @Authorized()
  @Subscription(() => Notification, {
    description:
      "Each new notification of yours as it is made ([SMS]/[MMS] for messages in your queues); only yours, never a colleague's. After a reconnect, catch up with notifications(after: the last cursor you read).",
    subscribe: ({ context }) => {
      const ctx = context as Context;
      return fanoutFor(ctx.events).notificationsFor(me(ctx));
    },
  })
  notificationAdded(@Root() n: Notification): Notification {
    return n;
  }

  /**
   * Tickets of a queue as messages arrive (queue views); FORBIDDEN for a queue you may not see, and the events
   * stop when you no longer may (queue-access.ts).
   */
  @Authorized()
  @Subscription(() => Ticket, {
    description:
      'Tickets of one queue as messages arrive on them or are sent from them (queue views). FORBIDDEN for a queue you may not see; the events stop when you no longer may.',
    subscribe: ({ args, context }) =>
      streamOrRefusal(async () => {
        const ctx = context as Context;
        const queueId = idOf(String(args.queueId), 'Queue');
        if (!(await scopeOf(ctx)).allows(queueId)) throw new ForbiddenError(`You are not a member of queue ${queueId}`);
        const tickets = fanoutFor(ctx.events).ticketsOf(queueId);
        return pipe(
          tickets,
          filter(async () => (await scopeOf(ctx)).allows(queueId)),
        );
      }),
  })
  ticketUpdated(
    @Arg('queueId', () => ID, { description: 'The queue to watch.' }) _queueId: string,
    @Root() t: Ticket,
  ): Ticket {
    return t;
  }
}
