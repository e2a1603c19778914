import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, Query, Resolver } from 'type-graphql';
import { MaxLength } from 'class-validator';
import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError, Violations } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { idOf } from '../../graphql/ids';
import { Role } from '../auth/user.entity';
import { Gateway } from '../gateways/gateway.entity';
import { Queue } from '../tickets/queue.entity';
import { MessageRule } from './message-rule.entity';

@InputType({ description: 'A message rule. On update, fields not given stay as they are.' })
export class MessageRuleInput {
  @Field({ nullable: true, description: "The rule's name, at most 100 characters; required on create." })
  @MaxLength(100)
  name?: string;
  @Field(() => Int, { nullable: true, description: 'Walk order, ascending; 0 or more.' }) position?: number;
  @Field({ nullable: true, description: 'Inactive rules are skipped; default on create: true.' }) active?: boolean;
  @Field(() => ID, { nullable: true, description: 'Condition "retrieved from mailbox"; null matches any mailbox.' })
  gatewayId?: string | null;
  @Field(() => ID, { nullable: true, description: 'Action "move to queue"; required on create.' }) queueId?: string;
  @Field({
    nullable: true,
    description:
      'Action "stop": no further rules are walked (default on create: true); without it a later matching rule may move the message again.',
  })
  stop?: boolean;
}

async function applyRule(em: EntityManager, r: MessageRule, input: MessageRuleInput, isCreate: boolean): Promise<void> {
  const v = new Violations();
  if (input.name != null || isCreate) {
    const name = (input.name ?? '').trim();
    if (!name) v.add('name', 'required', 'must not be empty');
    r.name = name;
  }
  if (input.position != null) {
    if (!Number.isInteger(input.position) || input.position < 0)
      v.add('position', 'min', 'must be a whole number, 0 or more');
    r.position = input.position;
  } else if (isCreate) {
    // Appended after the last rule, which is what "add a rule" means in a list.
    const [last] = await em.find(MessageRule, {}, { orderBy: { position: 'desc' }, limit: 1 });
    r.position = last ? last.position + 1 : 0;
  }
  if (input.active != null) r.active = input.active;
  if (input.stop != null) r.stop = input.stop;
  if (input.gatewayId !== undefined) {
    if (input.gatewayId === null) r.gateway = undefined;
    else {
      const g = /^[0-9]{1,9}$/.test(input.gatewayId)
        ? await em.findOne(Gateway, { id: Number(input.gatewayId) })
        : null;
      if (!g) v.add('gatewayId', 'exists', `mailbox ${input.gatewayId} does not exist`);
      else r.gateway = g;
    }
  }
  if (input.queueId != null) {
    const q = /^[0-9]{1,9}$/.test(input.queueId) ? await em.findOne(Queue, { id: Number(input.queueId) }) : null;
    if (!q) v.add('queueId', 'exists', `queue ${input.queueId} does not exist`);
    else r.queue = q;
  } else if (isCreate) v.add('queueId', 'required', 'a rule needs the queue to move messages to');
  v.throwIfAny();
}

@Resolver(() => MessageRule)
export class MessageRuleResolver {
  @Authorized()
  @Query(() => [MessageRule], {
    description:
      'All rules in walk order (ascending position, then id). Inbound SMS walk the active ones: the first match moves the message to its queue, "stop" ends the walk, and a later match without a stop before it moves it again; no match: the default queue "SMS".',
  })
  messageRules(@Ctx() ctx: Context): Promise<MessageRule[]> {
    return ctx.em.find(MessageRule, {}, { populate: ['gateway', 'queue'], orderBy: { position: 'asc', id: 'asc' } });
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => MessageRule, {
    description:
      'Admins: adds a rule; without a position it goes after the last one. BAD_USER_INPUT with violations (name and queueId required, gatewayId and queueId must exist).',
  })
  async createMessageRule(
    @Arg('input', { description: 'The new rule; name and queueId are required.' }) input: MessageRuleInput,
    @Ctx() ctx: Context,
  ): Promise<MessageRule> {
    const r = new MessageRule();
    await applyRule(ctx.em, r, input, true);
    ctx.em.persist(r);
    await ctx.em.flush();
    return r;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => MessageRule, {
    description:
      'Admins: changes a rule; fields not given stay as they are. BAD_USER_INPUT with violations, NOT_FOUND for an unknown id.',
  })
  async updateMessageRule(
    @Arg('id', () => ID, { description: 'The rule to change.' }) id: string,
    @Arg('input', { description: 'The fields to change.' }) input: MessageRuleInput,
    @Ctx() ctx: Context,
  ): Promise<MessageRule> {
    const r = await ctx.em.findOne(MessageRule, { id: idOf(id, 'MessageRule') }, { populate: ['gateway', 'queue'] });
    if (!r) throw new NotFoundError('MessageRule', id);
    await applyRule(ctx.em, r, input, false);
    await ctx.em.flush();
    return r;
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => ID, {
    description:
      'Admins: deletes a rule and returns its id; messages it routed stay where they are. NOT_FOUND for an unknown id.',
  })
  async deleteMessageRule(
    @Arg('id', () => ID, { description: 'The rule to delete.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<string> {
    const r = await ctx.em.findOne(MessageRule, { id: idOf(id, 'MessageRule') });
    if (!r) throw new NotFoundError('MessageRule', id);
    await ctx.em.remove(r).flush();
    return String(r.id);
  }
}
