import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { User } from '../auth/user.entity';
import { Customer } from '../customers/customer.entity';
import { Gateway } from '../gateways/gateway.entity';
import { Ticket } from './ticket.entity';

export enum MessageDirection {
  INBOUND = 'INBOUND',
  OUTBOUND = 'OUTBOUND',
}
registerEnumType(MessageDirection, { name: 'MessageDirection' });

/**
 * Inbound messages are RECEIVED. Outbound ones move forward only: QUEUED → SENT → DELIVERED, or end
 * in FAILED / UNDELIVERED / EXPIRED; `src/modules/outbound` owns the transitions.
 */
export enum MessageStatus {
  RECEIVED = 'RECEIVED',
  QUEUED = 'QUEUED',
  SENT = 'SENT',
  DELIVERED = 'DELIVERED',
  UNDELIVERED = 'UNDELIVERED',
  EXPIRED = 'EXPIRED',
  FAILED = 'FAILED',
}
registerEnumType(MessageStatus, { name: 'MessageStatus' });

export enum MessageKind {
  SMS = 'SMS',
  MMS = 'MMS',
}
registerEnumType(MessageKind, { name: 'MessageKind' });

export enum SmsEncoding {
  GSM7 = 'GSM7',
  UCS2 = 'UCS2',
}
registerEnumType(SmsEncoding, { name: 'SmsEncoding', description: 'GSM-7: 160/153 characters a part; UCS-2: 70/67.' });

/**
 * One SMS or MMS, inbound or outbound. Retries of a provider's webhook are no-ops thanks to the
 * partial unique indexes declared below: (gateway, direction, provider_message_id) and, for
 * providers that send no id, (gateway, dedupe_key).
 */
@ObjectType({ description: 'An SMS or MMS, inbound or outbound.' })
@Entity({ tableName: 'message' })
@Index({ properties: ['ticket', 'createdAt'] })
@Index({
  name: 'message_provider_id_unique',
  expression:
    'create unique index "message_provider_id_unique" on "message" ("gateway_id", "direction", "provider_message_id") where "provider_message_id" is not null',
})
@Index({
  name: 'message_dedupe_unique',
  expression:
    'create unique index "message_dedupe_unique" on "message" ("gateway_id", "dedupe_key") where "dedupe_key" is not null',
})
// Delivery reports name only the provider's id (SMSAPI's carry no mailbox).
@Index({
  name: 'message_outbound_provider_id',
  expression: `create index "message_outbound_provider_id" on "message" ("provider_message_id") where "direction" = 'OUTBOUND'`,
})
// Delivery reports that name our idempotency key, among the messages of the mailbox that sent them.
@Index({
  name: 'message_outbound_idempotency_key',
  expression: `create index "message_outbound_idempotency_key" on "message" ("gateway_id", "idempotency_key") where "direction" = 'OUTBOUND' and "idempotency_key" is not null`,
})
// Outbound messages waiting to go out: what the sender claims (src/modules/outbound/sender.ts).
@Index({
  name: 'message_outbound_due',
  expression: `create index "message_outbound_due" on "message" ("next_attempt_at") where "direction" = 'OUTBOUND' and "status" = 'QUEUED'`,
})
// A mailbox's sends, newest first: the alert check reads its last few outcomes ("failures in a row").
@Index({
  name: 'message_outbound_gateway',
  expression: `create index "message_outbound_gateway" on "message" ("gateway_id", "id") where "direction" = 'OUTBOUND'`,
})
export class Message {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'kind' | 'parts' | 'attempts';

  @Field(() => ID)
  @PrimaryKey()
  id!: number;

  @Field(() => MessageDirection)
  @Enum({ items: () => MessageDirection, nativeEnumName: 'message_direction' })
  direction!: MessageDirection;

  @Field(() => MessageStatus)
  @Enum({ items: () => MessageStatus, nativeEnumName: 'message_status' })
  status!: MessageStatus;

  @Field(() => MessageKind)
  @Enum({ items: () => MessageKind, nativeEnumName: 'message_kind' })
  kind: MessageKind = MessageKind.SMS;

  @Field({ description: 'Sender: a number in E.164, or a sender name for outbound messages.' })
  @Property({ length: 32, name: 'from_address' })
  from!: string;

  @Field({ description: 'Recipient in E.164.' })
  @Property({ length: 32, name: 'to_address' })
  to!: string;

  @Field()
  @Property({ type: 'text' })
  text!: string;

  @Field({ nullable: true, description: 'MMS subject.' })
  @Property({ length: 500, nullable: true })
  subject?: string;

  @Field(() => Int, { description: 'Number of SMS parts.' })
  @Property()
  parts: number = 1;

  @Field(() => SmsEncoding, { nullable: true })
  @Enum({ items: () => SmsEncoding, nativeEnumName: 'sms_encoding', nullable: true })
  encoding?: SmsEncoding;

  @Field({ nullable: true })
  @Property({ length: 100, nullable: true })
  providerMessageId?: string;

  /** The key an outbound message gives its provider for idempotency (random; null for messages from before it was kept). */
  @Property({ length: 40, nullable: true, hidden: true })
  idempotencyKey?: string;

  /** For providers that send no message id: a hash of (gateway, sender, text, provider timestamp). */
  @Property({ length: 64, nullable: true })
  dedupeKey?: string;

  @Field({ nullable: true, description: "The provider's own error code." })
  @Property({ length: 50, nullable: true })
  errorCode?: string;

  @Field({ nullable: true, description: 'Why it failed, in words a person understands.' })
  @Property({ type: 'text', nullable: true })
  errorMessage?: string;

  @Field(() => Float, { nullable: true, description: 'Cost as the provider reported it (points or currency).' })
  @Property({ type: 'double', nullable: true })
  cost?: number;

  /** Send attempts made by the worker. */
  @Property()
  attempts: number = 0;

  /**
   * Set just before a send attempt calls the provider, cleared once its outcome is known. Still set
   * when the next attempt starts: the previous one died or timed out mid-call and may have been sent;
   * that attempt keeps the earlier time, so it dates the first attempt that may have reached the provider.
   */
  @Property({ nullable: true })
  inFlightSince?: Date;

  /** A QUEUED outbound message is due from then on (its first attempt, or the retry after a backoff). */
  @Property({ nullable: true, defaultRaw: 'now()' })
  nextAttemptAt?: Date;

  /**
   * Set when an instance claims the message for an attempt: until then no other instance takes it. A
   * lease that ran out belongs to an instance that died mid-attempt; the next claim resumes it.
   */
  @Property({ nullable: true })
  leaseUntil?: Date;

  @Field(() => Gateway, { nullable: true })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  gateway?: Gateway;

  @Field(() => Ticket, { nullable: true })
  @ManyToOne(() => Ticket, { nullable: true, deleteRule: 'cascade' })
  ticket?: Ticket;

  @ManyToOne(() => Customer, { nullable: true, deleteRule: 'set null' })
  customer?: Customer;

  @Field(() => User, { nullable: true, description: 'The agent who sent it (outbound).' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  author?: User;

  @Field({ nullable: true, description: 'When the provider received (inbound) or finished (reports) it.' })
  @Property({ nullable: true })
  providerTimestamp?: Date;

  @Field({ nullable: true })
  @Property({ nullable: true })
  sentAt?: Date;

  @Field({ nullable: true })
  @Property({ nullable: true })
  deliveredAt?: Date;

  /** Set by the first delivery report saying the recipient opted out (SMSAPI 412 STOP); never cleared by a report. */
  @Field({
    name: 'recipientOptedOutAt',
    nullable: true,
    description: "When the provider reported that the recipient opted out of this mailbox's messages (STOP).",
  })
  @Property({ nullable: true })
  optedOutAt?: Date;

  @Field()
  @Property()
  createdAt: Date = new Date();

  @Field()
  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
