import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Gateway } from '../gateways/gateway.entity';
import { Queue } from '../tickets/queue.entity';

/**
 * A message rule: conditions, then actions. Today the one condition is "retrieved from mailbox X"
 * and the actions are "move to queue Y" and "stop". Each condition is a nullable column meaning
 * "any" when null, so a new condition is one more column and one more clause in the rule engine.
 */
@ObjectType({ description: 'Routes inbound messages: the first active matching rule by position applies.' })
@Entity({ tableName: 'message_rule' })
export class MessageRule {
  [OptionalProps]?: 'createdAt' | 'active' | 'stop';

  @Field(() => ID, { description: "The rule's id." })
  @PrimaryKey()
  id!: number;

  @Field({ description: "The rule's name as admins see it in the list." })
  @Property({ length: 100 })
  name!: string;

  @Field(() => Int, { description: 'Rules are walked in ascending position.' })
  @Property({ index: true })
  position!: number;

  @Field({ description: 'Inactive rules are skipped by the walk (and by previewMessageRules).' })
  @Property()
  active: boolean = true;

  @Field(() => Gateway, { nullable: true, description: 'Condition: retrieved from this mailbox (null: any mailbox).' })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'restrict' })
  gateway?: Gateway;

  @Field(() => Queue, { description: 'Action: move the message to this queue.' })
  @ManyToOne(() => Queue, { deleteRule: 'restrict' })
  queue!: Queue;

  @Field({ description: 'Action: stop walking the rules after this one.' })
  @Property()
  stop: boolean = true;

  @Field({ description: 'When the rule was created.' })
  @Property()
  createdAt: Date = new Date();
}
