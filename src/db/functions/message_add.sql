-- A message, written once, already in its ticket (src/modules/conversations): an update afterwards would
-- cost a second row version, its index entries and the foreign-key checks again. Its id is the one given
-- (inbound_take hands it out before the message is written), else the next of the sequence. An outbound
-- message gets its idempotency key here: random, so that nobody can name it in a forged delivery report.
create or replace function message_add(
  p_ticket_id int, p_customer_id int, p_gateway_id int,
  p_direction message_direction, p_status message_status, p_kind message_kind,
  p_from text, p_to text, p_text text,
  p_id int default null, p_subject text default null, p_parts int default 1, p_encoding sms_encoding default null,
  p_provider_id text default null, p_dedupe_key text default null, p_provider_ts timestamptz default null,
  p_author_id int default null)
returns int
language plpgsql as $$
declare
  m_id int;
begin
  insert into message (id, direction, status, kind, from_address, to_address, text, subject, parts, encoding,
                       provider_message_id, dedupe_key, provider_timestamp, gateway_id, ticket_id, customer_id, author_id,
                       idempotency_key, created_at, updated_at)
  values (coalesce(p_id, nextval('message_id_seq')), p_direction, p_status, p_kind, p_from, p_to, p_text, p_subject, p_parts, p_encoding,
          p_provider_id, p_dedupe_key, p_provider_ts, p_gateway_id, p_ticket_id, p_customer_id, p_author_id,
          case when p_direction = 'OUTBOUND' then 'sd' || replace(gen_random_uuid()::text, '-', '') end, now(), now())
  returning id into m_id;
  return m_id;
end $$;
