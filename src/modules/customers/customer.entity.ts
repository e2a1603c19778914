import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A customer card.' })
@Entity({ tableName: 'customer' })
// GIN so that inbound matching by number (`phone_numbers @> array[$1]`) stays an index lookup.
@Index({ properties: ['phoneNumbers'], type: 'gin' })
export class Customer {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'phoneNumbers';

  @Field(() => ID, { description: "The customer's id." })
  @PrimaryKey()
  id!: number;

  @Field({
    description:
      "The customer's name; for a card made from an inbound SMS or a send to a new number, the number itself until someone names it.",
  })
  @Property({ length: 200 })
  name!: string;

  @Field(() => [String], { description: 'Phone numbers in E.164.' })
  @Property({ type: 'text[]' })
  phoneNumbers: string[] = [];

  @Field({ nullable: true, description: "The customer's e-mail address, if known." })
  @Property({ length: 254, nullable: true })
  email?: string;

  @Field({ description: 'When the card was created.' })
  @Property()
  createdAt: Date = new Date();

  @Field({ description: 'When the card last changed.' })
  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
