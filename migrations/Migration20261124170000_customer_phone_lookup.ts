import { Migration } from '@mikro-orm/migrations';

/**
 * Every inbound message looks its sender up by number (`phone_numbers @> array[…]`). With GIN's default
 * fastupdate, new cards wait in the index's unsorted pending list (up to 4 MB) until a vacuum, and every
 * lookup scans that list: ~1 ms per webhook with 10,000 cards (bench/README.md). Without it, each insert
 * updates the index at once (a little dearer) and every lookup is an index probe.
 */
export class Migration20261124170000_customer_phone_lookup extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter index "customer_phone_numbers_index" set (fastupdate = off);`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter index "customer_phone_numbers_index" reset (fastupdate);`);
  }
}
