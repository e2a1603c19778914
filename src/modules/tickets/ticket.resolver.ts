import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError } from '../../common/errors';
import { ConnectionType, decodeCursor, pageSize, toConnection, type Connection } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { lengthLimit } from '../../graphql/limits';
import { idOf } from '../../graphql/ids';
import { Customer } from '../customers/customer.entity';
import { Message } from './message.entity';
import { Ticket, TicketStatus } from './ticket.entity';

export const TicketConnection = ConnectionType(Ticket, 'Ticket');

@Resolver(() => Ticket)
export class TicketResolver {
  @Authorized()
  @Query(() => TicketConnection, { description: 'Tickets, most recent activity first.' })
  async tickets(
    @Ctx() ctx: Context,
    @Arg('queueId', () => ID, { nullable: true }) queueId?: string,
    @Arg('status', () => TicketStatus, { nullable: true }) status?: TicketStatus,
    @Arg('first', () => Int, { defaultValue: 20 }) first = 20,
    @Arg('after', { nullable: true, ...lengthLimit('after', 200) }) after?: string,
  ): Promise<Connection<Ticket>> {
    pageSize(first);
    const where: FilterQuery<Ticket>[] = [];
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

  @Authorized()
  @Query(() => Ticket)
  async ticket(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Ticket> {
    const t = await ctx.em.findOne(Ticket, { id: idOf(id, 'Ticket') }, { populate: ['queue', 'customer', 'gateway'] });
    if (!t) throw new NotFoundError('Ticket', id);
    return t;
  }

  @FieldResolver(() => [Message], { description: 'The conversation, oldest first.' })
  messages(@Root() t: Ticket, @Ctx() ctx: Context): Promise<Message[]> {
    return ctx.em.find(
      Message,
      { ticket: t.id },
      { populate: ['gateway', 'author'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
  }
}

@Resolver(() => Customer)
export class CustomerTicketsResolver {
  @FieldResolver(() => [Ticket], { description: "The customer's tickets, most recent first." })
  tickets(@Root() c: Customer, @Ctx() ctx: Context): Promise<Ticket[]> {
    return ctx.em.find(
      Ticket,
      { customer: c.id },
      { populate: ['queue', 'gateway'], orderBy: { lastMessageAt: 'desc', id: 'desc' }, limit: 100 },
    );
  }
}
