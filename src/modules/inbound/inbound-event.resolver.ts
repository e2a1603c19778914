import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { FilterQuery } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError } from '../../common/errors';
import { ConnectionType, decodeCursor, pageSize, toConnection, type Connection } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { lengthLimit } from '../../graphql/limits';
import { idOf } from '../../graphql/ids';
import { Role } from '../auth/user.entity';
import { InboundEvent, InboundOutcome } from './inbound-event.entity';

export const InboundEventConnection = ConnectionType(InboundEvent, 'InboundEvent');

@Resolver(() => InboundEvent)
export class InboundEventResolver {
  /** Every inbound request, newest first; for admins, who see why a message did not arrive. */
  @Authorized(Role.ADMIN)
  @Query(() => InboundEventConnection, {
    description:
      'Admins: every inbound request (and polled message), newest first, accepted or not: where to see why a message did not arrive. BAD_USER_INPUT for a `first` outside 1–100 or a cursor this API did not give out.',
  })
  async inboundEvents(
    @Ctx() ctx: Context,
    @Arg('gatewayId', () => ID, { nullable: true, description: 'Only requests routed to this mailbox.' })
    gatewayId?: string,
    @Arg('outcome', () => InboundOutcome, {
      nullable: true,
      description: 'Only requests with this outcome, e.g. REJECTED.',
    })
    outcome?: InboundOutcome,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many events: 1–100.' }) first = 20,
    @Arg('after', {
      nullable: true,
      ...lengthLimit('after', 200),
      description: 'The `cursor` of the last event you have; the page starts after it.',
    })
    after?: string,
  ): Promise<Connection<InboundEvent>> {
    pageSize(first);
    const where: FilterQuery<InboundEvent>[] = [];
    if (gatewayId) where.push({ gateway: idOf(gatewayId, 'Gateway') });
    if (outcome) where.push({ outcome });
    if (after) {
      const [id] = decodeCursor(after);
      if (typeof id !== 'number') throw ValidationError.single('after', 'cursor', 'is not a cursor this API gave out');
      where.push({ id: { $lt: id } });
    }
    const rows = await ctx.em.find(
      InboundEvent,
      { $and: where },
      { populate: ['gateway'], orderBy: { id: 'desc' }, limit: first + 1 },
    );
    return toConnection(rows, first, (e) => [e.id], !!after);
  }

  @Authorized(Role.ADMIN)
  @Query(() => InboundEvent, { description: 'Admins: one inbound event; NOT_FOUND when there is none.' })
  async inboundEvent(
    @Arg('id', () => ID, { description: "The event's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<InboundEvent> {
    const e = await ctx.em.findOne(InboundEvent, { id: idOf(id, 'InboundEvent') }, { populate: ['gateway'] });
    if (!e) throw new NotFoundError('InboundEvent', id);
    return e;
  }

  /** Runs a refused, malformed or failed request again against today's mailbox configuration. */
  @Authorized(Role.ADMIN)
  @Mutation(() => InboundEvent, {
    description: 'Reprocesses a refused request after the configuration was fixed; returns the new event.',
  })
  replayInboundEvent(
    @Arg('id', () => ID, {
      description:
        'The REJECTED, MALFORMED or FAILED event to replay; BAD_USER_INPUT for one that was accepted or kept no request, NOT_FOUND for an unknown id.',
    })
    id: string,
    @Ctx() ctx: Context,
  ): Promise<InboundEvent> {
    return ctx.services.inbound.replay(ctx.em, idOf(id, 'InboundEvent'));
  }

  @FieldResolver(() => String, { description: 'The request as received (JSON text), secrets masked.' })
  payload(@Root() e: InboundEvent): string {
    return JSON.stringify(e.payload);
  }

  @FieldResolver(() => [ID], { description: 'Messages it stored (or found already stored).' })
  messageIds(@Root() e: InboundEvent): string[] {
    return (e.messageIds ?? []).map(String);
  }
}
