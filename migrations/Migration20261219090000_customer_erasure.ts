import { Migration } from '@mikro-orm/migrations';

/**
 * The right to erasure: `erasure` keeps one audit line per erased customer (who, when, how many rows of each
 * kind; no number or text of the customer), and `inbound_event.erasure_keys` lets an erasure find the log
 * rows that carry a customer's numbers by index, although their raw requests are sealed: keyed fingerprints
 * of the phone numbers a request carries and `m:<id>` of the messages it stored. Rows logged before the
 * column existed keep null there; an erasure opens and reads those instead.
 */
export class Migration20261219090000_customer_erasure extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "erasure" ("id" serial primary key, "erased_at" timestamptz not null default now(), "erased_by_id" int null, "erased_by_email" varchar(254) not null, "customer_id" int not null, "counts" jsonb not null);`,
    );
    this.addSql(
      `alter table "erasure" add constraint "erasure_erased_by_id_foreign" foreign key ("erased_by_id") references "app_user" ("id") on update cascade on delete set null;`,
    );
    this.addSql(`alter table "inbound_event" add column "erasure_keys" text[] null;`);
    this.addSql(`create index "inbound_event_erasure_keys" on "inbound_event" using gin ("erasure_keys");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "inbound_event_erasure_keys";`);
    this.addSql(`alter table "inbound_event" drop column "erasure_keys";`);
    this.addSql(`drop table "erasure";`);
  }
}
