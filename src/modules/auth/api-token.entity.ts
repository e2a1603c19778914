import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from './user.entity';

export enum TokenKind {
  /** Issued by `login`, expires after SESSION_TTL_HOURS. */
  SESSION = 'SESSION',
  /** Issued by `createApiToken` for integrations; expires after at most API_TOKEN_MAX_DAYS. */
  API = 'API',
}
registerEnumType(TokenKind, { name: 'TokenKind' });

/**
 * A bearer token. Only its SHA-256 is stored: the token itself is shown once, when created,
 * so a database leak does not hand out sessions. Tokens are opaque and revocable (unlike JWTs).
 */
@ObjectType({ description: 'A bearer token (the token itself is only shown when it is created).' })
@Entity({ tableName: 'api_token' })
export class ApiToken {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID)
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Field()
  @Property({ length: 200 })
  name!: string;

  @Field(() => TokenKind)
  @Enum({ items: () => TokenKind, nativeEnumName: 'token_kind' })
  kind!: TokenKind;

  @Property({ length: 64, unique: true, hidden: true })
  tokenHash!: string;

  @Field()
  @Property()
  createdAt: Date = new Date();

  @Field({ nullable: true })
  @Property({ nullable: true })
  expiresAt?: Date;

  @Field({ nullable: true })
  @Property({ nullable: true })
  revokedAt?: Date;
}
