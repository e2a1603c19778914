import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { NotFoundError } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { idOf } from '../../graphql/ids';
import { Role } from '../auth/user.entity';
import { adapterFor } from '../providers/registry';
import { Gateway } from './gateway.entity';
import { GatewayInput, GatewayUpdateInput } from './gateway.input';
import { WebhookUrl } from './webhook-urls.types';
import { healthOf } from './health/health.reader';
import { GatewayHealth } from './health/health.types';

@Resolver(() => Gateway)
export class GatewayResolver {
  /**
   * Agents see mailboxes too (they pick one to send from), but only their name, provider and whether they send
   * (graphql/field-access.ts); secrets are never fields.
   */
  @Authorized()
  @Query(() => [Gateway], {
    description:
      'Every SMS mailbox, by name. Agents see only id, name, provider, canSend, replacePolishDiacritics and the has* flags (reading the rest answers FORBIDDEN); admins see the configuration.',
  })
  gateways(@Ctx() ctx: Context): Promise<Gateway[]> {
    return ctx.em.find(Gateway, {}, { orderBy: { name: 'asc' } });
  }

  @Authorized()
  @Query(() => Gateway, {
    description: 'One mailbox; NOT_FOUND when there is none with this id. Agents see only what `gateways` shows them.',
  })
  async gateway(
    @Arg('id', () => ID, { description: "The mailbox's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<Gateway> {
    const g = await ctx.em.findOne(Gateway, { id: idOf(id, 'Gateway') });
    if (!g) throw new NotFoundError('Gateway', id);
    return g;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Gateway, {
    description:
      'Admins: creates a mailbox. Every broken rule of the input is answered at once as BAD_USER_INPUT with its violations (e.g. a field the provider needs, a taken name, a number another active mailbox of the provider receives on).',
  })
  createGateway(
    @Arg('input', { description: 'The new mailbox; Provider.fields says which fields its provider needs.' })
    input: GatewayInput,
    @Ctx() ctx: Context,
  ): Promise<Gateway> {
    return ctx.services.gateways.create(ctx.em, input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Gateway, {
    description:
      'Admins: changes a mailbox; fields not given stay as they are. BAD_USER_INPUT with violations, NOT_FOUND for an unknown id.',
  })
  updateGateway(
    @Arg('id', () => ID, { description: 'The mailbox to change.' }) id: string,
    @Arg('input', {
      description: 'The fields to change; secrets: null keeps the stored one, an empty string removes it.',
    })
    input: GatewayUpdateInput,
    @Ctx() ctx: Context,
  ): Promise<Gateway> {
    return ctx.services.gateways.update(ctx.em, idOf(id, 'Gateway'), input);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ID, {
    description:
      'Admins: deletes a mailbox and returns its id. Its messages and tickets stay (without a mailbox); messages still queued on it fail. BAD_USER_INPUT (rule inUse) while a message rule names it, NOT_FOUND for an unknown id.',
  })
  async deleteGateway(
    @Arg('id', () => ID, { description: 'The mailbox to delete.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<string> {
    return String(await ctx.services.gateways.delete(ctx.em, idOf(id, 'Gateway')));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => Gateway, {
    description:
      "Gives the mailbox a new random webhook token; the old one stops working at once, so paste the new webhookUrls into the provider's panel.",
  })
  rotateWebhookToken(
    @Arg('id', () => ID, { description: 'The mailbox whose token to replace.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<Gateway> {
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
      "The inbound SMS URL to paste into the provider's panel, with the mailbox's webhook token in it (SerwerSMS: the URL template, with our number fixed in it); null when the provider does not push SMS. webhookUrls lists every URL.",
  })
  webhookUrl(@Root() g: Gateway, @Ctx() ctx: Context): string | null {
    return ctx.services.gateways.webhookUrl(g);
  }

  @FieldResolver(() => [WebhookUrl], {
    description:
      "Every URL to paste into the provider's panel (inbound SMS, inbound MMS, delivery reports: those the provider calls), each with the mailbox's webhook token in it; empty when the provider is polled or cannot push. The provider's set-up guide (Provider.guideUrl) says where each goes.",
  })
  webhookUrls(@Root() g: Gateway, @Ctx() ctx: Context): WebhookUrl[] {
    return ctx.services.gateways.webhookUrls(g);
  }

  @FieldResolver(() => GatewayHealth, {
    description:
      'Whether the mailbox is working: status, latest inbound, refusal, send and delivery report, counts of the last 24 h and the last test. Read for a whole list in one query.',
  })
  health(@Root() g: Gateway, @Ctx() ctx: Context): Promise<GatewayHealth> {
    return healthOf(ctx, g);
  }
}
