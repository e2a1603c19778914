import { Migration } from '@mikro-orm/migrations';

/**
 * The inbound hot path's two statements as PL/pgSQL functions (src/modules/inbound/store.ts calls them).
 * Nothing to run here: src/db/functions/inbound_take.sql and inbound_file.sql create them, after the
 * migrations (src/db/functions.ts).
 *
 * Why functions: PL/pgSQL keeps each statement's plan for the life of the connection, so a webhook no
 * longer pays for parsing and planning its two large statements (~0.7 ms of the database's CPU per
 * webhook, bench/README.md), and the webhook still costs two round trips (BEGIN and COMMIT travel with
 * them). The logic is the one the statements had:
 * - `inbound_take`: under the sender's advisory lock (first messages from one new number get one card),
 *   look the message up by its unique key — a provider retry ends here with the stored message's id,
 *   having written nothing — then the sender's customer card (found, or made from the number), the id
 *   the message will get, the active rules and the default queue, for the rule engine in the service.
 * - `inbound_file`: the customer's open ticket in the chosen queue (ON CONFLICT on the partial unique
 *   index `ticket_one_open`, which also sees a ticket a concurrent transaction just committed), the
 *   message, already in its ticket, and one notification per member of the queue (every agent when it
 *   has none); returns the (user, notification) pairs and their creation time, which the service
 *   announces after the commit.
 * Every statement inside takes its own snapshot (READ COMMITTED, volatile functions), as the separate
 * statements did.
 */
export class Migration20261124181000_inbound_functions extends Migration {
  override async up(): Promise<void> {}

  override async down(): Promise<void> {}
}
