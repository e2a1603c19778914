import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum Role {
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'ADMIN configures the service; AGENT works tickets and customers.',
});

@ObjectType({ description: 'A person who logs in: an administrator or an agent.' })
@Entity({ tableName: 'app_user' })
export class User {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID)
  @PrimaryKey()
  id!: number;

  /** Stored lower-cased so that logins and uniqueness ignore case. */
  @Field()
  @Property({ length: 254, unique: true })
  email!: string;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field(() => Role)
  @Enum({ items: () => Role, nativeEnumName: 'user_role' })
  role!: Role;

  /** argon2id hash; never exposed. */
  @Property({ length: 200, hidden: true, lazy: true })
  passwordHash!: string;

  @Field()
  @Property()
  createdAt: Date = new Date();
}
