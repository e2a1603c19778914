import { Migration } from '@mikro-orm/migrations';

/**
 * `inbound_file` decides itself whether a shared provider id (p_provider_id_shared) is kept, in the webhook's
 * one statement. `create or replace` cannot add a parameter to a function, so the old one goes here;
 * src/db/functions/inbound_file.sql, applied after the migrations, creates the new one.
 */
export class Migration20261213100000_inbound_file_shared_id extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `drop function if exists inbound_file(int, int, text, int, int, message_kind, text, text, text, text, text, text, timestamptz, text, text);`,
    );
  }

  /** Nothing to restore: the function files of the code that runs define the functions. */
  override async down(): Promise<void> {}
}
