import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ProviderId } from '../providers/catalog.types';
import { GenericHttpSettings, StoredGenericHttp } from './generic-http';
import { GatewayTestResult } from './gateway-test.types';

export enum PasswordForm {
  /** Stored as given. */
  PLAIN = 'PLAIN',
  /** SMSAPI: the admin gave the 32-hex MD5 of the API password; stored as given. */
  MD5_GIVEN = 'MD5_GIVEN',
  /** SMSAPI: the admin gave the API password itself; smsdesk stored its MD5, which is what SMSAPI expects. */
  MD5_COMPUTED = 'MD5_COMPUTED',
  /** SMSAPI: no login, so the secret is an OAuth (Bearer) token. */
  OAUTH_TOKEN = 'OAUTH_TOKEN',
}
registerEnumType(PasswordForm, {
  name: 'PasswordForm',
  description: 'How the stored password is used with the provider.',
  valuesConfig: {
    PLAIN: { description: 'Sent to the provider as the admin gave it.' },
    MD5_GIVEN: { description: 'The admin gave the MD5 of the API password (32 hex digits); sent as given.' },
    MD5_COMPUTED: {
      description:
        'The admin gave the API password itself; smsdesk stored its MD5, which is what the provider expects.',
    },
    OAUTH_TOKEN: { description: 'No login: the secret is an OAuth (Bearer) token.' },
  },
});

/** How a mailbox knows that a webhook request comes from its provider. */
export enum WebhookAuth {
  /** The request carries the mailbox's webhook token (in its URL, or the X-Webhook-Token header). */
  TOKEN = 'TOKEN',
  /** Chosen by the admin for a provider that cannot carry a token: only the allowed IP list decides. */
  IP_LIST_ONLY = 'IP_LIST_ONLY',
  /** A mailbox from before tokens: accepted without one, as it was, and flagged until the admin decides. */
  LEGACY_OPEN = 'LEGACY_OPEN',
}
registerEnumType(WebhookAuth, {
  name: 'WebhookAuth',
  description: 'How webhook requests to a mailbox are authenticated.',
  valuesConfig: {
    TOKEN: {
      description: "Requests must carry the mailbox's webhook token (it is in the webhook URLs shown to admins).",
    },
    IP_LIST_ONLY: {
      description: 'Requests are accepted from the allowed IP addresses only (the list must not be empty).',
    },
    LEGACY_OPEN: {
      description:
        'A mailbox made before webhook tokens: requests are accepted without one. Set a token or choose IP_LIST_ONLY.',
    },
  },
});

/**
 * An SMS mailbox ("gateway"): one account at one provider, its incoming number and its sending settings.
 * Secrets live only in the `*Secret` columns, sealed with SECRET_KEY; GraphQL shows `has*` flags instead.
 */
@ObjectType({ description: 'An SMS mailbox on one provider. Secrets are write-only.' })
@Entity({ tableName: 'gateway' })
@Index({ properties: ['provider', 'destinationNumber'] })
// Two active mailboxes of one provider must not claim one number: inbound routing would be ambiguous.
@Index({
  name: 'gateway_active_destination_unique',
  expression:
    'create unique index "gateway_active_destination_unique" on "gateway" ("provider", "destination_number") where "incoming_active" and "destination_number" is not null',
})
export class Gateway {
  [OptionalProps]?:
    | 'createdAt'
    | 'updatedAt'
    | 'incomingActive'
    | 'allowedIps'
    | 'prefixesToRemove'
    | 'replacePolishDiacritics'
    | 'webhookAuth'
    | 'allowedCountries';

  @Field(() => ID, { description: "The mailbox's id." })
  @PrimaryKey()
  id!: number;

  @Field({ description: "The mailbox's name as agents see it when they pick one to send from; unique." })
  @Property({ length: 100, unique: true })
  name!: string;

  @Field(() => ProviderId, { description: 'The SMS provider this mailbox is an account at.' })
  @Enum({ items: () => ProviderId, nativeEnumName: 'provider_id' })
  provider!: ProviderId;

  @Field(() => [String], {
    description: 'IPv4/IPv6 addresses and CIDR ranges allowed to call our webhook; empty allows all.',
  })
  @Property({ type: 'text[]' })
  allowedIps: string[] = [];

  @Field({
    nullable: true,
    description: 'Our number at the provider that inbound SMS are sent to: E.164, or the digits of a short code.',
  })
  @Property({ length: 20, nullable: true })
  destinationNumber?: string;

  @Field(() => [String], {
    description: 'Prefixes removed from numbers the provider sends before matching (e.g. "+48", "0048").',
  })
  @Property({ type: 'text[]' })
  prefixesToRemove: string[] = [];

  @Field({
    description:
      "Inbound SMS to destinationNumber are accepted into tickets; when false, the provider's webhook calls are refused (INCOMING_INACTIVE in the inbound event log) and polling stops.",
  })
  @Property()
  incomingActive: boolean = false;

  @Field({
    nullable: true,
    description: "The account's login or user name at the provider, where it has one. Admins only.",
  })
  @Property({ length: 200, nullable: true })
  login?: string;

  @Property({ type: 'text', nullable: true, hidden: true })
  passwordSecret?: string;

  @Field(() => PasswordForm, {
    nullable: true,
    description: 'How the stored password is used with the provider; null without a password. Admins only.',
  })
  @Enum({ items: () => PasswordForm, nativeEnumName: 'password_form', nullable: true })
  passwordForm?: PasswordForm;

  @Field({
    nullable: true,
    description:
      "The sender shown to recipients: 1–11 letters, digits, space or . - _ & (at least one letter; registered at the provider), or a number of 3–16 digits. Null: the provider's default.",
  })
  @Property({ length: 20, nullable: true })
  senderName?: string;

  @Field(() => Int, { nullable: true, description: 'Plus MultiInfo service id.' })
  @Property({ nullable: true })
  serviceId?: number;

  @Field({ nullable: true, description: 'Plus MultiInfo gateway host, e.g. api1.multiinfo.plus.pl.' })
  @Property({ length: 253, nullable: true })
  host?: string;

  /** PEM client certificate and private key (Plus MultiInfo), sealed. */
  @Property({ type: 'text', nullable: true, hidden: true })
  certificateSecret?: string;

  @Field({ nullable: true, description: 'When the stored client certificate expires; null without one.' })
  @Property({ nullable: true })
  certificateExpiresAt?: Date;

  @Field({ nullable: true, description: "Overrides the provider's API base URL (backup hosts, tests)." })
  @Property({ length: 500, nullable: true })
  apiBaseUrl?: string;

  @Property({ type: 'text', nullable: true, hidden: true })
  webhookTokenSecret?: string;

  @Field(() => WebhookAuth, { description: 'How webhook requests to this mailbox are authenticated.' })
  @Enum({ items: () => WebhookAuth, nativeEnumName: 'webhook_auth', default: WebhookAuth.TOKEN })
  webhookAuth: WebhookAuth = WebhookAuth.TOKEN;

  /** Generic HTTP request/response settings; header values are secrets and sealed inside. */
  @Property({ type: 'json', nullable: true })
  genericHttp?: StoredGenericHttp;

  @Field(() => [String], {
    description:
      'Countries (ISO 3166-1 alpha-2, e.g. "PL") this mailbox may send SMS to; empty: the country of its own number, else Poland. Stops SMS pumping to premium ranges abroad.',
  })
  @Property({ type: 'text[]', defaultRaw: `'{}'` })
  allowedCountries: string[] = [];

  @Field({ description: 'Replace Polish letters with Latin ones so the text stays in GSM-7 (cheaper, longer parts).' })
  @Property()
  replacePolishDiacritics: boolean = false;

  @Field({
    nullable: true,
    description:
      'Sent once through this mailbox to a number that opts out by keyword, as the only SMS it then gets; null: none (the default).',
  })
  @Property({ type: 'text', nullable: true })
  optOutConfirmation?: string;

  @Field(() => GatewayTestResult, {
    nullable: true,
    description: 'The result of the last testGateway; null until the mailbox is tested.',
  })
  @Property({ type: 'json', nullable: true })
  lastTest?: GatewayTestResult;

  @Field(() => Int, {
    nullable: true,
    description:
      'Admins get an [ALERT] when incoming is on and no message arrived for this many hours (null: never). Since the last message, or since this was set.',
  })
  @Property({ nullable: true })
  silenceAlertHours?: number;

  /** Where the silence is counted from when no message came since: when the alert was set or incoming switched on. */
  @Property({ nullable: true })
  silenceAlertSince?: Date;

  @Field({ description: 'When the mailbox was created.' })
  @Property()
  createdAt: Date = new Date();

  @Field({ description: "When the mailbox's configuration last changed." })
  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Field({ description: 'A password or token is stored.' })
  get hasPassword(): boolean {
    return this.passwordSecret != null;
  }

  @Field({ description: 'A client certificate with its private key is stored.' })
  get hasCertificate(): boolean {
    return this.certificateSecret != null;
  }

  @Field({ description: 'A webhook token is stored; requests must carry it.' })
  get hasWebhookToken(): boolean {
    return this.webhookTokenSecret != null;
  }

  @Field(() => [String], { description: 'What the admin should fix about this mailbox (empty when nothing).' })
  get warnings(): string[] {
    return this.webhookAuth === WebhookAuth.LEGACY_OPEN
      ? [
          "Webhook requests to this mailbox are accepted without a token, so anyone who can reach smsdesk could forge SMS or delivery reports into it. Give it a webhook token (rotateWebhookToken) and paste the new webhook URLs into the provider's panel, or choose IP_LIST_ONLY with the provider's addresses.",
        ]
      : [];
  }

  @Field(() => GenericHttpSettings, {
    nullable: true,
    name: 'genericHttp',
    description:
      'How smsdesk talks to a provider without a built-in adapter (GENERIC_HTTP, TIDE, THREE_S); null for the others.',
  })
  get genericHttpSettings(): GenericHttpSettings | undefined {
    return this.genericHttp ? GenericHttpSettings.fromStored(this.genericHttp) : undefined;
  }
}
