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
registerEnumType(TicketStatus, { name: 'TicketStatus' });

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

  @Field(() => ID)
  @PrimaryKey()
  id!: number;

  @Field(() => Queue)
  @ManyToOne(() => Queue, { deleteRule: 'restrict' })
  queue!: Queue;

  @Field(() => Customer)
  @ManyToOne(() => Customer, { deleteRule: 'cascade' })
  customer!: Customer;

  @Field(() => Gateway, { nullable: true, description: 'The mailbox of the conversation; replies go out through it.' })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  gateway?: Gateway;

  @Field(() => TicketStatus)
  @Enum({ items: () => TicketStatus, nativeEnumName: 'ticket_status' })
  status: TicketStatus = TicketStatus.OPEN;

  @OneToMany(() => Message, (m) => m.ticket)
  messages = new Collection<Message>(this);

  @Field()
  @Property()
  createdAt: Date = new Date();

  @Field()
  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();

  @Field()
  @Property()
  lastMessageAt: Date = new Date();
}
