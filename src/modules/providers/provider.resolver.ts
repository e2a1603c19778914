import { Authorized, Ctx, Field, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { ProviderId, SpecStatus, Support, type ProviderCatalogEntry } from './catalog.types';
import { guideUrl } from './guides';
import { PROVIDERS } from './registry';

registerEnumType(SpecStatus, {
  name: 'SpecStatus',
  description: "How much of the provider's API is publicly specified.",
});
registerEnumType(Support, { name: 'Support', description: 'YES, NO, or UNKNOWN where no public source tells.' });

@ObjectType()
class ProviderCapabilities {
  @Field(() => Support) send!: Support;
  @Field(() => Support, { description: 'A configuration test that spends nothing.' }) test!: Support;
  @Field(() => Support) inboundPush!: Support;
  @Field(() => Support) inboundPolling!: Support;
  @Field(() => Support) mms!: Support;
  @Field(() => Support) deliveryReports!: Support;
}

@ObjectType({ description: 'A field a mailbox of this provider takes.' })
class ProviderField {
  @Field({ description: 'The GatewayInput field name.' }) name!: string;
  @Field() required!: boolean;
  @Field() label!: string;
  @Field() help!: string;
}

@ObjectType({ description: 'What smsdesk knows about an SMS provider.' })
export class Provider {
  @Field(() => ProviderId) id!: ProviderId;
  @Field() displayName!: string;
  @Field(() => SpecStatus) specStatus!: SpecStatus;
  @Field(() => ProviderCapabilities) capabilities!: ProviderCapabilities;
  @Field(() => [ProviderField]) fields!: ProviderField[];
  @Field(() => [String]) defaultPrefixesToRemove!: string[];
  @Field({
    nullable: true,
    description: 'Path of our webhook for this provider; null when it is polled or cannot push.',
  })
  webhookPath?: string;
  @Field({ nullable: true }) defaultApiBaseUrl?: string;
  @Field(() => [String], { description: 'Caveats: what is inferred, unverified or missing in the public spec.' })
  notes!: string[];
  @Field({
    description:
      "The provider's set-up guide (Markdown, served by smsdesk on PUBLIC_URL): what to order, where each of a mailbox's webhookUrls goes in the provider's panel, the token and allowed IPs, what the test checks, known limits.",
  })
  guideUrl!: string;
}

const toProvider = (e: ProviderCatalogEntry, guide: string): Provider => ({
  ...e,
  guideUrl: guide,
  webhookPath: e.webhookPath ?? undefined,
  defaultApiBaseUrl: e.defaultApiBaseUrl ?? undefined,
  fields: e.fields.map((f) => ({ ...f })),
  capabilities: { ...e.capabilities },
  defaultPrefixesToRemove: [...e.defaultPrefixesToRemove],
  notes: [...e.notes],
});

@Resolver()
export class ProviderResolver {
  @Authorized()
  @Query(() => [Provider], { description: 'The catalog of all providers.' })
  providers(@Ctx() ctx: Context): Provider[] {
    return PROVIDERS.map((p) => toProvider(p.catalog, guideUrl(ctx.config.publicUrl, p)));
  }
}
