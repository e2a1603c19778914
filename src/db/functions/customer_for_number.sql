-- The card for a number (src/modules/conversations): `customer_card` reads it, `customer_for_number`
-- finds or makes it. sendSms reads the card with its checks; the writes of an inbound SMS from a number
-- (inbound_take) and of sendSms to a number without a card (outbound_file) make it when there is none.

-- The oldest card holding the number, if any. Materialised first, then ordered: a kept (generic) plan of
-- "where … @> … order by id limit 1" walks the primary key and tests every card until one matches; this
-- way the GIN index finds the few cards. A plain SQL function, so PostgreSQL inlines it into the calling
-- statement and plans it there.
create or replace function customer_card(p_number text)
returns table (id int, name text, phone_numbers text[])
language sql stable as $$
  with hits as materialized (select c.id, c.name, c.phone_numbers from customer c where c.phone_numbers @> array[p_number]::text[])
  select h.id, h.name, h.phone_numbers from hits h order by h.id limit 1
$$;

-- Under the number's advisory lock, its card, or a new one named after it. Each statement in a PL/pgSQL
-- function has its own snapshot, so the lookup after the lock sees a card that a concurrent transaction
-- holding the lock before us has committed. The lock is re-entrant within a transaction: inbound_take,
-- which takes it earlier for its duplicate check, calls this as well.
--
-- plan_cache_mode: the lookup is written for its generic plan (see customer_card). Left to choose,
-- PostgreSQL guesses that `phone_numbers @> $1` matches 0.5 % of the cards, judges the generic plan
-- costlier than a custom one and plans the lookup afresh at every call, and planning it costs several
-- times what running it does.
create or replace function customer_for_number(p_number text, out id int, out name text)
language plpgsql set plan_cache_mode = force_generic_plan as $$
begin
  perform pg_advisory_xact_lock(hashtext('customer:' || p_number));
  select c.id, c.name into id, name from customer_card(p_number) c;
  if id is null then
    insert into customer (name, phone_numbers, created_at, updated_at) values (p_number, array[p_number]::text[], now(), now())
    returning customer.id, customer.name into id, name;
  end if;
end $$;
