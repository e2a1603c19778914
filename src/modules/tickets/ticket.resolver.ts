import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { QueryOrder, type FilterQuery } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError } from '../../common/errors';
import {
  afterId,
  ConnectionType,
  decodeCursor,
  pageSize,
  toConnection,
  type Connection,
} from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { lengthLimit } from '../../graphql/limits';
import { idOf } from '../../graphql/ids';
import { Customer } from '../customers/customer.entity';
import { Message } from './message.entity';
import { scopeOf } from './queue-access';
import { Ticket, TicketStatus } from './ticket.entity';

export const TicketConnection = ConnectionType(Ticket, 'Ticket');

/** Messages of a ticket when `first` is not given: most conversations fit whole. */
export const TICKET_MESSAGES_PAGE = 50;
/** Tickets of a customer card when `first` is not given. */
export const CUSTOMER_TICKETS_PAGE = 20;

@Resolver(() => Ticket)
export class TicketResolver {
  @Authorized()
  @Query(() => TicketConnection, { description: 'Tickets of the queues you may see, most recent activity first.' })
  async tickets(
    @Ctx() ctx: Context,
    @Arg('queueId', () => ID, {
      nullable: true,
      description: "Only this queue's tickets; a queue you may not see gives an empty page.",
    })
    queueId?: string,
    @Arg('status', () => TicketStatus, { nullable: true, description: 'Only OPEN or only CLOSED tickets.' })
    status?: TicketStatus,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many tickets: 1–100.' }) first = 20,
    @Arg('after', {
      nullable: true,
      ...lengthLimit('after', 200),
      description: 'The `cursor` of the last ticket you have; the page starts after it.',
    })
    after?: string,
  ): Promise<Connection<Ticket>> {
    pageSize(first);
    const where: FilterQuery<Ticket>[] = [(await scopeOf(ctx)).tickets()];
    if (queueId) where.push({ queue: idOf(queueId, 'Queue') });
    if (status) where.push({ status });
    if (after) {
      const [at, id] = decodeCursor(after);
      if (typeof at !== 'string' || typeof id !== 'number')
        throw ValidationError.single('after', 'cursor', 'is not a cursor this API gave out');
      const d = new Date(at);
      where.push({ $or: [{ lastMessageAt: { $lt: d } }, { lastMessageAt: d, id: { $lt: id } }] });
    }
    const rows = await ctx.em.find(
      Ticket,
      { $and: where },
      { populate: ['queue', 'customer', 'gateway'], orderBy: { lastMessageAt: 'desc', id: 'desc' }, limit: first + 1 },
    );
    return toConnection(rows, first, (t) => [t.lastMessageAt.toISOString(), t.id], !!after);
  }

  /** A ticket of a queue you may not see is NOT_FOUND, as one that does not exist: its id tells nothing. */
  @Authorized()
  @Query(() => Ticket, {
    description:
      'One ticket; NOT_FOUND when there is none or it is in a queue you may not see (the two are not told apart).',
  })
  async ticket(
    @Arg('id', () => ID, { description: "The ticket's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<Ticket> {
    const t = await ctx.em.findOne(
      Ticket,
      { $and: [{ id: idOf(id, 'Ticket') }, (await scopeOf(ctx)).tickets()] },
      { populate: ['queue', 'customer', 'gateway'] },
    );
    if (!t) throw new NotFoundError('Ticket', id);
    return t;
  }

  @FieldResolver(() => [Message], {
    description: 'The conversation, oldest first: `first` messages (at most 100) after the message `after`.',
  })
  async messages(
    @Root() t: Ticket,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: TICKET_MESSAGES_PAGE, description: 'How many messages: 1–100.' })
    first: number,
    @Arg('after', () => ID, { nullable: true, description: 'The id of the last message you have.' }) after?: string,
  ): Promise<Message[]> {
    pageSize(first);
    const from = afterId(after);
    const qb = ctx.em
      .createQueryBuilder(Message, 'm')
      .select('*')
      .where({ ticket: t.id })
      .orderBy({ createdAt: QueryOrder.ASC, id: QueryOrder.ASC })
      .limit(first);
    // Keyset on the order itself: creation times are not in id order (now() is the transaction's start).
    if (from)
      qb.andWhere(
        `(m.created_at, m.id) > (select a.created_at, a.id from message a where a.id = ? and a.ticket_id = ?)`,
        [from, t.id],
      );
    const rows = await qb.getResultList();
    await ctx.em.populate(rows, ['gateway', 'author']);
    return rows;
  }
}

@Resolver(() => Customer)
export class CustomerTicketsResolver {
  @FieldResolver(() => [Ticket], {
    description:
      "The customer's tickets in the queues you may see, most recent first: `first` (at most 100) after the ticket `after`.",
  })
  async tickets(
    @Root() c: Customer,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: CUSTOMER_TICKETS_PAGE, description: 'How many tickets: 1–100.' })
    first: number,
    @Arg('after', () => ID, { nullable: true, description: 'The id of the last ticket you have.' }) after?: string,
  ): Promise<Ticket[]> {
    pageSize(first);
    const from = afterId(after);
    const qb = ctx.em
      .createQueryBuilder(Ticket, 't')
      .select('*')
      .where({ $and: [{ customer: c.id }, (await scopeOf(ctx)).tickets()] })
      .orderBy({ lastMessageAt: QueryOrder.DESC, id: QueryOrder.DESC })
      .limit(first);
    if (from)
      qb.andWhere(
        `(t.last_message_at, t.id) < (select a.last_message_at, a.id from ticket a where a.id = ? and a.customer_id = ?)`,
        [from, c.id],
      );
    const rows = await qb.getResultList();
    await ctx.em.populate(rows, ['queue', 'gateway']);
    return rows;
  }
}

@Resolver(() => Message)
export class MessageTicketResolver {
  /** Null when the ticket is in a queue you may not see (a message sent from a customer card can join one). */
  @FieldResolver(() => Ticket, {
    nullable: true,
    description: 'The conversation it belongs to; null when that ticket is in a queue you may not see.',
  })
  async ticket(@Root() m: Message, @Ctx() ctx: Context): Promise<Ticket | null> {
    if (!m.ticket) return null;
    // A fork: over graphql-ws, ctx.em lives as long as the subscription.
    return ctx.em
      .fork()
      .findOne(
        Ticket,
        { $and: [{ id: m.ticket.id }, (await scopeOf(ctx)).tickets()] },
        { populate: ['queue', 'customer', 'gateway'] },
      );
  }
}
