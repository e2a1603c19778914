import { Migration } from '@mikro-orm/migrations';

export class Migration20261124145451_initial extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create type "provider_id" as enum ('SMSAPI', 'SERWERSMS', 'JUSTSEND', 'TELECUBE', 'DOTPAY', 'MULTIINFO', 'PEOPLEFONE', 'MOBITEX', 'TIDE', 'THREE_S', 'GENERIC_HTTP');`,
    );
    this.addSql(`create type "password_form" as enum ('PLAIN', 'MD5_GIVEN', 'MD5_COMPUTED', 'OAUTH_TOKEN');`);
    this.addSql(`create type "user_role" as enum ('ADMIN', 'AGENT');`);
    this.addSql(`create type "token_kind" as enum ('SESSION', 'API');`);
    this.addSql(
      `create table "customer" ("id" serial primary key, "name" varchar(200) not null, "phone_numbers" text[] not null, "email" varchar(254) null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(`create index "customer_phone_numbers_index" on "customer" using gin ("phone_numbers");`);

    this.addSql(
      `create table "gateway" ("id" serial primary key, "name" varchar(100) not null, "provider" "provider_id" not null, "allowed_ips" text[] not null, "destination_number" varchar(20) null, "prefixes_to_remove" text[] not null, "incoming_active" boolean not null default false, "login" varchar(200) null, "password_secret" text null, "password_form" "password_form" null, "sender_name" varchar(20) null, "service_id" int null, "host" varchar(253) null, "certificate_secret" text null, "certificate_expires_at" timestamptz null, "api_base_url" varchar(500) null, "webhook_token_secret" text null, "generic_http" jsonb null, "replace_polish_diacritics" boolean not null default false, "last_test" jsonb null, "created_at" timestamptz not null, "updated_at" timestamptz not null);`,
    );
    this.addSql(`alter table "gateway" add constraint "gateway_name_unique" unique ("name");`);
    this.addSql(
      `create index "gateway_provider_destination_number_index" on "gateway" ("provider", "destination_number");`,
    );

    this.addSql(
      `create table "queue" ("id" serial primary key, "name" varchar(100) not null, "created_at" timestamptz not null);`,
    );
    this.addSql(`alter table "queue" add constraint "queue_name_unique" unique ("name");`);

    this.addSql(
      `create table "message_rule" ("id" serial primary key, "name" varchar(100) not null, "position" int not null, "active" boolean not null default true, "gateway_id" int null, "queue_id" int not null, "stop" boolean not null default true, "created_at" timestamptz not null);`,
    );
    this.addSql(`create index "message_rule_position_index" on "message_rule" ("position");`);

    this.addSql(
      `create table "settings" ("id" int not null default 1, "default_sms_gateway_id" int null, constraint "settings_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "system_state" ("key" varchar(100) not null, "value" text not null, constraint "system_state_pkey" primary key ("key"));`,
    );

    this.addSql(
      `create table "app_user" ("id" serial primary key, "email" varchar(254) not null, "name" varchar(200) not null, "role" "user_role" not null, "password_hash" varchar(200) not null, "created_at" timestamptz not null);`,
    );
    this.addSql(`alter table "app_user" add constraint "app_user_email_unique" unique ("email");`);

    this.addSql(
      `create table "queue_member" ("queue_id" int not null, "user_id" int not null, constraint "queue_member_pkey" primary key ("queue_id", "user_id"));`,
    );

    this.addSql(
      `create table "api_token" ("id" serial primary key, "user_id" int not null, "name" varchar(200) not null, "kind" "token_kind" not null, "token_hash" varchar(64) not null, "created_at" timestamptz not null, "expires_at" timestamptz null, "revoked_at" timestamptz null);`,
    );
    this.addSql(`alter table "api_token" add constraint "api_token_token_hash_unique" unique ("token_hash");`);

    this.addSql(
      `alter table "message_rule" add constraint "message_rule_gateway_id_foreign" foreign key ("gateway_id") references "gateway" ("id") on update cascade on delete restrict;`,
    );
    this.addSql(
      `alter table "message_rule" add constraint "message_rule_queue_id_foreign" foreign key ("queue_id") references "queue" ("id") on update cascade on delete restrict;`,
    );

    this.addSql(
      `alter table "settings" add constraint "settings_default_sms_gateway_id_foreign" foreign key ("default_sms_gateway_id") references "gateway" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "queue_member" add constraint "queue_member_queue_id_foreign" foreign key ("queue_id") references "queue" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "queue_member" add constraint "queue_member_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "api_token" add constraint "api_token_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );

    // Hand-written: what the entity decorators cannot express.
    // Two active mailboxes of one provider must not claim the same number (inbound routing would be ambiguous).
    this.addSql(
      `create unique index "gateway_active_destination_unique" on "gateway" ("provider", "destination_number") where "incoming_active" and "destination_number" is not null;`,
    );
    // The single settings row.
    this.addSql(`insert into "settings" ("id") values (1);`);
  }
}
