import { Authorized, Ctx, Field, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../../../graphql/context';
import { Role } from '../../auth/user.entity';
import { InboundReason } from '../../inbound/inbound-event.entity';
import { ProviderId } from '../../providers/catalog.types';
import { NO_MAILBOX_ID, REFUSED } from './counters';
import { RefusalCount } from './health.types';

@ObjectType({
  description:
    "Webhook requests of one provider that matched no mailbox (e.g. an unknown destination number): they belong to no mailbox's health.",
})
export class ProviderRefusals {
  @Field(() => ProviderId, { description: 'The provider whose webhook route was called.' })
  provider!: ProviderId;

  @Field(() => [RefusalCount], { description: 'Refused in the current hour and the 23 before it, by reason.' })
  refused: RefusalCount[] = [];

  @Field(() => Date, { nullable: true, description: 'When the last one was refused.' })
  lastRefusedAt: Date | null = null;

  @Field(() => InboundReason, { nullable: true, description: 'Why the last one was refused (code).' })
  lastRefusalCode: InboundReason | null = null;

  @Field(() => String, { nullable: true, description: 'Why the last one was refused, in words.' })
  lastRefusalReason: string | null = null;
}

@Resolver()
export class UnmatchedRefusalsResolver {
  @Authorized(Role.ADMIN)
  @Query(() => [ProviderRefusals], {
    description:
      'Providers whose webhook requests matched no mailbox in the last 24 h (a number no mailbox has, a token of none), by provider; the inbound event log has each request.',
  })
  async unmatchedRefusals(@Ctx() ctx: Context): Promise<ProviderRefusals[]> {
    const rows = await ctx.em.execute<
      { provider: ProviderId; metric: string; n: number | null; at: Date | null; detail: string | null }[]
    >(
      `select provider, metric, sum(n)::int as n, null::timestamptz as at, null as detail from mailbox_health_hour
        where gateway_id = ? and hour > now() - interval '24 hours' group by provider, metric
       union all
       select provider, metric, null, at, detail from mailbox_health_last
        where gateway_id = ? and metric = 'refused' and at > now() - interval '24 hours'`,
      [NO_MAILBOX_ID, NO_MAILBOX_ID],
    );
    const out = new Map<ProviderId, ProviderRefusals>();
    const of = (p: ProviderId) =>
      out.get(p) ?? out.set(p, Object.assign(new ProviderRefusals(), { provider: p })).get(p)!;
    for (const r of rows) {
      const p = of(r.provider);
      if (r.at) {
        const d = r.detail ? (JSON.parse(r.detail) as { code?: InboundReason; text?: string | null }) : {};
        p.lastRefusedAt = new Date(r.at);
        p.lastRefusalCode = d.code ?? null;
        p.lastRefusalReason = d.text ?? null;
      } else if (r.metric.startsWith(REFUSED)) {
        p.refused.push({ reason: r.metric.slice(REFUSED.length) as InboundReason, count: r.n ?? 0 });
      }
    }
    for (const p of out.values()) p.refused.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
    return [...out.values()].filter((p) => p.refused.length).sort((a, b) => a.provider.localeCompare(b.provider));
  }
}
