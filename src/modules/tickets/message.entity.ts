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
registerEnumType(MessageDirection, {
  name: 'MessageDirection',
  description: 'Which way a message went.',
  valuesConfig: {
    INBOUND: { description: 'From a customer to one of our mailboxes.' },
    OUTBOUND: { description: 'From us (an agent, or a mailbox test) to a customer.' },
  },
});

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
registerEnumType(MessageStatus, {
  name: 'MessageStatus',
  description:
    'Where a message is. Outbound ones only move forward: QUEUED → SENT → DELIVERED, or they end in UNDELIVERED, EXPIRED or FAILED; a late or repeated report never moves one back.',
  valuesConfig: {
    RECEIVED: { description: 'An inbound message, stored on its ticket.' },
    QUEUED: {
      description:
        'Accepted by smsdesk and waiting to go out, or waiting to try again after a temporary provider failure (errorCode and errorMessage then tell the last one). Not yet accepted by the provider.',
    },
    SENT: {
      description:
        'The provider accepted it and passed it on towards the phone; the delivery report is still to come (or the provider sends none, and it stays SENT).',
    },
    DELIVERED: { description: "Final: the provider reported that the recipient's phone received it (deliveredAt)." },
    UNDELIVERED: {
      description:
        'Final: the provider reported that it cannot be delivered: the number does not exist or is unreachable for good, the operator refused it, or the recipient opted out at the provider (recipientOptedOutAt). Sending it again will not help.',
    },
    EXPIRED: {
      description:
        'Final: the network kept it for its validity period, but the phone never became reachable (switched off, out of range), so it was given up. Unlike UNDELIVERED, the number may work: sending again later can succeed.',
    },
    FAILED: {
      description:
        'Final: it never reached the phone because sending failed: the provider refused it (bad credentials, invalid number, sender name not approved, no funds), reported it failed or rejected, smsdesk could not send it (the mailbox was deleted, the number opted out), or gave up retrying. errorCode and errorMessage say why.',
    },
  },
});

export enum MessageKind {
  SMS = 'SMS',
  MMS = 'MMS',
}
registerEnumType(MessageKind, {
  name: 'MessageKind',
  description: 'SMS or MMS.',
  valuesConfig: {
    SMS: { description: 'A text message.' },
    MMS: { description: 'A multimedia message: text, an optional subject and files (attachments); inbound only.' },
  },
});

export enum SmsEncoding {
  GSM7 = 'GSM7',
  UCS2 = 'UCS2',
}
registerEnumType(SmsEncoding, {
  name: 'SmsEncoding',
  description: 'GSM-7: 160/153 characters a part; UCS-2: 70/67.',
  valuesConfig: {
    GSM7: {
      description:
        'The GSM 7-bit alphabet (Latin letters, digits, common signs): 160 characters in one SMS, 153 a part when split; some signs (e.g. € [ ]) count 2.',
    },
    UCS2: {
      description:
        'Any other character (e.g. Polish letters, emoji) makes the whole text UCS-2: 70 characters in one SMS, 67 a part when split.',
    },
  },
});

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

  @Field(() => ID, { description: "The message's id." })
  @PrimaryKey()
  id!: number;

  @Field(() => MessageDirection, { description: 'INBOUND from a customer, or OUTBOUND from us.' })
  @Enum({ items: () => MessageDirection, nativeEnumName: 'message_direction' })
  direction!: MessageDirection;

  @Field(() => MessageStatus, {
    description:
      'Where the message is: RECEIVED for inbound ones; outbound ones move QUEUED → SENT → DELIVERED, or end in UNDELIVERED, EXPIRED or FAILED (see MessageStatus). Changes are pushed as messageStatusChanged.',
  })
  @Enum({ items: () => MessageStatus, nativeEnumName: 'message_status' })
  status!: MessageStatus;

  @Field(() => MessageKind, { description: 'SMS, or MMS (with attachments, inbound only).' })
  @Enum({ items: () => MessageKind, nativeEnumName: 'message_kind' })
  kind: MessageKind = MessageKind.SMS;

  @Field({ description: 'Sender: a number in E.164, or a sender name for outbound messages.' })
  @Property({ length: 32, name: 'from_address' })
  from!: string;

  @Field({ description: 'Recipient in E.164.' })
  @Property({ length: 32, name: 'to_address' })
  to!: string;

  @Field({
    description: 'The message text as received or as sent (after replacing Polish letters when the mailbox does).',
  })
  @Property({ type: 'text' })
  text!: string;

  @Field({ nullable: true, description: 'MMS subject.' })
  @Property({ length: 500, nullable: true })
  subject?: string;

  @Field(() => Int, {
    description: 'Number of SMS parts the text takes (a provider bills each); 1 for inbound messages.',
  })
  @Property()
  parts: number = 1;

  @Field(() => SmsEncoding, {
    nullable: true,
    description: 'How the text is encoded in SMS parts (outbound); null for inbound messages.',
  })
  @Enum({ items: () => SmsEncoding, nativeEnumName: 'sms_encoding', nullable: true })
  encoding?: SmsEncoding;

  @Field({
    nullable: true,
    description:
      "The provider's id of the message; null until the provider accepted it (outbound) or when it gives none.",
  })
  @Property({ length: 100, nullable: true })
  providerMessageId?: string;

  /** The key an outbound message gives its provider for idempotency (random; null for messages from before it was kept). */
  @Property({ length: 40, nullable: true, hidden: true })
  idempotencyKey?: string;

  /** For providers that send no message id: a hash of (gateway, sender, text, provider timestamp). */
  @Property({ length: 64, nullable: true })
  dedupeKey?: string;

  @Field({
    nullable: true,
    description:
      "Why it failed (FAILED), or why the last attempt did (still QUEUED), as a code: the provider's own, or smsdesk's NO_MAILBOX (the mailbox was deleted before it went out), UNKNOWN_OUTCOME (an attempt was cut off and repeating it could send it twice), MAILBOX_UNAVAILABLE, INTERNAL_ERROR.",
  })
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

  @Field(() => Gateway, {
    nullable: true,
    description: 'The mailbox it arrived at or goes out through; null once that mailbox was deleted.',
  })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  gateway?: Gateway;

  @Field(() => Ticket, { nullable: true, description: 'The conversation it belongs to.' })
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

  @Field({ nullable: true, description: 'When the provider accepted it (outbound); null before.' })
  @Property({ nullable: true })
  sentAt?: Date;

  @Field({
    nullable: true,
    description: "When it was delivered to the phone, as the provider's report says; null until DELIVERED.",
  })
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

  @Field({ description: 'When smsdesk stored it: received, or queued by an agent.' })
  @Property()
  createdAt: Date = new Date();

  @Field({ description: 'When it last changed (a status, a report).' })
  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
