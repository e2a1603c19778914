import { Migration } from '@mikro-orm/migrations';

export class Migration20261124160000_outbound extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "message" add column "in_flight_since" timestamptz null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "message" drop column "in_flight_since";`);
  }
}
