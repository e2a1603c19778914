import { Migration } from '@mikro-orm/migrations';

/** When a delivery report said the recipient opted out (SMSAPI 412 STOP); the opt-out registry acts on it. */
export class Migration20261213090000_message_opted_out extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "message" add column "opted_out_at" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "message" drop column "opted_out_at";`);
  }
}
