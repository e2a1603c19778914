import { Migration } from '@mikro-orm/migrations';

/**
 * One "the card for this number" for both paths that need it: an inbound SMS from a number and sendSms to
 * a number. `customer_for_number` takes the number's advisory lock (the key both paths always used), then
 * finds the oldest card holding the number or makes one named after it. Each statement in a PL/pgSQL
 * function has its own snapshot, so the lookup after the lock sees a card that a concurrent transaction
 * holding the lock before us has committed. The lock is re-entrant within a transaction: inbound_take,
 * which takes it earlier for its duplicate check, calls the function as well. Nothing to run here:
 * src/db/functions/customer_for_number.sql creates it, after the migrations (src/db/functions.ts).
 */
export class Migration20261124200000_customer_for_number extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
