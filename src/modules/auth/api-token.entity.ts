import { Entity, Enum, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from './user.entity';

export enum TokenKind {
  /** Issued by `login`, expires after SESSION_TTL_HOURS. */
  SESSION = 'SESSION',
  /** Issued by `createApiToken` for integrations; expires after at most API_TOKEN_MAX_DAYS. */
  API = 'API',
}
registerEnumType(TokenKind, {
  name: 'TokenKind',
  description: 'Where a bearer token came from.',
  valuesConfig: {
    SESSION: { description: 'Issued by login; expires after SESSION_TTL_HOURS (12 by default).' },
    API: { description: 'Issued by createApiToken for an integration; expires after at most API_TOKEN_MAX_DAYS.' },
  },
});

/**
 * A bearer token. Only its SHA-256 is stored: the token itself is shown once, when created,
 * so a database leak does not hand out sessions. Tokens are opaque and revocable (unlike JWTs).
 */
@ObjectType({ description: 'A bearer token (the token itself is only shown when it is created).' })
@Entity({ tableName: 'api_token' })
export class ApiToken {
  [OptionalProps]?: 'createdAt';

  @Field(() => ID, { description: "The token's id, for revokeApiToken." })
  @PrimaryKey()
  id!: number;

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Field({ description: 'What the token is for; login sessions are called "login".' })
  @Property({ length: 200 })
  name!: string;

  @Field(() => TokenKind, { description: 'A login session or an API token for an integration.' })
  @Enum({ items: () => TokenKind, nativeEnumName: 'token_kind' })
  kind!: TokenKind;

  @Property({ length: 64, unique: true, hidden: true })
  tokenHash!: string;

  @Field({ description: 'When the token was issued.' })
  @Property()
  createdAt: Date = new Date();

  @Field({ nullable: true, description: 'When the token stops working; a token past it answers UNAUTHENTICATED.' })
  @Property({ nullable: true })
  expiresAt?: Date;

  @Field({
    nullable: true,
    description: 'When it was revoked (logout, revokeApiToken, a password change or deactivation); null while valid.',
  })
  @Property({ nullable: true })
  revokedAt?: Date;
}
