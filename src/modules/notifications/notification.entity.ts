import { BigIntType, Entity, Enum, Index, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from '../auth/user.entity';
import { Message } from '../tickets/message.entity';
import { Ticket } from '../tickets/ticket.entity';

export enum NotificationKind {
  SMS = 'SMS',
  MMS = 'MMS',
  /** For admins: a mailbox or provider needs attention, or has recovered (src/modules/notifications/alerts/). */
  ALERT = 'ALERT',
}
registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  description: 'What a notification is about.',
  valuesConfig: {
    SMS: { description: 'An inbound SMS arrived on a ticket of your queue; the title starts with [SMS].' },
    MMS: {
      description: 'An inbound MMS (with attachments) arrived on a ticket of your queue; the title starts with [MMS].',
    },
    ALERT: {
      description:
        'For admins: a mailbox or provider needs attention (webhooks refused, sends failing, silence, a certificate about to expire), or it has recovered; the title starts with [ALERT]. No ticket or message; see `body`.',
    },
  },
});

/**
 * One user's notice of one inbound message (or, for admins, of an alert), with its own read state. A row per recipient, written by one
 * INSERT … SELECT per message (about 10 agents a queue): reading "my notifications" and "my unread ones"
 * are index range scans on (user_id, id), and marking read touches only the agent's rows.
 */
@ObjectType({ description: 'An [SMS]/[MMS] notice for one agent.' })
@Entity({ tableName: 'notification' })
@Index({ properties: ['user', 'id'] })
@Index({
  name: 'notification_unread',
  expression: 'create index "notification_unread" on "notification" ("user_id", "id") where "read_at" is null',
})
export class Notification {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID, { description: "The notification's id." })
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  // No foreign-key constraints: the rows are written by the statement that writes their message and
  // ticket, for users it just read, and the per-row checks were half the database's work per webhook.
  // Deleting a user, message or ticket still deletes their notifications, by trigger
  // (Migration20261124180000_notification_follows).
  @ManyToOne(() => User, { createForeignKeyConstraint: false })
  user!: User;

  // Null for an ALERT, which is about a mailbox or provider, not a message.
  @ManyToOne(() => Message, { index: true, createForeignKeyConstraint: false, nullable: true })
  message?: Message;

  @ManyToOne(() => Ticket, { index: true, createForeignKeyConstraint: false, nullable: true })
  ticket?: Ticket;

  @Field(() => NotificationKind, { description: 'What it is about: an inbound SMS or MMS, or an ALERT for admins.' })
  @Enum({ items: () => NotificationKind, nativeEnumName: 'notification_kind' })
  kind!: NotificationKind;

  @Field({
    description:
      '`[SMS] <sender or customer name>: <start of text>` (or `[MMS] …`); for an alert `[ALERT] <what>` or `[ALERT] Recovered: <what>`.',
  })
  @Property({ length: 200 })
  title!: string;

  @Field(() => String, {
    nullable: true,
    description: 'For an ALERT: what happened, to which mailbox or provider, and what to fix. Null for SMS and MMS.',
  })
  @Property({ type: 'text', nullable: true })
  body?: string;

  @Field({ nullable: true, description: 'When you marked it read; null while unread.' })
  @Property({ nullable: true })
  readAt?: Date;

  @Field({ description: 'When the notification was made (for SMS and MMS: when the message arrived).' })
  @Property({ defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Field({ description: 'You marked it read (markNotificationRead or markAllNotificationsRead).' })
  get read(): boolean {
    return this.readAt != null;
  }
}
