import { Migration } from '@mikro-orm/migrations';

/**
 * The inbound hot path's two statements as PL/pgSQL functions (src/modules/inbound/store.ts calls them).
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
  override async up(): Promise<void> {
    this.addSql(`create function inbound_take(p_from text, p_provider_id text, p_dedupe_key text, p_gateway_id int, p_default_queue text)
returns table (message_id int, duplicate_of int, customer_id int, customer_name text, rules json, default_queue_id int)
language plpgsql as $$
#variable_conflict use_column
declare
  dup int;
  c_id int;
  c_name text;
begin
  perform pg_advisory_xact_lock(hashtext('customer:' || p_from));
  -- Under the lock, a retry from the same sender sees its committed twin. (A twin from another sender
  -- is stopped by the unique indexes in inbound_file, and the service then runs the whole thing again.)
  if p_provider_id is not null then
    select m.id into dup from message m where m.gateway_id = p_gateway_id and m.direction = 'INBOUND' and m.provider_message_id = p_provider_id;
  end if;
  if dup is null and p_dedupe_key is not null then
    select m.id into dup from message m where m.gateway_id = p_gateway_id and m.dedupe_key = p_dedupe_key;
  end if;
  if dup is not null then
    return query select null::int, dup, null::int, null::text, null::json, null::int;
    return;
  end if;
  -- Materialised first, then ordered: a kept (generic) plan of "where … @> … order by id limit 1" walks
  -- the primary key and tests every card until one matches; this way the GIN index finds the few cards.
  with hits as materialized (select c.id, c.name from customer c where c.phone_numbers @> array[p_from]::text[])
  select h.id, h.name into c_id, c_name from hits h order by h.id limit 1;
  if c_id is null then
    insert into customer (name, phone_numbers, created_at, updated_at) values (p_from, array[p_from]::text[], now(), now())
    returning id, name into c_id, c_name;
  end if;
  return query select nextval('message_id_seq')::int, null::int, c_id, c_name,
    (select coalesce(json_agg(json_build_array(r.id, r.position, r.gateway_id, r.queue_id, r.stop, r.name)), '[]'::json)
       from message_rule r where r.active),
    (select q.id from queue q where q.name = p_default_queue);
end $$;`);
    this.addSql(`create function inbound_file(p_message_id int, p_queue_id int, p_customer_id int, p_gateway_id int,
                                          p_kind message_kind, p_from text, p_to text, p_text text, p_subject text,
                                          p_provider_id text, p_dedupe_key text, p_provider_ts timestamptz, p_title text)
returns table (ticket_id int, pairs json, created_at timestamptz)
language plpgsql as $$
#variable_conflict use_column
declare
  t_id int;
begin
  insert into ticket (queue_id, customer_id, gateway_id, status, created_at, updated_at, last_message_at)
  values (p_queue_id, p_customer_id, p_gateway_id, 'OPEN', now(), now(), now())
  on conflict (customer_id, gateway_id, queue_id) where status = 'OPEN'
  do update set last_message_at = now(), updated_at = now()
  returning id into t_id;
  -- Written once, already in its ticket (an update afterwards cost a second row version, its index
  -- entries and foreign-key checks again). A unique violation here aborts the transaction (see above).
  insert into message (id, direction, status, kind, from_address, to_address, text, subject, parts, provider_message_id, dedupe_key,
                       gateway_id, provider_timestamp, ticket_id, customer_id, created_at, updated_at)
  values (p_message_id, 'INBOUND', 'RECEIVED', p_kind, p_from, p_to, p_text, p_subject, 1, p_provider_id, p_dedupe_key,
          p_gateway_id, p_provider_ts, t_id, p_customer_id, now(), now());
  return query
    with members as (select qm.user_id from queue_member qm where qm.queue_id = p_queue_id),
    n as (insert into notification (user_id, message_id, ticket_id, kind, title, created_at)
          select r.user_id, p_message_id, t_id, p_kind::text::notification_kind, p_title, now()
            from (select mb.user_id from members mb
                  union all
                  select u.id from app_user u where u.role = 'AGENT' and not exists (select 1 from members)) r
          returning id, user_id)
    select t_id, coalesce((select json_agg(json_build_array(n.user_id, n.id) order by n.id) from n), '[]'::json), now();
end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function inbound_file(int, int, int, int, message_kind, text, text, text, text, text, text, timestamptz, text);`);
    this.addSql(`drop function inbound_take(text, text, text, int, text);`);
  }
}
