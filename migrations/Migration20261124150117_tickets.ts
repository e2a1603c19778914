import { Migration } from '@mikro-orm/migrations';

export class Migration20261124150117_tickets extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "ticket_status" as enum ('OPEN', 'CLOSED');`);
    this.addSql(`create type "message_direction" as enum ('INBOUND', 'OUTBOUND');`);
    this.addSql(
      `create type "message_status" as enum ('RECEIVED', 'QUEUED', 'SENT', 'DELIVERED', 'UNDELIVERED', 'EXPIRED', 'FAILED');`,
    );
    this.addSql(`create type "message_kind" as enum ('SMS', 'MMS');`);
    this.addSql(`create type "sms_encoding" as enum ('GSM7', 'UCS2');`);
    this.addSql(
      `create table "ticket" ("id" serial primary key, "queue_id" int not null, "customer_id" int not null, "gateway_id" int null, "status" "ticket_status" not null default 'OPEN', "created_at" timestamptz not null, "updated_at" timestamptz not null, "last_message_at" timestamptz not null);`,
    );
    this.addSql(
      `create unique index "ticket_one_open" on "ticket" ("customer_id", "gateway_id", "queue_id") where "status" = 'OPEN';`,
    );
    this.addSql(
      `create index "ticket_customer_id_last_message_at_index" on "ticket" ("customer_id", "last_message_at");`,
    );
    this.addSql(
      `create index "ticket_queue_id_status_last_message_at_index" on "ticket" ("queue_id", "status", "last_message_at");`,
    );

    this.addSql(
      `create table "message" ("id" serial primary key, "direction" "message_direction" not null, "status" "message_status" not null, "kind" "message_kind" not null default 'SMS', "from_address" varchar(32) not null, "to_address" varchar(32) not null, "text" text not null, "subject" varchar(500) null, "parts" int not null default 1, "encoding" "sms_encoding" null, "provider_message_id" varchar(100) null, "dedupe_key" varchar(64) null, "error_code" varchar(50) null, "error_message" text null, "cost" double precision null, "attempts" int not null default 0, "gateway_id" int null, "ticket_id" int null, "customer_id" int null, "author_id" int null, "provider_timestamp" timestamptz null, "sent_at" timestamptz null, "delivered_at" timestamptz null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(
      `create index "message_outbound_provider_id" on "message" ("provider_message_id") where "direction" = 'OUTBOUND';`,
    );
    this.addSql(
      `create unique index "message_dedupe_unique" on "message" ("gateway_id", "dedupe_key") where "dedupe_key" is not null;`,
    );
    this.addSql(
      `create unique index "message_provider_id_unique" on "message" ("gateway_id", "direction", "provider_message_id") where "provider_message_id" is not null;`,
    );
    this.addSql(`create index "message_ticket_id_created_at_index" on "message" ("ticket_id", "created_at");`);

    this.addSql(
      `alter table "ticket" add constraint "ticket_queue_id_foreign" foreign key ("queue_id") references "queue" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "ticket" add constraint "ticket_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "ticket" add constraint "ticket_gateway_id_foreign" foreign key ("gateway_id") references "gateway" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "message" add constraint "message_gateway_id_foreign" foreign key ("gateway_id") references "gateway" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "message" add constraint "message_ticket_id_foreign" foreign key ("ticket_id") references "ticket" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "message" add constraint "message_customer_id_foreign" foreign key ("customer_id") references "customer" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "message" add constraint "message_author_id_foreign" foreign key ("author_id") references "app_user" ("id") on update cascade on delete set null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "message" drop constraint "message_ticket_id_foreign";`);

    this.addSql(`drop table if exists "ticket" cascade;`);

    this.addSql(`drop table if exists "message" cascade;`);

    this.addSql(`drop type "ticket_status";`);
    this.addSql(`drop type "message_direction";`);
    this.addSql(`drop type "message_status";`);
    this.addSql(`drop type "message_kind";`);
    this.addSql(`drop type "sms_encoding";`);
  }
}
