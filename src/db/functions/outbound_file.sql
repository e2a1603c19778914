-- sendSms's write (src/modules/outbound/outbound.service.ts): the card (the one given, else the one for
-- the number, made when there is none), the customer's open ticket on the mailbox in the chosen queue
-- (the default queue when no rule decided) and the message in it, QUEUED and due at once. Only
-- assignments here: PL/pgSQL evaluates them without starting an executor, which a SELECT would cost.
create or replace function outbound_file(p_customer_id int, p_queue_id int, p_default_queue text, p_gateway_id int,
                                         p_from text, p_to text, p_text text, p_parts int, p_encoding sms_encoding, p_author_id int,
                                         out message_id int, out ticket_id int, out queue_id int)
language plpgsql as $$
declare
  c_id int := coalesce(p_customer_id, (customer_for_number(p_number => p_to)).id);
begin
  queue_id := coalesce(p_queue_id, default_queue(p_name => p_default_queue));
  ticket_id := ticket_open(p_customer_id => c_id, p_gateway_id => p_gateway_id, p_queue_id => queue_id);
  message_id := message_add(p_ticket_id => ticket_id, p_customer_id => c_id, p_gateway_id => p_gateway_id,
                            p_direction => 'OUTBOUND', p_status => 'QUEUED', p_kind => 'SMS', p_from => p_from, p_to => p_to,
                            p_text => p_text, p_parts => p_parts, p_encoding => p_encoding, p_author_id => p_author_id);
end $$;
