import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** Small key/value facts about the installation itself (e.g. the SECRET_KEY check value). */
@Entity({ tableName: 'system_state' })
export class SystemState {
  @PrimaryKey({ length: 100 })
  key!: string;

  @Property({ type: 'text' })
  value!: string;
}
