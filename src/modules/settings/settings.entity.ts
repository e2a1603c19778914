import { Entity, ManyToOne, PrimaryKey } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { Gateway } from '../gateways/gateway.entity';

/** System parameters: a single row (id 1). */
@ObjectType({ description: 'System parameters.' })
@Entity({ tableName: 'settings' })
export class Settings {
  @PrimaryKey({ autoincrement: false })
  id: number = 1;

  @Field(() => Gateway, { nullable: true, description: 'Mailbox used to send when none is chosen.' })
  @ManyToOne(() => Gateway, { nullable: true, deleteRule: 'set null' })
  defaultSmsGateway?: Gateway;
}
