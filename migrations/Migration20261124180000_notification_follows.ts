import { Migration } from '@mikro-orm/migrations';

/**
 * Notification rows no longer carry foreign keys to `message`, `ticket` and `app_user`; statement-level
 * triggers keep the ON DELETE CASCADE those keys gave.
 *
 * Why: every inbound message writes ~10 notification rows in the statement that writes the message and
 * ticket they point at, for users the same statement just read, so the insert-side checks cannot fail;
 * yet PostgreSQL ran them per row: 30 referential-integrity queries per webhook, the ones on agents
 * share-locking the same few rows from every concurrent transaction. The two to message and ticket
 * alone were 1.1 ms of the database's 2.4 ms of CPU per webhook (bench/README.md: 477 → 688 webhooks/s;
 * making them DEFERRABLE did not help). Deleting a message, a ticket or a user (or a customer, which
 * cascades to tickets and messages) still deletes its notifications, once per deleting statement,
 * through the indexes on message_id, ticket_id and (user_id, id).
 */
export class Migration20261124180000_notification_follows extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "notification" drop constraint "notification_message_id_foreign";`);
    this.addSql(`alter table "notification" drop constraint "notification_ticket_id_foreign";`);
    this.addSql(`alter table "notification" drop constraint "notification_user_id_foreign";`);
    // A stand-in the triggers can name: the body is src/db/functions/notification_follow_delete.sql,
    // applied after the migrations (src/db/functions.ts).
    this.addSql(
      `create function notification_follow_delete() returns trigger language plpgsql as $$ begin return null; end $$;`,
    );
    this.addSql(
      `create trigger message_deletes_notifications after delete on message referencing old table as gone for each statement execute function notification_follow_delete();`,
    );
    this.addSql(
      `create trigger ticket_deletes_notifications after delete on ticket referencing old table as gone for each statement execute function notification_follow_delete();`,
    );
    this.addSql(
      `create trigger app_user_deletes_notifications after delete on app_user referencing old table as gone for each statement execute function notification_follow_delete();`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger app_user_deletes_notifications on app_user;`);
    this.addSql(`drop trigger ticket_deletes_notifications on ticket;`);
    this.addSql(`drop trigger message_deletes_notifications on message;`);
    this.addSql(`drop function notification_follow_delete();`);
    this.addSql(
      `delete from notification n where not exists (select 1 from message m where m.id = n.message_id) or not exists (select 1 from ticket t where t.id = n.ticket_id) or not exists (select 1 from app_user u where u.id = n.user_id);`,
    );
    this.addSql(
      `alter table "notification" add constraint "notification_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "notification" add constraint "notification_message_id_foreign" foreign key ("message_id") references "message" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "notification" add constraint "notification_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`,
    );
  }
}
