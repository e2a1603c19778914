import { Migration } from '@mikro-orm/migrations';

/**
 * Mailbox health and alerts. `mailbox_health_hour` holds counts per mailbox (or, for refusals no mailbox
 * matched, per provider: gateway_id 0), hour and metric, added to by each instance's periodic flush;
 * `mailbox_health_last` the latest time of each metric. `alert` holds the conditions raised, one open row per
 * condition key (the partial unique index is what makes two instances raise one alert). An ALERT notification
 * belongs to no ticket or message, so those columns of `notification` become optional and it gets a body.
 * Mailboxes get `silence_alert_hours`; sends of a mailbox are read newest first for "failures in a row".
 */
export class Migration20261215090000_mailbox_health_alerts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter type "notification_kind" add value if not exists 'ALERT';`);
    this.addSql(`alter table "notification" alter column "message_id" drop not null;`);
    this.addSql(`alter table "notification" alter column "ticket_id" drop not null;`);
    this.addSql(`alter table "notification" add column "body" text null;`);
    this.addSql(`alter table "gateway" add column "silence_alert_hours" int null;`);
    this.addSql(`alter table "gateway" add column "silence_alert_since" timestamptz null;`);
    this.addSql(
      `create index "message_outbound_gateway" on "message" ("gateway_id", "id") where "direction" = 'OUTBOUND';`,
    );
    this.addSql(
      `create table "mailbox_health_hour" ("gateway_id" int not null, "provider" varchar(20) not null, "metric" varchar(40) not null, "hour" timestamptz not null, "n" int not null, primary key ("gateway_id", "provider", "metric", "hour"));`,
    );
    this.addSql(`create index "mailbox_health_hour_hour" on "mailbox_health_hour" ("hour");`);
    this.addSql(
      `create table "mailbox_health_last" ("gateway_id" int not null, "provider" varchar(20) not null, "metric" varchar(40) not null, "at" timestamptz not null, "detail" text null, primary key ("gateway_id", "provider", "metric"));`,
    );
    this.addSql(
      `create table "alert" ("id" bigserial primary key, "key" varchar(200) not null, "gateway_id" int null, "provider" varchar(20) null, "condition" varchar(40) not null, "title" varchar(200) not null, "body" text not null, "opened_at" timestamptz not null default now(), "cleared_at" timestamptz null);`,
    );
    this.addSql(`create unique index "alert_open_key" on "alert" ("key") where "cleared_at" is null;`);
    this.addSql(`create index "alert_gateway_open" on "alert" ("gateway_id") where "cleared_at" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table "alert";`);
    this.addSql(`drop table "mailbox_health_last";`);
    this.addSql(`drop table "mailbox_health_hour";`);
    this.addSql(`drop index "message_outbound_gateway";`);
    this.addSql(`alter table "gateway" drop column "silence_alert_since";`);
    this.addSql(`alter table "gateway" drop column "silence_alert_hours";`);
    this.addSql(`delete from "notification" where "kind" = 'ALERT';`);
    this.addSql(`alter table "notification" drop column "body";`);
    this.addSql(`alter table "notification" alter column "ticket_id" set not null;`);
    this.addSql(`alter table "notification" alter column "message_id" set not null;`);
  }
}
