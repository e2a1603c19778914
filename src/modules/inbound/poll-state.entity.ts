import { Entity, OneToOne, OptionalProps, Property } from '@mikro-orm/core';
import { Gateway } from '../gateways/gateway.entity';

/**
 * Where the poller of one mailbox stands (providers without push: MultiInfo, SerwerSMS, JustSend).
 * `cursor` moves only after the messages it covers are committed, so a restart re-reads rather than
 * skips; message ids (or the dedupe hash) make a re-read harmless.
 */
@Entity({ tableName: 'inbound_poll_state' })
export class InboundPollState {
  [OptionalProps]?: 'failures' | 'updatedAt';

  @OneToOne(() => Gateway, { primary: true, deleteRule: 'cascade', owner: true })
  gateway!: Gateway;

  @Property({ type: 'text', nullable: true })
  cursor?: string;

  /** Consecutive failed polls: the backoff grows with it. */
  @Property()
  failures: number = 0;

  @Property({ type: 'text', nullable: true })
  lastError?: string;

  @Property({ nullable: true })
  lastPolledAt?: Date;

  @Property({ nullable: true })
  lastSuccessAt?: Date;

  @Property({ nullable: true })
  nextPollAt?: Date;

  @Property({ defaultRaw: 'now()' })
  updatedAt: Date = new Date();
}
