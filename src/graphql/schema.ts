import 'reflect-metadata';
import { printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { createPubSub } from '@graphql-yoga/subscription';
import type { EventBus } from './pubsub';
import { authChecker } from './auth-checker';
import { withFieldAccess } from './field-access';
import { ErrorExtensions } from './error-codes';
import { AuthResolver } from '../modules/auth/auth.resolver';
import { CustomerResolver } from '../modules/customers/customer.resolver';
import { ErasureResolver } from '../modules/erasure/erasure.resolver';
import { GatewayResolver } from '../modules/gateways/gateway.resolver';
import { GatewayTestResolver } from '../modules/gateways/gateway-test.resolver';
import { UnmatchedRefusalsResolver } from '../modules/gateways/health/unmatched.resolver';
import { OutboundResolver } from '../modules/outbound/outbound.resolver';
import { AttachmentResolver, MessageAttachmentsResolver } from '../modules/inbound/attachment.resolver';
import { GatewayInboundResolver } from '../modules/inbound/gateway-inbound.resolver';
import { InboundEventResolver } from '../modules/inbound/inbound-event.resolver';
import { NotificationResolver } from '../modules/notifications/notification.resolver';
import { ProviderResolver } from '../modules/providers/provider.resolver';
import { RulePreviewResolver } from '../modules/rules/rule-preview.resolver';
import { MessageRuleResolver } from '../modules/rules/message-rule.resolver';
import { SettingsResolver } from '../modules/settings/settings.resolver';
import { CustomerOptOutsResolver, OptOutResolver, TicketOptOutResolver } from '../modules/optouts/optout.resolver';
import { QueueResolver } from '../modules/tickets/queue.resolver';
import { CustomerTicketsResolver, MessageTicketResolver, TicketResolver } from '../modules/tickets/ticket.resolver';

export const resolvers = [
  AuthResolver,
  ProviderResolver,
  GatewayResolver,
  QueueResolver,
  MessageRuleResolver,
  CustomerResolver,
  ErasureResolver,
  SettingsResolver,
  TicketResolver,
  CustomerTicketsResolver,
  MessageTicketResolver,
  NotificationResolver,
  InboundEventResolver,
  AttachmentResolver,
  MessageAttachmentsResolver,
  GatewayInboundResolver,
  RulePreviewResolver,
  GatewayTestResolver,
  UnmatchedRefusalsResolver,
  OutboundResolver,
  OptOutResolver,
  CustomerOptOutsResolver,
  TicketOptOutResolver,
] as const;

/** Builds the executable schema; it needs no database, so `schema.graphql` can be emitted anywhere. */
export async function createSchema(pubSub?: EventBus): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    authChecker,
    validate: { forbidUnknownValues: false },
    // Returned by no field: it documents `errors[].extensions` and brings the ErrorCode enum into the schema.
    orphanedTypes: [ErrorExtensions],
    // type-graphql refuses subscriptions without a pubsub; printing the schema needs none, so a local one stands in.
    pubSub: pubSub ?? createPubSub(),
  });
  describeRoots(schema);
  return withFieldAccess(schema);
}

/** type-graphql takes no description for the root types; they are set on the built schema (in place). */
function describeRoots(schema: GraphQLSchema): void {
  const query = schema.getQueryType();
  const mutation = schema.getMutationType();
  const subscription = schema.getSubscriptionType();
  if (query)
    query.description =
      'What you can read. Every field needs a logged-in user (`Authorization: Bearer <token>`; get one with ' +
      'login) unless it says otherwise; lists that grow are paged with `first`/`after`.';
  if (mutation)
    mutation.description =
      'What you can change. A mutation is written whole or not at all; a refusal answers an error whose ' +
      '`extensions.code` is an ErrorCode.';
  if (subscription)
    subscription.description =
      'Live events over graphql-ws on the same `/graphql` URL, authenticated with ' +
      '`connectionParams: { authorization: "Bearer <token>" }`.';
}

export const SCHEMA_HEADER =
  '# Generated from the code by `npm run schema`; test/e2e/schema.test.ts fails when it drifts.\n\n';

export function schemaText(schema: GraphQLSchema): string {
  return SCHEMA_HEADER + printSchema(schema) + '\n';
}
