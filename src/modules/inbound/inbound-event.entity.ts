import {
  ArrayType,
  BigIntType,
  Entity,
  Enum,
  Index,
  ManyToOne,
  OptionalProps,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Gateway } from '../gateways/gateway.entity';
import { ProviderId } from '../providers/catalog.types';

export enum InboundOutcome {
  /** Stored as a new message. */
  ACCEPTED = 'ACCEPTED',
  /** A retry of a message already stored: answered OK, nothing written but this entry. */
  DUPLICATE = 'DUPLICATE',
  /** Refused (no mailbox, incoming off, IP, token, signature, unsupported): see the reason. */
  REJECTED = 'REJECTED',
  /** The request could not be read: answered 400. */
  MALFORMED = 'MALFORMED',
  /** Our own failure while storing (answered 5xx so that the provider retries). */
  FAILED = 'FAILED',
}
registerEnumType(InboundOutcome, {
  name: 'InboundOutcome',
  description: 'What became of an inbound request.',
  valuesConfig: {
    ACCEPTED: { description: 'Stored as a new message (messageIds).' },
    DUPLICATE: { description: 'A retry of a message already stored: answered OK, nothing new written.' },
    REJECTED: {
      description:
        'Refused (no mailbox, incoming off, IP not allowed, bad token or signature, unsupported): see reasonCode and reason; replayable once fixed.',
    },
    MALFORMED: { description: 'The request could not be read (answered 400).' },
    FAILED: { description: 'smsdesk failed while storing it (answered 5xx so that the provider retries).' },
  },
});

/** Why a request was not accepted; machine-readable, next to a sentence for people. */
export enum InboundReason {
  NO_MAILBOX = 'NO_MAILBOX',
  INCOMING_INACTIVE = 'INCOMING_INACTIVE',
  IP_NOT_ALLOWED = 'IP_NOT_ALLOWED',
  BAD_TOKEN = 'BAD_TOKEN',
  BAD_SIGNATURE = 'BAD_SIGNATURE',
  MALFORMED = 'MALFORMED',
  UNSUPPORTED = 'UNSUPPORTED',
  STORE_FAILED = 'STORE_FAILED',
}
registerEnumType(InboundReason, {
  name: 'InboundReason',
  description: 'Why an inbound request was not accepted.',
  valuesConfig: {
    NO_MAILBOX: {
      description: "No mailbox of the provider has the message's destination number (after removing its prefixes).",
    },
    INCOMING_INACTIVE: { description: 'The mailbox it is for has incomingActive off.' },
    IP_NOT_ALLOWED: { description: "The client IP is not on the mailbox's allowed IP list." },
    BAD_TOKEN: { description: "The request carried no webhook token, or not the mailbox's." },
    BAD_SIGNATURE: { description: "The provider's signature of the request does not match." },
    MALFORMED: { description: 'The request is not what the provider sends: a field is missing or unreadable.' },
    UNSUPPORTED: { description: 'A kind of request smsdesk does not handle for this provider.' },
    STORE_FAILED: { description: 'Storing it failed on our side; the provider is asked to retry.' },
  },
});

/**
 * The inbound event log: one row per webhook request (and per polled message that was stored), accepted
 * or not, so an admin can see why a message did not arrive and replay it after fixing the configuration.
 * Append-only and high-volume (one row per webhook): bigint ids, a BRIN index on the time for the retention
 * delete, and `payload` with secrets masked. A refused request also keeps its raw form sealed with
 * SECRET_KEY (`raw_sealed`), because replaying needs the token and signature the admin must not see.
 */
@ObjectType({ description: 'One inbound request (or polled message) and what became of it.' })
@Entity({ tableName: 'inbound_event' })
@Index({ properties: ['gateway', 'id'] })
@Index({
  name: 'inbound_event_received_at_brin',
  expression: 'create index "inbound_event_received_at_brin" on "inbound_event" using brin ("received_at")',
})
@Index({
  name: 'inbound_event_erasure_keys',
  expression: 'create index "inbound_event_erasure_keys" on "inbound_event" using gin ("erasure_keys")',
})
export class InboundEvent {
  [OptionalProps]?: 'receivedAt' | 'messageIds';

  @Field(() => ID, { description: "The event's id." })
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @Field({ description: 'When the request arrived (or the message was polled).' })
  @Property({ defaultRaw: 'now()' })
  receivedAt: Date = new Date();

  @Field(() => ProviderId, { description: 'The provider whose webhook route (or poller) it came through.' })
  @Enum({ items: () => ProviderId, nativeEnumName: 'provider_id' })
  provider!: ProviderId;

  @Field(() => Gateway, { nullable: true, description: 'The mailbox it was routed to, when one matched.' })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  gateway?: Gateway;

  @Field({
    nullable: true,
    description: 'The client IP the allow list was checked against (X-Forwarded-For only from TRUSTED_PROXIES).',
  })
  @Property({ length: 64, nullable: true })
  remoteIp?: string;

  @Field({ description: 'HTTP method, or POLL for a polled message.' })
  @Property({ length: 8 })
  method!: string;

  @Field({ description: 'The URL path it was sent to, without the query string.' })
  @Property({ length: 200 })
  path!: string;

  @Field(() => InboundOutcome, { description: 'What became of it.' })
  @Enum({ items: () => InboundOutcome, nativeEnumName: 'inbound_outcome' })
  outcome!: InboundOutcome;

  @Field(() => InboundReason, {
    nullable: true,
    description: 'Why it was not accepted, as a code; null when accepted.',
  })
  @Enum({ items: () => InboundReason, nativeEnumName: 'inbound_reason', nullable: true })
  reasonCode?: InboundReason;

  @Field({ nullable: true, description: 'Why it was not accepted, in words.' })
  @Property({ type: 'text', nullable: true })
  reason?: string;

  /** Decoded request (query, body, file names and sizes, a few headers) with secrets masked. */
  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  /** The raw request of a refused one, sealed: what a replay re-reads. Never shown. */
  @Property({ type: 'text', nullable: true, hidden: true, lazy: true })
  rawSealed?: string;

  /** Messages it stored or found (duplicates). */
  @Property({ type: new ArrayType<number>((i) => Number(i)), columnType: 'int[]', defaultRaw: `'{}'` })
  messageIds: number[] = [];

  /**
   * What an erasure finds it by (src/modules/inbound/event-keys.ts): keyed fingerprints of the phone numbers
   * it carries, and its messages. Null for a row logged before keys were kept. Never shown.
   */
  @Property({ type: 'text[]', nullable: true, hidden: true, lazy: true })
  erasureKeys?: string[];

  @Field(() => ID, { nullable: true, description: 'The event this one replayed.' })
  @Property({ type: new BigIntType('number'), nullable: true })
  replayOfId?: number;

  @Field({ nullable: true, description: 'When an admin last replayed it.' })
  @Property({ nullable: true })
  replayedAt?: Date;
}
