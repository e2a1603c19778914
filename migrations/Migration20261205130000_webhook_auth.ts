import { Migration } from '@mikro-orm/migrations';

/**
 * How each mailbox authenticates its webhooks (src/modules/gateways/gateway.entity.ts, WebhookAuth). New
 * mailboxes get a random token; a mailbox that already had one keeps it and is TOKEN; one without a token
 * is LEGACY_OPEN: it keeps accepting as before, so the URLs already pasted into provider panels go on
 * working, and it is flagged until the admin gives it a token or chooses IP_LIST_ONLY.
 */
export class Migration20261205130000_webhook_auth extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create type "webhook_auth" as enum ('TOKEN', 'IP_LIST_ONLY', 'LEGACY_OPEN');`);
    this.addSql(`alter table "gateway" add column "webhook_auth" "webhook_auth" not null default 'TOKEN';`);
    this.addSql(`update "gateway" set "webhook_auth" = 'LEGACY_OPEN' where "webhook_token_secret" is null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "gateway" drop column "webhook_auth";`);
    this.addSql(`drop type "webhook_auth";`);
  }
}
