import { Migration } from '@mikro-orm/migrations';

/**
 * Every change of an outbound message's status goes through the status machine in
 * src/db/functions/message_status.sql. The trigger needs a function to name while the migrations run; the
 * function files, applied after them, give it its body.
 */
export class Migration20261205120000_message_status_forward extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create or replace function message_status_forward() returns trigger language plpgsql as $$ begin return new; end $$;`,
    );
    this.addSql(
      `create trigger message_status_forward before update of status on message for each row when (old.status is distinct from new.status) execute function message_status_forward();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists message_status_forward on message;`);
  }
}
