import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { Gateway } from '../gateways/gateway.entity';
import { DEFAULT_OPT_IN_KEYWORDS, DEFAULT_OPT_OUT_KEYWORDS } from '../optouts/keywords';

/** A text[] default as PostgreSQL writes it. */
const arrayDefault = (list: readonly string[]) =>
  `'{${list.map((k) => (/[\s,{}"]/.test(k) ? `"${k}"` : k)).join(',')}}'::text[]`;

/** System parameters: a single row (id 1). */
@ObjectType({ description: 'System parameters.' })
@Entity({ tableName: 'settings' })
export class Settings {
  @PrimaryKey({ autoincrement: false })
  id: number = 1;

  @Field(() => Gateway, { nullable: true, description: 'Mailbox used to send when none is chosen.' })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  defaultSmsGateway?: Gateway;

  @Field(() => [String], {
    description:
      'An inbound SMS whose whole text is one of these (trimmed, case and diacritics ignored, trailing punctuation dropped) opts its number out of every SMS from us.',
  })
  @Property({ type: 'text[]', defaultRaw: arrayDefault(DEFAULT_OPT_OUT_KEYWORDS) })
  optOutKeywords: string[] = [...DEFAULT_OPT_OUT_KEYWORDS];

  @Field(() => [String], {
    description: 'An inbound SMS whose whole text is one of these (matched as optOutKeywords) opts its number back in.',
  })
  @Property({ type: 'text[]', defaultRaw: arrayDefault(DEFAULT_OPT_IN_KEYWORDS) })
  optInKeywords: string[] = [...DEFAULT_OPT_IN_KEYWORDS];
}
