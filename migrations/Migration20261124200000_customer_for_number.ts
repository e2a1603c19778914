import { Migration } from '@mikro-orm/migrations';

/**
 * One "the card for this number" for both paths that need it: an inbound SMS from a number and sendSms to
 * a number. `customer_for_number` takes the number's advisory lock (the key both paths always used), then
 * finds the oldest card holding the number or makes one named after it. Each statement in a PL/pgSQL
 * function has its own snapshot, so the lookup after the lock sees a card that a concurrent transaction
 * holding the lock before us has committed. The lock is re-entrant within a transaction: inbound_take,
 * which takes it earlier for its duplicate check, calls the function as well.
 */
export class Migration20261124200000_customer_for_number extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create function customer_for_number(p_number text, out id int, out name text)
language plpgsql as $$
begin
  perform pg_advisory_xact_lock(hashtext('customer:' || p_number));
  -- Materialised first, then ordered: a kept (generic) plan of "where … @> … order by id limit 1" walks
  -- the primary key and tests every card until one matches; this way the GIN index finds the few cards.
  with hits as materialized (select c.id, c.name from customer c where c.phone_numbers @> array[p_number]::text[])
  select h.id, h.name into id, name from hits h order by h.id limit 1;
  if id is null then
    insert into customer (name, phone_numbers, created_at, updated_at) values (p_number, array[p_number]::text[], now(), now())
    returning customer.id, customer.name into id, name;
  end if;
end $$;`);
    this.addSql(`create or replace function inbound_take(p_from text, p_provider_id text, p_dedupe_key text, p_gateway_id int, p_default_queue text)
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
  select f.id, f.name into c_id, c_name from customer_for_number(p_from) f;
  return query select nextval('message_id_seq')::int, null::int, c_id, c_name,
    (select coalesce(json_agg(json_build_array(r.id, r.position, r.gateway_id, r.queue_id, r.stop, r.name)), '[]'::json)
       from message_rule r where r.active),
    (select q.id from queue q where q.name = p_default_queue);
end $$;`);
  }

  override async down(): Promise<void> {
    // inbound_take as Migration20261124181000 made it (its own copy of the card lookup) is not restored
    // here: running that migration's up() again after dropping the function does it.
    this.addSql(`drop function inbound_take(text, text, text, int, text);`);
    this.addSql(`drop function customer_for_number(text);`);
  }
}
