import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { User } from '../auth/user.entity';

@ObjectType({ description: 'How many rows of each kind an erasure removed.' })
export class ErasureCounts {
  @Field(() => Int, { description: 'Customer cards (1).' }) customers!: number;
  @Field(() => Int, { description: 'Phone numbers the card held.' }) phoneNumbers!: number;
  @Field(() => Int, { description: 'Messages, inbound and outbound, of the card or to/from its numbers.' })
  messages!: number;
  @Field(() => Int, {
    description: 'Of those, messages still QUEUED that were cancelled before the provider got them.',
  })
  queuedCancelled!: number;
  @Field(() => Int, { description: 'MMS files (their bytes included).' }) attachments!: number;
  @Field(() => Int, { description: 'Notifications about its messages and tickets.' }) notifications!: number;
  @Field(() => Int, { description: "Tickets: all of the card's, and others left empty by the erasure." })
  tickets!: number;
  @Field(() => Int, { description: 'Inbound event log rows carrying its numbers or messages (refused ones included).' })
  inboundEvents!: number;
  @Field(() => Int, { description: 'Background jobs about its messages (delivery-report polls).' }) jobs!: number;
}

/**
 * The audit line of one right-to-erasure request: who erased which card (by its former id), when, and how many
 * rows of each kind. It holds no number, name or text of the customer; it is all that is kept of them
 * besides the opt-out record of their numbers.
 */
@ObjectType({ description: 'A customer erased on request (right to erasure). Admins only.' })
@Entity({ tableName: 'erasure' })
export class Erasure {
  [OptionalProps]?: 'erasedAt';

  @Field(() => ID, { description: 'The audit line.' })
  @PrimaryKey()
  id!: number;

  @Field({ description: 'When the erasure committed.' })
  @Property({ defaultRaw: 'now()' })
  erasedAt: Date = new Date();

  @Field(() => User, { nullable: true, description: 'The admin who erased it; null once that user is deleted.' })
  @ManyToOne(() => User, { nullable: true, deleteRule: 'set null' })
  erasedBy?: User;

  @Field({ description: "The admin's e-mail at the time, kept should the user be deleted." })
  @Property({ length: 254 })
  erasedByEmail!: string;

  @Field(() => ID, { description: 'The id the erased customer card had (the card itself is gone).' })
  @Property()
  customerId!: number;

  @Field(() => ErasureCounts, { description: 'How many rows of each kind were removed.' })
  @Property({ type: 'json' })
  counts!: ErasureCounts;
}
