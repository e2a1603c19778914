import { Collection, Entity, ManyToMany, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { User } from '../auth/user.entity';

@ObjectType({ description: 'A ticket queue; its members are the agents notified of its messages.' })
@Entity({ tableName: 'queue' })
export class Queue {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID, { description: "The queue's id." })
  @PrimaryKey()
  id!: number;

  @Field({
    description:
      'The queue\'s name; unique. Inbound messages no rule routes go to the queue "SMS", made when first needed.',
  })
  @Property({ length: 100, unique: true })
  name!: string;

  /** Shown through QueueResolver.members (paged), never as the collection: a queue loaded with a ticket has it unloaded. */
  @ManyToMany({ entity: () => User, pivotTable: 'queue_member', joinColumn: 'queue_id', inverseJoinColumn: 'user_id' })
  members = new Collection<User>(this);

  @Field({ description: 'When the queue was created.' })
  @Property()
  createdAt: Date = new Date();
}
