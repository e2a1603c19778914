import { Migration } from '@mikro-orm/migrations';

/**
 * Login attempt counters in the database, shared by every instance (src/modules/auth/login-limiter.ts).
 *
 * Why: the counters lived in each process's memory, so N instances allowed N times the guesses per address
 * and per IP. The layout is the one rate-limiter-flexible's RateLimiterPostgres reads and writes: `key` is
 * the limiter's prefix and a hash of the address or IP (no address or IP is stored), `points` the
 * attempts in the window, `expire` its end in epoch milliseconds. Logins delete rows an hour past their
 * window (at most every five minutes), so the table stays small. No entity maps it, only the limiter uses
 * it: the schema generator skips it (src/db/mikro-orm.config.ts), or a generated migration would drop it.
 */
export class Migration20261124230000_login_attempts extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "login_attempt" ("key" varchar(255) primary key, "points" integer not null default 0, "expire" bigint);`,
    );
    // For the sweep of expired counters.
    this.addSql(`create index "login_attempt_expire_index" on "login_attempt" ("expire");`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "login_attempt";`);
  }
}
