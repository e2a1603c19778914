import { Field, InputType, Int } from 'type-graphql';
import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';
import { ProviderId } from '../providers/catalog.types';
import { WebhookAuth } from './gateway.entity';
import { GenericHttpInput } from './generic-http';

/** Bounds of a mailbox's opt-out confirmation: one short SMS, not a campaign. */
export const MAX_CONFIRMATION_CHARS = 300;
export const MAX_CONFIRMATION_PARTS = 2;

/**
 * Fields shared by create and update. Secrets (`password`, `certificatePem`, `webhookToken`) are
 * write-only: omitted (null) keeps the stored value, an empty string removes it.
 */
@InputType({ description: 'Changes to an SMS mailbox; fields not given stay as they are.' })
export class GatewayUpdateInput {
  @Field({ nullable: true, description: "The mailbox's name as agents see it; unique, at most 100 characters." })
  @IsOptional()
  @MaxLength(100)
  name?: string;

  @Field(() => ProviderId, {
    nullable: true,
    description: "The SMS provider; changing it on update re-checks every field against the new provider's needs.",
  })
  provider?: ProviderId;

  @Field(() => [String], { nullable: true, description: 'IPv4/IPv6 addresses and CIDR ranges; empty allows all.' })
  @IsOptional()
  @ArrayMaxSize(100)
  @MaxLength(64, { each: true })
  allowedIps?: string[];

  @Field(() => [String], {
    nullable: true,
    description:
      'Countries (ISO 3166-1 alpha-2, e.g. "PL", "DE") the mailbox may send to; empty: the country of its own number, else Poland.',
  })
  @IsOptional()
  @ArrayMaxSize(250)
  @MaxLength(2, { each: true })
  allowedCountries?: string[];

  @Field({
    nullable: true,
    description: 'Our number inbound SMS are sent to (any format; stored as E.164), or a 3–8 digit short code.',
  })
  @IsOptional()
  @MaxLength(32)
  destinationNumber?: string;

  @Field(() => [String], {
    nullable: true,
    description: "When not given on create, the provider's defaults are filled in.",
  })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(16, { each: true })
  prefixesToRemove?: string[];

  @Field({
    nullable: true,
    description:
      'Accept inbound SMS to destinationNumber (needs one, and a provider that can deliver inbound SMS). Default on create: false.',
  })
  incomingActive?: boolean;

  @Field({
    nullable: true,
    description: "The account's login or user name at the provider (see Provider.fields for what the provider needs).",
  })
  @IsOptional()
  @MaxLength(200)
  login?: string;

  @Field({
    nullable: true,
    description:
      'SMSAPI: the MD5 of the API password (a plain password is hashed for you), or an OAuth token with no login.',
  })
  @IsOptional()
  @MaxLength(500)
  password?: string;

  @Field({
    nullable: true,
    description:
      'The sender shown to recipients: 1–11 letters, digits, space or . - _ & (at least one letter; registered at the provider), or a number of 3–16 digits. An empty string clears it.',
  })
  @IsOptional()
  @MaxLength(20)
  senderName?: string;

  @Field(() => Int, { nullable: true, description: 'Plus MultiInfo service id.' })
  serviceId?: number;

  @Field({
    nullable: true,
    description: 'Plus MultiInfo gateway host, e.g. api1.multiinfo.plus.pl (no https://, no path).',
  })
  @IsOptional()
  @MaxLength(300)
  host?: string;

  @Field({
    nullable: true,
    description: 'Plus MultiInfo: client certificate and its private key, both PEM blocks in one text.',
  })
  @IsOptional()
  @MaxLength(64_000)
  certificatePem?: string;

  @Field({ nullable: true, description: "Overrides the provider's API base URL." })
  @IsOptional()
  @MaxLength(500)
  apiBaseUrl?: string;

  @Field({
    nullable: true,
    description:
      'The token webhook requests must carry (query parameter `token` or header X-Webhook-Token), at least 8 characters. A new mailbox gets a random one when none is given; rotateWebhookToken makes a new one.',
  })
  @IsOptional()
  @MaxLength(200)
  webhookToken?: string;

  @Field(() => WebhookAuth, {
    nullable: true,
    description: 'How webhook requests are authenticated: TOKEN (the default) or IP_LIST_ONLY (needs allowedIps).',
  })
  @IsOptional()
  webhookAuth?: WebhookAuth;

  @Field(() => GenericHttpInput, { nullable: true, description: 'Required for GENERIC_HTTP, TIDE and THREE_S.' })
  @IsOptional()
  @ValidateNested()
  genericHttp?: GenericHttpInput;

  @Field({
    nullable: true,
    description:
      'Replace Polish letters with Latin ones so the text stays in GSM-7 (160 characters a part instead of 70). Default on create: false.',
  })
  replacePolishDiacritics?: boolean;

  @Field({
    nullable: true,
    description: `Sent once through this mailbox to a number that opts out by keyword (e.g. "You will get no more SMS from us. Text START to subscribe again."), at most ${MAX_CONFIRMATION_CHARS} characters and ${MAX_CONFIRMATION_PARTS} SMS parts; an empty string removes it; not given: kept. Default: none.`,
  })
  @IsOptional()
  @MaxLength(MAX_CONFIRMATION_CHARS)
  optOutConfirmation?: string;

  @Field(() => Int, {
    nullable: true,
    description:
      'Alert admins when incoming is on and nothing arrived for this many hours (1–720); 0 switches the alert off.',
  })
  silenceAlertHours?: number;
}

/** A new mailbox: the same fields, with name and provider required. */
@InputType({ description: 'A new SMS mailbox.' })
export class GatewayInput extends GatewayUpdateInput {
  @Field({ description: "The mailbox's name as agents see it; unique, at most 100 characters." })
  @MaxLength(100)
  declare name: string;

  @Field(() => ProviderId, { description: 'The SMS provider; Provider.fields says which other fields it needs.' })
  declare provider: ProviderId;
}
