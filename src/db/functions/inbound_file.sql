-- The inbound webhook's second statement (src/modules/inbound/store.ts), a PL/pgSQL function for the
-- same reason as inbound_take: the customer's open ticket in the chosen queue (the default queue when no
-- rule decided), the message in it, and one notification per member of the queue (every agent when it
-- has none). A message that answers one of our outgoing messages (p_replies_to, the provider's id of it on
-- this mailbox) joins that message's ticket and queue instead, while the ticket is open and the
-- customer's; otherwise it is filed as any other. A provider id that several messages may carry
-- (p_provider_id_shared: SMSAPI's MsgId may name the outgoing message answered) is kept only by the first
-- message of the mailbox that carries it; the unique index holds one. A message whose whole text is an
-- opt-out or start keyword (p_opt_out, decided by the service from its copy of the lists) changes its
-- sender's opt-out state here, in the same statement (opt_out_set.sql); an opt-out that changed the state
-- queues the mailbox's confirmation text (p_confirm_text) on the same ticket, the one SMS the sender then
-- lets through. Ordinary messages pass p_opt_out null and pay one test of it. Returns the ticket, the queue,
-- the (user, notification) pairs and their creation time, which the service announces after the commit,
-- whether the opt-out state changed, and the confirmation queued.
create or replace function inbound_file(p_message_id int, p_queue_id int, p_default_queue text, p_customer_id int, p_gateway_id int,
                                        p_kind message_kind, p_from text, p_to text, p_text text, p_subject text,
                                        p_provider_id text, p_dedupe_key text, p_provider_ts timestamptz, p_replies_to text,
                                        p_title text, p_provider_id_shared boolean default false,
                                        p_opt_out boolean default null, p_keyword text default null,
                                        p_confirm_text text default null, p_confirm_from text default null,
                                        p_confirm_parts int default null, p_confirm_encoding sms_encoding default null)
returns table (ticket_id int, queue_id int, pairs json, created_at timestamptz, opt_out_changed boolean, confirmation_id int)
language plpgsql as $$
#variable_conflict use_column
declare
  q_id int;
  t_id int;
  m_id int;
  pid text := p_provider_id;
  changed boolean;
  c_id int;
begin
  -- Assignments, not PERFORM or SELECT: PL/pgSQL evaluates them without starting an executor.
  if p_replies_to is not null then
    select t.id, t.queue_id into t_id, q_id
      from message m join ticket t on t.id = m.ticket_id
     where m.gateway_id = p_gateway_id and m.direction = 'OUTBOUND' and m.provider_message_id = p_replies_to
       and t.status = 'OPEN' and t.customer_id = p_customer_id;
    if t_id is not null then
      update ticket set last_message_at = now(), updated_at = now() where id = t_id;
    end if;
  end if;
  if t_id is null then
    q_id := coalesce(p_queue_id, default_queue(p_name => p_default_queue));
    t_id := ticket_open(p_customer_id => p_customer_id, p_gateway_id => p_gateway_id, p_queue_id => q_id);
  end if;
  if p_provider_id_shared and exists (select 1 from message m where m.gateway_id = p_gateway_id and m.direction = 'INBOUND'
                                                              and m.provider_message_id = p_provider_id) then
    pid := null;
  end if;
  -- A unique violation here (a twin from another sender, see inbound_take) aborts the transaction.
  m_id := message_add(p_id => p_message_id, p_ticket_id => t_id, p_customer_id => p_customer_id, p_gateway_id => p_gateway_id,
                       p_direction => 'INBOUND', p_status => 'RECEIVED', p_kind => p_kind, p_from => p_from, p_to => p_to,
                       p_text => p_text, p_subject => p_subject, p_provider_id => pid, p_dedupe_key => p_dedupe_key,
                       p_provider_ts => p_provider_ts);
  if p_opt_out is not null then
    if p_opt_out and p_confirm_text is not null then
      c_id := nextval('message_id_seq');
    end if;
    changed := opt_out_set(p_number => p_from, p_opted_out => p_opt_out, p_source => 'KEYWORD', p_gateway_id => p_gateway_id,
                           p_reason => p_keyword, p_confirmation_id => c_id);
    if changed and c_id is not null then
      perform message_add(p_id => c_id, p_ticket_id => t_id, p_customer_id => p_customer_id, p_gateway_id => p_gateway_id,
                          p_direction => 'OUTBOUND', p_status => 'QUEUED', p_kind => 'SMS', p_from => p_confirm_from, p_to => p_from,
                          p_text => p_confirm_text, p_parts => p_confirm_parts, p_encoding => p_confirm_encoding);
    else
      c_id := null;
    end if;
  end if;
  return query
    with members as (select qm.user_id from queue_member qm where qm.queue_id = q_id),
    n as (insert into notification (user_id, message_id, ticket_id, kind, title, created_at)
          select r.user_id, p_message_id, t_id, p_kind::text::notification_kind, p_title, now()
            from (select mb.user_id from members mb
                  union all
                  select u.id from app_user u where u.role = 'AGENT' and not exists (select 1 from members)) r
          returning id, user_id)
    select t_id, q_id, coalesce((select json_agg(json_build_array(n.user_id, n.id) order by n.id) from n), '[]'::json), now(),
           coalesce(changed, false), c_id;
end $$;
