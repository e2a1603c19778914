import {
  Collection,
  Entity,
  Enum,
  Index,
  ManyToOne,
  OneToMany,
  OptionalProps,
  PrimaryKey,
  Property,
} from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Customer } from '../customers/customer.entity';
import { Gateway } from '../gateways/gateway.entity';
import { Queue } from './queue.entity';
import { Message } from './message.entity';

export enum TicketStatus {
  OPEN = 'OPEN',
  CLOSED = 'CLOSED',
}
registerEnumType(TicketStatus, {
  name: 'TicketStatus',
  description: 'Whether a conversation goes on.',
  valuesConfig: {
    OPEN: { description: "The conversation goes on: the customer's new messages join it, agents reply on it." },
    CLOSED: {
      description:
        'The conversation is over: replies are refused (BAD_USER_INPUT, rule closed; send from the customer card instead), and a new message from the customer opens a new ticket.',
    },
  },
});

/**
 * An SMS conversation: one customer, one mailbox, one queue. Inbound messages from the same number on
 * the same mailbox join the customer's open ticket in the target queue; agents' replies go on it too.
 * The partial unique index `ticket_one_open` (migration) keeps concurrent messages from opening two.
 */
@ObjectType({ description: 'An SMS conversation with a customer.' })
@Entity({ tableName: 'ticket' })
@Index({ properties: ['queue', 'status', 'lastMessageAt'] })
@Index({ properties: ['customer', 'lastMessageAt'] })
@Index({
  name: 'ticket_one_open',
  expression: `create unique index "ticket_one_open" on "ticket" ("customer_id", "gateway_id", "queue_id") where "status" = 'OPEN'`,
})
export class Ticket {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'lastMessageAt' | 'status';

  @Field(() => ID, { description: "The ticket's id." })
  @PrimaryKey()
  id!: number;

  @Field(() => Queue, { description: 'The queue the ticket is in; its members are notified of new messages.' })
  @ManyToOne(() => Queue, { deleteRule: 'restrict' })
  queue!: Queue;

  @Field(() => Customer, { description: 'The customer the conversation is with.' })
  @ManyToOne(() => Customer, { deleteRule: 'cascade' })
  customer!: Customer;

  @Field(() => Gateway, { nullable: true, description: 'The mailbox of the conversation; replies go out through it.' })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  gateway?: Gateway;

  @Field(() => TicketStatus, { description: 'OPEN while the conversation goes on; CLOSED tickets take no replies.' })
  @Enum({ items: () => TicketStatus, nativeEnumName: 'ticket_status' })
  status: TicketStatus = TicketStatus.OPEN;

  @OneToMany(() => Message, (m) => m.ticket)
  messages = new Collection<Message>(this);

  @Field({ description: 'When the ticket was opened (its first message).' })
  @Property()
  createdAt: Date = new Date();

  @Field({ description: 'When the ticket last changed.' })
  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Field({ description: 'When its latest message arrived or was sent; tickets lists sort by it.' })
  @Property()
  lastMessageAt: Date = new Date();
}
