import { Migration } from '@mikro-orm/migrations';

/**
 * The inbound functions change their signatures: the default queue is made, when no rule decided, by
 * `inbound_file` (through `default_queue`, as sendSms's `outbound_file` does) instead of being read by
 * `inbound_take`. `create or replace` can change neither a function's parameters nor its result type, so
 * the old ones go here; src/db/functions/*.sql, applied after the migrations, creates the new ones.
 */
export class Migration20261125090000_conversation_functions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop function if exists inbound_take(text, text, text, int, text);`);
    this.addSql(
      `drop function if exists inbound_file(int, int, int, int, message_kind, text, text, text, text, text, text, timestamptz, text);`,
    );
  }

  /** Nothing to restore: the function files of the code that runs define the functions. */
  override async down(): Promise<void> {}
}
