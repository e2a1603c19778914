-- The inbound webhook's first statement (src/modules/inbound/store.ts). A PL/pgSQL function keeps its
-- statements' plans for the life of the connection, so a webhook does not pay for parsing and planning
-- them (about 0.7 ms of the database's CPU per webhook).
--
-- Under the sender's advisory lock (first messages from one new number get one card), the message by its
-- unique key — a provider retry ends here with the stored message's id, having written nothing — then
-- the sender's customer card (customer_for_number), the id the message will get and the active rules,
-- for the rule engine in the service. Every statement inside takes its own snapshot (READ COMMITTED,
-- volatile function).
create or replace function inbound_take(p_from text, p_provider_id text, p_dedupe_key text, p_gateway_id int)
returns table (message_id int, duplicate_of int, customer_id int, customer_name text, rules json)
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
    return query select null::int, dup, null::int, null::text, null::json;
    return;
  end if;
  select f.id, f.name into c_id, c_name from customer_for_number(p_number => p_from) f;
  return query select nextval('message_id_seq')::int, null::int, c_id, c_name, active_rules();
end $$;
