import { Migration } from '@mikro-orm/migrations';

/**
 * Login attempts per (address, client IP), for the progressive slowdown (src/modules/auth/login-slowdown.ts),
 * shared by every instance. `key` is a hash of the address and one of the IP (neither is stored); `attempts`
 * counts since the client's last success; `last_at` is when the last attempt was let through; `forget_at`
 * when the row no longer counts (logins sweep rows past it). No entity maps it: the schema generator skips
 * it (src/db/mikro-orm.config.ts).
 */
export class Migration20261210100000_login_slowdown extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "login_slowdown" ("key" varchar(100) primary key, "attempts" integer not null, "last_at" timestamptz not null, "forget_at" timestamptz not null);`,
    );
    this.addSql(`create index "login_slowdown_forget_at_index" on "login_slowdown" ("forget_at");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "login_slowdown";`);
  }
}
