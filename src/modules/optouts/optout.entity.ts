import { Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from '../auth/user.entity';
import { Gateway } from '../gateways/gateway.entity';

/** How a number's opt-out state changed. */
export enum OptOutSource {
  KEYWORD = 'KEYWORD',
  PROVIDER_REPORT = 'PROVIDER_REPORT',
  MANUAL = 'MANUAL',
}
registerEnumType(OptOutSource, {
  name: 'OptOutSource',
  description: 'How an opt-out state came about.',
  valuesConfig: {
    KEYWORD: { description: 'The customer texted an opt-out keyword (STOP…) or a start keyword (START…).' },
    PROVIDER_REPORT: {
      description: "A provider's delivery report said the recipient opted out (e.g. SMSAPI 412 STOP).",
    },
    MANUAL: { description: 'An agent or admin changed it by hand (setOptOut), with a reason.' },
  },
});

/**
 * The opt-out registry: one row per phone number (E.164) that ever opted out, across all mailboxes (one
 * business, one consent). The sender's claim and sendSms/replyToTicket look a number up here by its key.
 * `confirmationMessageId` is the one message that may still go to an opted-out number: the confirmation
 * queued with the opt-out (src/db/functions/opt_out_set.sql, inbound_file.sql).
 */
@ObjectType({ description: 'The opt-out state of one phone number, the same for every mailbox.' })
@Entity({ tableName: 'opt_out' })
export class OptOut {
  [OptionalProps]?: 'changedAt';

  @Field({ description: 'The number, in E.164 (e.g. +48500600700).' })
  @PrimaryKey({ length: 32 })
  phoneNumber!: string;

  @Field({ description: 'True: no SMS goes to this number (sendSms and replyToTicket answer OPTED_OUT).' })
  @Property()
  optedOut!: boolean;

  @Field(() => OptOutSource, { description: 'How the last change came about.' })
  @Enum({ items: () => OptOutSource, nativeEnumName: 'opt_out_source' })
  source!: OptOutSource;

  @Field(() => Gateway, {
    nullable: true,
    description: 'The mailbox the keyword or report came through; null for a manual change or a deleted mailbox.',
  })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  gateway?: Gateway;

  @Field(() => User, { nullable: true, description: 'Who changed it by hand (MANUAL); null otherwise.' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  changedBy?: User;

  @Field({
    nullable: true,
    description: 'Why: the reason given by hand, the keyword texted, or what the provider reported.',
  })
  @Property({ type: 'text', nullable: true })
  reason?: string;

  @Field({ description: 'When the number opted out (or back in).' })
  @Property()
  changedAt: Date = new Date();

  /** The confirmation queued with this opt-out, the only message the sender lets through to the number. */
  @Property({ nullable: true })
  confirmationMessageId?: number;
}

/** Every change of a number's opt-out state, kept as history (who, when, how, which mailbox). */
@ObjectType({ description: "One change of a number's opt-out state." })
@Entity({ tableName: 'opt_out_change' })
@Index({ properties: ['phoneNumber', 'id'] })
export class OptOutChange {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID, { description: 'The id of this change in the history.' })
  @PrimaryKey()
  id!: number;

  @Field({ description: 'The number, in E.164.' })
  @Property({ length: 32 })
  phoneNumber!: string;

  @Field({ description: 'True: the number opted out with this change; false: it opted back in.' })
  @Property()
  optedOut!: boolean;

  @Field(() => OptOutSource, { description: 'How the change came about.' })
  @Enum({ items: () => OptOutSource, nativeEnumName: 'opt_out_source' })
  source!: OptOutSource;

  @Field(() => Gateway, { nullable: true, description: 'The mailbox the keyword or report came through.' })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  gateway?: Gateway;

  @Field(() => User, { nullable: true, description: 'Who made a manual change.' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  changedBy?: User;

  @Field({ nullable: true, description: 'The reason given, the keyword texted, or what the provider reported.' })
  @Property({ type: 'text', nullable: true })
  reason?: string;

  @Field({ description: 'When it changed.' })
  @Property()
  createdAt: Date = new Date();
}
