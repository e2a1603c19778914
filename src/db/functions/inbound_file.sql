-- The inbound webhook's second statement (src/modules/inbound/store.ts), a PL/pgSQL function for the
-- same reason as inbound_take: the customer's open ticket in the chosen queue (ON CONFLICT on the partial
-- unique index `ticket_one_open`, which also sees a ticket a concurrent transaction just committed), the
-- message, already in its ticket, and one notification per member of the queue (every agent when it has
-- none). Returns the (user, notification) pairs and their creation time, which the service announces
-- after the commit.
create or replace function inbound_file(p_message_id int, p_queue_id int, p_customer_id int, p_gateway_id int,
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
end $$;
