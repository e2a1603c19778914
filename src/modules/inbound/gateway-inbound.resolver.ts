import { Authorized, Ctx, Field, FieldResolver, Int, ObjectType, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { Role } from '../auth/user.entity';
import { Gateway } from '../gateways/gateway.entity';
import { adapterFor } from '../providers/registry';

@ObjectType({ description: 'How the poller of a mailbox is doing (providers without push).' })
export class InboundPollStatus {
  @Field({ nullable: true, description: 'When the provider was last asked for new messages.' }) lastPolledAt?: Date;
  @Field({ nullable: true, description: 'When a poll last succeeded.' }) lastSuccessAt?: Date;
  @Field({ nullable: true, description: 'When the next poll is due.' }) nextPollAt?: Date;
  @Field(() => Int, { description: 'Consecutive failed polls; the wait before the next one grows with it.' })
  failures!: number;
  @Field({ nullable: true, description: 'Why the last poll failed, in words; null after a success.' })
  lastError?: string;
}

@Resolver(() => Gateway)
export class GatewayInboundResolver {
  @Authorized(Role.ADMIN)
  @FieldResolver(() => InboundPollStatus, {
    nullable: true,
    description: 'Inbound polling state; null for providers that push.',
  })
  async inboundPolling(@Root() g: Gateway, @Ctx() ctx: Context): Promise<InboundPollStatus | null> {
    if (!adapterFor(g.provider).poller) return null;
    const [r] = await ctx.em.execute<
      {
        last_polled_at: Date | string | null;
        last_success_at: Date | string | null;
        next_poll_at: Date | string | null;
        failures: number;
        last_error: string | null;
      }[]
    >(
      `select last_polled_at, last_success_at, next_poll_at, failures, last_error from inbound_poll_state where gateway_id = ?`,
      [g.id],
    );
    // Raw rows carry timestamps as the driver gives them (text): make them dates.
    const date = (v: Date | string | null | undefined) => (v ? new Date(v) : undefined);
    return {
      lastPolledAt: date(r?.last_polled_at),
      lastSuccessAt: date(r?.last_success_at),
      nextPollAt: date(r?.next_poll_at),
      failures: r?.failures ?? 0,
      lastError: r?.last_error ?? undefined,
    };
  }
}
