import { Arg, Authorized, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { filter, map, pipe } from '@graphql-yoga/subscription';
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../../common/errors';
import { ConnectionType, decodeCursor, pageSize, toConnection, type Connection } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { idOf } from '../../graphql/ids';
import { lengthLimit } from '../../graphql/limits';
import { streamOrRefusal, type EventPayloads } from '../../graphql/pubsub';
import { Role } from '../auth/user.entity';
import { scopeOf } from '../tickets/queue-access';
import { Erasure } from './erasure.entity';

export const ErasureConnection = ConnectionType(Erasure, 'Erasure');

@Resolver(() => Erasure)
export class ErasureResolver {
  @Authorized(Role.ADMIN)
  @Mutation(() => ID, {
    description:
      "Right to erasure: removes the customer card, its numbers, messages (queued ones cancelled first), MMS files, notifications, tickets and the inbound events that carry its numbers or texts, in one transaction. Keeps only the opt-out record of its numbers and an audit line (`erasures`). Returns the erased card's id. Admins only (FORBIDDEN otherwise); NOT_FOUND for an unknown id; BUSY while an SMS to the customer is being handed to its provider (nothing erased; try again).",
  })
  async eraseCustomer(
    @Arg('id', () => ID, { description: 'The customer card to erase.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<string> {
    if (!ctx.user) throw new UnauthenticatedError();
    const customerId = idOf(id, 'Customer');
    await ctx.services.erasures.erase(ctx.em, customerId, { id: ctx.user.id, email: ctx.user.email });
    return String(customerId);
  }

  @Authorized(Role.ADMIN)
  @Query(() => ErasureConnection, {
    description: 'The audit lines of erased customers, newest first (who, when, how many rows). Admins only.',
  })
  async erasures(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: 20, description: 'Page size, 1–100.' }) first = 20,
    @Arg('after', { nullable: true, description: 'The cursor of the last line seen.', ...lengthLimit('after', 200) })
    after?: string,
  ): Promise<Connection<Erasure>> {
    pageSize(first);
    let before: number | undefined;
    if (after) {
      const [cursorId] = decodeCursor(after);
      if (typeof cursorId !== 'number')
        throw ValidationError.single('after', 'cursor', 'is not a cursor this API gave out');
      before = cursorId;
    }
    const rows = await ctx.em.find(Erasure, before === undefined ? {} : { id: { $lt: before } }, {
      populate: ['erasedBy'],
      orderBy: { id: 'desc' },
      limit: first + 1,
    });
    return toConnection(rows, first, (e) => [e.id], !!after);
  }

  /**
   * The ids of a queue's tickets as they are deleted with an erased customer, so that queue views drop them;
   * FORBIDDEN for a queue you may not see.
   */
  @Authorized()
  @Subscription(() => ID, {
    description:
      'Tickets of a queue deleted by `eraseCustomer`: their ids, so that views drop them. FORBIDDEN for a queue you may not see.',
    subscribe: ({ args, context }) =>
      streamOrRefusal(async () => {
        const ctx = context as Context;
        const queueId = idOf(String(args.queueId), 'Queue');
        if (!(await scopeOf(ctx)).allows(queueId)) throw new ForbiddenError(`You are not a member of queue ${queueId}`);
        return pipe(
          ctx.events.subscribe('TICKET_REMOVED'),
          filter((e: EventPayloads['TICKET_REMOVED']) => e.queueId === queueId),
          filter(async () => (await scopeOf(ctx)).allows(queueId)),
          map((e: EventPayloads['TICKET_REMOVED']) => String(e.ticketId)),
        );
      }),
  })
  ticketRemoved(
    @Arg('queueId', () => ID, { description: 'The queue whose removed tickets to receive.' }) _queueId: string,
    @Root() ticketId: string,
  ): string {
    return ticketId;
  }
}
