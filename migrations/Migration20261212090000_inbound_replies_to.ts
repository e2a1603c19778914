import { Migration } from '@mikro-orm/migrations';

/**
 * `inbound_file` takes the provider id of the outgoing message an inbound one answers (p_replies_to), to
 * file the reply on that message's ticket. `create or replace` cannot change a function's parameters, so
 * the old one goes here; src/db/functions/inbound_file.sql, applied after the migrations, creates the new one.
 */
export class Migration20261212090000_inbound_replies_to extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `drop function if exists inbound_file(int, int, text, int, int, message_kind, text, text, text, text, text, text, timestamptz, text);`,
    );
  }

  /** Nothing to restore: the function files of the code that runs define the functions. */
  override async down(): Promise<void> {}
}
