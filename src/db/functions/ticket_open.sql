-- The customer's open ticket on a mailbox in a queue (src/modules/conversations), moved to the top of its
-- queue, or a new one. The upsert on the partial unique index `ticket_one_open` is race-free: it also sees
-- a ticket a concurrent transaction just committed.
create or replace function ticket_open(p_customer_id int, p_gateway_id int, p_queue_id int) returns int
language plpgsql as $$
declare
  t_id int;
begin
  insert into ticket (queue_id, customer_id, gateway_id, status, created_at, updated_at, last_message_at)
  values (p_queue_id, p_customer_id, p_gateway_id, 'OPEN', now(), now(), now())
  on conflict (customer_id, gateway_id, queue_id) where status = 'OPEN'
  do update set last_message_at = now(), updated_at = now()
  returning id into t_id;
  return t_id;
end $$;
