import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { NotFoundError } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { idOf } from '../../graphql/ids';
import { Role } from '../auth/user.entity';
import { adapterFor } from '../providers/registry';
import { Gateway } from './gateway.entity';
import { GatewayInput, GatewayUpdateInput } from './gateway.input';
import { healthOf } from './health/health.reader';
import { GatewayHealth } from './health/health.types';

@Resolver(() => Gateway)
export class GatewayResolver {
  /**
   * Agents see mailboxes too (they pick one to send from), but only their name, provider and whether they send
   * (graphql/field-access.ts); secrets are never fields.
   */
  @Authorized()
  @Query(() => [Gateway])
  gateways(@Ctx() ctx: Context): Promise<Gateway[]> {
    return ctx.em.find(Gateway, {}, { orderBy: { name: 'asc' } });
  }

  @Authorized()
  @Query(() => Gateway)
  async gateway(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Gateway> {
    const g = await ctx.em.findOne(Gateway, { id: idOf(id, 'Gateway') });
    if (!g) throw new NotFoundError('Gateway', id);
    return g;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Gateway)
  createGateway(@Arg('input') input: GatewayInput, @Ctx() ctx: Context): Promise<Gateway> {
    return ctx.services.gateways.create(ctx.em, input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Gateway)
  updateGateway(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: GatewayUpdateInput,
    @Ctx() ctx: Context,
  ): Promise<Gateway> {
    return ctx.services.gateways.update(ctx.em, idOf(id, 'Gateway'), input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Boolean)
  deleteGateway(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.gateways.delete(ctx.em, idOf(id, 'Gateway'));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Gateway, {
    description:
      "Gives the mailbox a new random webhook token; the old one stops working at once, so paste the new webhookUrl into the provider's panel.",
  })
  rotateWebhookToken(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Gateway> {
    return ctx.services.gateways.rotateWebhookToken(ctx.em, idOf(id, 'Gateway'));
  }

  @FieldResolver(() => Boolean, {
    description: 'Whether SMS can be sent through this mailbox (smsdesk sends through its provider).',
  })
  canSend(@Root() g: Gateway): boolean {
    return adapterFor(g.provider).sending.supported;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The URL to paste into the provider's panel, with the mailbox's webhook token in it (SerwerSMS: the URL template, with our number fixed in it).",
  })
  webhookUrl(@Root() g: Gateway, @Ctx() ctx: Context): string | null {
    return ctx.services.gateways.webhookUrl(g);
  }

  @FieldResolver(() => GatewayHealth, {
    description:
      'Whether the mailbox is working: status, latest inbound, refusal, send and delivery report, counts of the last 24 h and the last test. Read for a whole list in one query.',
  })
  health(@Root() g: Gateway, @Ctx() ctx: Context): Promise<GatewayHealth> {
    return healthOf(ctx, g);
  }
}
