import { Migration } from '@mikro-orm/migrations';

/**
 * The countries each mailbox may send to (src/modules/gateways/countries.ts). Existing mailboxes get the
 * empty list, which means the country of their own number, else Poland; so does a row written without it.
 */
export class Migration20261205131000_gateway_allowed_countries extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "gateway" add column "allowed_countries" text[] not null default '{}';`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "gateway" drop column "allowed_countries";`);
  }
}
