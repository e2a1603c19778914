import { Migration } from '@mikro-orm/migrations';

/**
 * The opt-out registry (src/modules/optouts): the state per number and its history, the keyword lists in
 * the settings, a mailbox's optional confirmation text. `inbound_file` gets the keyword's parameters and
 * results; `create or replace` cannot change those, so the old function goes here and
 * src/db/functions/inbound_file.sql, applied after the migrations, creates the new one.
 */
export class Migration20261218090000_opt_outs extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "opt_out_source" as enum ('KEYWORD', 'PROVIDER_REPORT', 'MANUAL');`);
    this.addSql(
      `create table "opt_out_change" ("id" serial primary key, "phone_number" varchar(32) not null, "opted_out" boolean not null, "source" "opt_out_source" not null, "gateway_id" int null, "changed_by_id" int null, "reason" text null, "created_at" timestamptz not null);`,
    );
    this.addSql(`create index "opt_out_change_phone_number_id_index" on "opt_out_change" ("phone_number", "id");`);
    this.addSql(
      `create table "opt_out" ("phone_number" varchar(32) not null, "opted_out" boolean not null, "source" "opt_out_source" not null, "gateway_id" int null, "changed_by_id" int null, "reason" text null, "changed_at" timestamptz not null, "confirmation_message_id" int null, constraint "opt_out_pkey" primary key ("phone_number"));`,
    );
    for (const table of ['opt_out_change', 'opt_out']) {
      this.addSql(
        `alter table "${table}" add constraint "${table}_gateway_id_foreign" foreign key ("gateway_id") references "gateway" ("id") on update cascade on delete set null;`,
      );
      this.addSql(
        `alter table "${table}" add constraint "${table}_changed_by_id_foreign" foreign key ("changed_by_id") references "app_user" ("id") on update cascade on delete set null;`,
      );
    }
    this.addSql(`alter table "gateway" add column "opt_out_confirmation" text null;`);
    this.addSql(
      `alter table "settings" add column "opt_out_keywords" text[] not null default '{STOP,"STOP ALL",UNSUBSCRIBE,REZYGNUJĘ,WYPISZ}', add column "opt_in_keywords" text[] not null default '{START,SUBSCRIBE}';`,
    );
    this.addSql(
      `drop function if exists inbound_file(int, int, text, int, int, message_kind, text, text, text, text, text, text, timestamptz, text, text, boolean);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "settings" drop column "opt_out_keywords", drop column "opt_in_keywords";`);
    this.addSql(`alter table "gateway" drop column "opt_out_confirmation";`);
    this.addSql(`drop table if exists "opt_out" cascade;`);
    this.addSql(`drop table if exists "opt_out_change" cascade;`);
    this.addSql(`drop type if exists "opt_out_source";`);
  }
}
