import { Migration } from '@mikro-orm/migrations';

/**
 * Users can be deactivated (`deactivated_at`): every request and every open socket reads it, so a
 * deactivated user's tokens stop on every instance. API tokens get a maximum lifetime (API_TOKEN_MAX_DAYS):
 * those made without an expiry get the default maximum, 90 days, counted from this upgrade, so integrations
 * keep working meanwhile and admins find them in `apiTokens`.
 */
export class Migration20261210090000_user_offboarding extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "app_user" add column "deactivated_at" timestamptz null;`);
    this.addSql(
      `update "api_token" set "expires_at" = now() + interval '90 days' where "kind" = 'API' and "expires_at" is null and "revoked_at" is null;`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "app_user" drop column if exists "deactivated_at";`);
  }
}
