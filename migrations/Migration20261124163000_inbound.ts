import { Migration } from '@mikro-orm/migrations';

/** The inbound path: inbound event log, per-agent notifications, MMS attachments, poller state. */
export class Migration20261124163000_inbound extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "inbound_outcome" as enum ('ACCEPTED', 'DUPLICATE', 'REJECTED', 'MALFORMED', 'FAILED');`);
    this.addSql(
      `create type "inbound_reason" as enum ('NO_MAILBOX', 'INCOMING_INACTIVE', 'IP_NOT_ALLOWED', 'BAD_TOKEN', 'BAD_SIGNATURE', 'MALFORMED', 'UNSUPPORTED', 'STORE_FAILED');`,
    );
    this.addSql(`create type "notification_kind" as enum ('SMS', 'MMS');`);

    this.addSql(
      `create table "inbound_event" ("id" bigserial primary key, "received_at" timestamptz not null default now(), "provider" "provider_id" not null, "gateway_id" int null, "remote_ip" varchar(64) null, "method" varchar(8) not null, "path" varchar(200) not null, "outcome" "inbound_outcome" not null, "reason_code" "inbound_reason" null, "reason" text null, "payload" jsonb not null, "raw_sealed" text null, "message_ids" int[] not null default '{}', "replay_of_id" bigint null, "replayed_at" timestamptz null);`,
    );
    this.addSql(`create index "inbound_event_gateway_id_id_index" on "inbound_event" ("gateway_id", "id");`);
    // BRIN: the log is append-only in time order, so the retention delete finds old rows for almost nothing per insert.
    this.addSql(`create index "inbound_event_received_at_brin" on "inbound_event" using brin ("received_at");`);

    this.addSql(
      `create table "inbound_poll_state" ("gateway_id" int not null, "cursor" text null, "failures" int not null default 0, "last_error" text null, "last_polled_at" timestamptz null, "last_success_at" timestamptz null, "next_poll_at" timestamptz null, "updated_at" timestamptz not null default now(), constraint "inbound_poll_state_pkey" primary key ("gateway_id"));`,
    );

    this.addSql(
      `create table "notification" ("id" bigserial primary key, "user_id" int not null, "message_id" int not null, "ticket_id" int not null, "kind" "notification_kind" not null, "title" varchar(200) not null, "read_at" timestamptz null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "notification_user_id_id_index" on "notification" ("user_id", "id");`);
    this.addSql(`create index "notification_unread" on "notification" ("user_id", "id") where "read_at" is null;`);
    this.addSql(`create index "notification_message_id_index" on "notification" ("message_id");`);
    this.addSql(`create index "notification_ticket_id_index" on "notification" ("ticket_id");`);

    this.addSql(
      `create table "attachment" ("id" serial primary key, "message_id" int not null, "filename" varchar(255) null, "content_type" varchar(255) not null, "size" int not null, "data" bytea null, "omitted" boolean not null, "created_at" timestamptz not null default now());`,
    );
    this.addSql(`create index "attachment_message_id_index" on "attachment" ("message_id");`);

    this.addSql(
      `alter table "inbound_event" add constraint "inbound_event_gateway_id_foreign" foreign key ("gateway_id") references "gateway" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "inbound_poll_state" add constraint "inbound_poll_state_gateway_id_foreign" foreign key ("gateway_id") references "gateway" ("id") on update cascade on delete cascade;`,
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
    this.addSql(
      `alter table "attachment" add constraint "attachment_message_id_foreign" foreign key ("message_id") references "message" ("id") on update cascade on delete cascade;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "attachment" cascade;`);
    this.addSql(`drop table if exists "notification" cascade;`);
    this.addSql(`drop table if exists "inbound_poll_state" cascade;`);
    this.addSql(`drop table if exists "inbound_event" cascade;`);
    this.addSql(`drop type "notification_kind";`);
    this.addSql(`drop type "inbound_reason";`);
    this.addSql(`drop type "inbound_outcome";`);
  }
}
