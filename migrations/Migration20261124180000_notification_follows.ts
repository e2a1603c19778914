import { Migration } from '@mikro-orm/migrations';

/**
 * Notification rows no longer carry foreign keys to `message` and `ticket`; two statement-level triggers
 * keep the ON DELETE CASCADE those keys gave.
 *
 * Why: every inbound message writes ~10 notification rows in the same statement that writes the message
 * and ticket they point at, so the insert-side check can never fail, yet PostgreSQL ran it per row: 20
 * referential-integrity queries per webhook, 1.1 ms of the database's 2.4 ms of CPU per webhook
 * (bench/README.md: 477 → 688 webhooks/s with only these two keys dropped; making them DEFERRABLE did
 * not help). The key to `app_user` stays: it is cheap and agents are deleted while notifications exist.
 * Deleting a message or a ticket (or a customer, which cascades to both) still deletes its notifications,
 * in one statement per deleting statement, through the `notification_message_id_index` /
 * `notification_ticket_id_index` indexes.
 */
export class Migration20261124180000_notification_follows extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notification" drop constraint "notification_message_id_foreign";`);
    this.addSql(`alter table "notification" drop constraint "notification_ticket_id_foreign";`);
    this.addSql(`create function notification_follow_delete() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'message' then
    delete from notification n using gone g where n.message_id = g.id;
  else
    delete from notification n using gone g where n.ticket_id = g.id;
  end if;
  return null;
end $$;`);
    this.addSql(`create trigger message_deletes_notifications after delete on message referencing old table as gone for each statement execute function notification_follow_delete();`);
    this.addSql(`create trigger ticket_deletes_notifications after delete on ticket referencing old table as gone for each statement execute function notification_follow_delete();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger ticket_deletes_notifications on ticket;`);
    this.addSql(`drop trigger message_deletes_notifications on message;`);
    this.addSql(`drop function notification_follow_delete();`);
    this.addSql(`delete from notification n where not exists (select 1 from message m where m.id = n.message_id) or not exists (select 1 from ticket t where t.id = n.ticket_id);`);
    this.addSql(`alter table "notification" add constraint "notification_message_id_foreign" foreign key ("message_id") references "message" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "notification" add constraint "notification_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`);
  }
}
