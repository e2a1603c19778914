import { Migration } from '@mikro-orm/migrations';

/**
 * `customer_for_number` always runs the generic plan of its card lookup.
 *
 * Why: pg_stat_statements (track_planning) after 3,300 webhooks showed the lookup planned 3,320 times,
 * 362 ms of planning against 98 ms of running it. With a parameter in place of the number, PostgreSQL
 * guesses that `phone_numbers @> $1` matches 0.5 % of the cards, judges the generic plan costlier than a
 * custom one, and so plans the statement afresh at every call (custom plans are what a PL/pgSQL
 * function gets by default when its generic plan looks worse). The statement was written for its generic
 * plan (the materialised CTE makes it the GIN index scan whatever the guess), and sendSms already runs
 * it that way (src/db/raw-sql.ts sets plan_cache_mode for its round trips); the function's own setting
 * makes every caller do so. Nothing to run here: the setting is part of
 * src/db/functions/customer_for_number.sql, applied after the migrations (src/db/functions.ts).
 */
export class Migration20261124210000_card_lookup_generic_plan extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
