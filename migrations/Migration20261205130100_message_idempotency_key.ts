import { Migration } from '@mikro-orm/migrations';

/**
 * The idempotency key an outbound message gives its provider (SMSAPI idx, SerwerSMS unique_id), random
 * and kept with the message (src/db/functions/message_add.sql): a key derived from the message id and its
 * creation time could be guessed, and a forged delivery report naming it could fail a queued message.
 * Messages from before keep their derived key (null here; src/modules/outbound/send.ts).
 */
export class Migration20261205130100_message_idempotency_key extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "message" add column "idempotency_key" varchar(40) null;`);
    this.addSql(
      `create index "message_outbound_idempotency_key" on "message" ("gateway_id", "idempotency_key") where "direction" = 'OUTBOUND' and "idempotency_key" is not null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "message_outbound_idempotency_key";`);
    this.addSql(`alter table "message" drop column "idempotency_key";`);
  }
}
