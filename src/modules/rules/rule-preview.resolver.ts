import { Arg, Authorized, Ctx, Field, ID, ObjectType, Query, Resolver } from 'type-graphql';
import { NotFoundError } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { lengthLimit } from '../../graphql/limits';
import { idOf } from '../../graphql/ids';
import { Gateway } from '../gateways/gateway.entity';
import { normaliseSender } from '../inbound/numbers';
import { Queue } from '../tickets/queue.entity';
import { DEFAULT_QUEUE_NAME } from '../conversations/conversations';
import { MessageRule } from './message-rule.entity';
import { route } from './rule-engine';

@ObjectType({ description: 'One rule that applied, in walk order.' })
export class RulePreviewStep {
  @Field(() => MessageRule, { description: 'The rule that matched.' }) rule!: MessageRule;
  @Field(() => Queue, { description: 'The queue it moves the message to.' }) queue!: Queue;
  @Field({ description: 'The rule has "stop": the walk ended here.' }) stopped!: boolean;
}

@ObjectType({ description: 'Where an inbound message would go, and which rules decide it.' })
export class RulePreview {
  @Field(() => [RulePreviewStep], { description: 'The rules that matched, in walk order; the last one decides.' })
  applied!: RulePreviewStep[];
  @Field(() => RulePreviewStep, {
    nullable: true,
    description: 'The rule that decides the queue; null: no rule matched.',
  })
  decidingRule?: RulePreviewStep;
  @Field(() => Queue, {
    nullable: true,
    description: 'The target queue; null when it would be the default queue and that does not exist yet.',
  })
  queue?: Queue;
  @Field({ description: 'The name of the target queue.' }) queueName!: string;
  @Field({ description: 'No rule matched: the default queue.' }) usesDefaultQueue!: boolean;
  @Field({ description: 'The sender as it would be stored (E.164 when it is a number).' }) from!: string;
}

@Resolver()
export class RulePreviewResolver {
  /** Runs the rule engine on a message that did not arrive; writes nothing (not even the default queue). */
  @Authorized()
  @Query(() => RulePreview, {
    description:
      'Where an inbound SMS would go under the rules as they are now, without storing anything. NOT_FOUND for an unknown mailbox.',
  })
  async previewMessageRules(
    @Arg('gatewayId', () => ID, { description: 'The mailbox the message would arrive at.' }) gatewayId: string,
    @Arg('from', {
      ...lengthLimit('from', 64),
      description:
        'The sender as the provider would give it (any format; shown as stored, E.164 for numbers), at most 64 characters.',
    })
    from: string,
    @Arg('text', { ...lengthLimit('text', 10_000), description: 'The message text, at most 10000 characters.' })
    text: string,
    @Ctx() ctx: Context,
  ): Promise<RulePreview> {
    const gw = await ctx.em.findOne(Gateway, { id: idOf(gatewayId, 'Gateway') });
    if (!gw) throw new NotFoundError('Gateway', gatewayId);
    const sender = normaliseSender(from);
    const rules = await ctx.em.find(
      MessageRule,
      { active: true },
      { populate: ['queue', 'gateway'], orderBy: { position: 'asc', id: 'asc' } },
    );
    const decision = route(
      rules.map((r) => ({
        id: r.id,
        name: r.name,
        position: r.position,
        active: r.active,
        gatewayId: r.gateway?.id ?? null,
        queueId: r.queue.id,
        stop: r.stop,
      })),
      { gatewayId: gw.id, from: sender, text },
    );
    const byId = new Map(rules.map((r) => [r.id, r]));
    const applied = decision.applied.map((s) => ({
      rule: byId.get(s.ruleId)!,
      queue: byId.get(s.ruleId)!.queue,
      stopped: s.stopped,
    }));
    const queue =
      decision.queueId != null
        ? applied.at(-1)!.queue
        : ((await ctx.em.findOne(Queue, { name: DEFAULT_QUEUE_NAME })) ?? undefined);
    return {
      applied,
      decidingRule: applied.at(-1),
      queue,
      queueName: queue?.name ?? DEFAULT_QUEUE_NAME,
      usesDefaultQueue: decision.queueId == null,
      from: sender,
    };
  }
}
