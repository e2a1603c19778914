import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A customer card.' })
@Entity({ tableName: 'customer' })
// GIN so that inbound matching by number (`phone_numbers @> array[$1]`) stays an index lookup.
@Index({ properties: ['phoneNumbers'], type: 'gin' })
export class Customer {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | 'phoneNumbers';

  @Field(() => ID)
  @PrimaryKey()
  id!: number;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field(() => [String], { description: 'Phone numbers in E.164.' })
  @Property({ type: 'text[]' })
  phoneNumbers: string[] = [];

  @Field({ nullable: true })
  @Property({ length: 254, nullable: true })
  email?: string;

  @Field()
  @Property()
  createdAt: Date = new Date();

  @Field()
  @Property({ onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
