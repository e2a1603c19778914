import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum Role {
  ADMIN = 'ADMIN',
  AGENT = 'AGENT',
}
registerEnumType(Role, {
  name: 'Role',
  description: 'ADMIN configures the service; AGENT works tickets and customers.',
  valuesConfig: {
    ADMIN: {
      description:
        'Configures mailboxes, queues, rules, users and settings, sees every queue and everything an agent may do.',
    },
    AGENT: {
      description:
        'Works the tickets of their queues (and of queues without members), customers and notifications; sends SMS.',
    },
  },
});

@ObjectType({ description: 'A person who logs in: an administrator or an agent.' })
@Entity({ tableName: 'app_user' })
export class User {
  [OptionalProps]?: 'createdAt' | 'active';

  @Field(() => ID, { description: "The user's id." })
  @PrimaryKey()
  id!: number;

  /** Stored lower-cased so that logins and uniqueness ignore case. */
  @Field({
    description:
      "The e-mail address the user logs in with (stored lower-case). Admins read anyone's; others only their own (FORBIDDEN otherwise).",
  })
  @Property({ length: 254, unique: true })
  email!: string;

  @Field({ description: 'The name colleagues see.' })
  @Property({ length: 200 })
  name!: string;

  @Field(() => Role, { description: 'What the user may do: ADMIN or AGENT.' })
  @Enum({ items: () => Role, nativeEnumName: 'user_role' })
  role!: Role;

  /** argon2id hash; never exposed. */
  @Property({ length: 200, hidden: true, lazy: true })
  passwordHash!: string;

  @Field({ description: 'When the account was created.' })
  @Property()
  createdAt: Date = new Date();

  /** Set while the user is offboarded: no login, and every token stops at its next request or socket re-check. */
  @Field({ nullable: true, description: 'When the user was deactivated; null while active.' })
  @Property({ nullable: true })
  deactivatedAt?: Date;

  @Field({ description: 'False once deactivated: the user cannot log in and no token of theirs works.' })
  get active(): boolean {
    return !this.deactivatedAt;
  }
}
