import { Authorized, Ctx, Field, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { ProviderId, SpecStatus, Support, type ProviderCatalogEntry } from './catalog.types';
import { guideUrl } from './guides';
import { PROVIDERS } from './registry';

/** What a provider can do in one line, from its catalog entry, so the enum value says it without a query. */
const summary = (e: ProviderCatalogEntry): string =>
  `${e.displayName}: send ${e.capabilities.send}, inbound push ${e.capabilities.inboundPush}, inbound polling ` +
  `${e.capabilities.inboundPolling}, MMS ${e.capabilities.mms}, delivery reports ${e.capabilities.deliveryReports} ` +
  `(public spec: ${e.specStatus}). The \`providers\` query has its fields and caveats.`;

registerEnumType(ProviderId, {
  name: 'ProviderId',
  description: 'An SMS provider smsdesk can talk to.',
  valuesConfig: Object.fromEntries(PROVIDERS.map((p) => [p.id, { description: summary(p.catalog) }])),
});
registerEnumType(SpecStatus, {
  name: 'SpecStatus',
  description: "How much of the provider's API is publicly specified.",
  valuesConfig: {
    DOCUMENTED: { description: 'The send and test calls are documented in official sources.' },
    PARTIAL: { description: 'Parts are documented, others inferred or unverified; the notes say which.' },
    NO_PUBLIC_SPEC: {
      description: 'No public API spec: a mailbox is configured through its generic HTTP settings (genericHttp).',
    },
  },
});
registerEnumType(Support, {
  name: 'Support',
  description: 'YES, NO, or UNKNOWN where no public source tells.',
  valuesConfig: {
    YES: { description: 'Supported, with its wire format confirmed by the spec or an independent client.' },
    NO: { description: 'The provider does not offer it.' },
    UNKNOWN: {
      description: 'No public source confirms how it works, so smsdesk does not use it (it would only be guessing).',
    },
  },
});

@ObjectType({ description: 'What smsdesk can do with a provider.' })
class ProviderCapabilities {
  @Field(() => Support, { description: 'Send SMS through it.' }) send!: Support;
  @Field(() => Support, { description: 'A configuration test that spends nothing.' }) test!: Support;
  @Field(() => Support, { description: 'The provider calls our webhook with inbound SMS.' }) inboundPush!: Support;
  @Field(() => Support, { description: 'smsdesk fetches inbound SMS from the provider (no push).' })
  inboundPolling!: Support;
  @Field(() => Support, { description: 'Receive MMS (pictures and files) as attachments.' }) mms!: Support;
  @Field(() => Support, { description: 'The provider reports whether a sent SMS was delivered.' })
  deliveryReports!: Support;
}

@ObjectType({ description: 'A field a mailbox of this provider takes.' })
class ProviderField {
  @Field({ description: 'The GatewayInput field name.' }) name!: string;
  @Field({ description: 'Needed to send (for destinationNumber: to receive); createGateway refuses it missing.' })
  required!: boolean;
  @Field({ description: 'The label an admin form shows.' }) label!: string;
  @Field({ description: "One sentence of help: the format, where to find the value in the provider's panel." })
  help!: string;
}

@ObjectType({ description: 'What smsdesk knows about an SMS provider.' })
export class Provider {
  @Field(() => ProviderId, { description: 'The provider, as GatewayInput.provider takes it.' }) id!: ProviderId;
  @Field({ description: 'The provider\'s name as people know it, e.g. "SerwerSMS.pl".' }) displayName!: string;
  @Field(() => SpecStatus, { description: "How much of the provider's API is publicly specified." })
  specStatus!: SpecStatus;
  @Field(() => ProviderCapabilities, { description: 'What smsdesk can do with it.' })
  capabilities!: ProviderCapabilities;
  @Field(() => [ProviderField], { description: 'The GatewayInput fields a mailbox of this provider takes.' })
  fields!: ProviderField[];
  @Field(() => [String], {
    description: 'What a new mailbox gets as prefixesToRemove when none are given (e.g. "+48", "0048").',
  })
  defaultPrefixesToRemove!: string[];
  @Field({
    nullable: true,
    description: 'Path of our webhook for this provider; null when it is polled or cannot push.',
  })
  webhookPath?: string;
  @Field({
    nullable: true,
    description: "The provider's API address used when a mailbox does not set apiBaseUrl; null: none (generic HTTP).",
  })
  defaultApiBaseUrl?: string;
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
  @Query(() => [Provider], {
    description: 'The catalog of all providers: what each can do and what its mailboxes need.',
  })
  providers(@Ctx() ctx: Context): Provider[] {
    return PROVIDERS.map((p) => toProvider(p.catalog, guideUrl(ctx.config.publicUrl, p)));
  }
}
