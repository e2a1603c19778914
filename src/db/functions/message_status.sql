-- The status machine of outbound messages, the one place that says which status may follow which:
-- QUEUED → SENT → DELIVERED, UNDELIVERED, EXPIRED or FAILED; a message that cannot be sent goes from QUEUED
-- to FAILED. Only a sent message can be reported on, so no report finalises a message still queued. A
-- status never moves back, and a final one never changes.
create or replace function message_status_allowed(p_from message_status, p_to message_status) returns boolean
language sql immutable parallel safe as $$
  select case
    when p_from = 'QUEUED' then p_to in ('SENT', 'FAILED')
    when p_from = 'SENT' then p_to in ('DELIVERED', 'UNDELIVERED', 'EXPIRED', 'FAILED')
    else false
  end
$$;

-- Whether nothing can follow a status.
create or replace function message_status_final(p_status message_status) returns boolean
language sql immutable parallel safe as $$
  select p_status in ('DELIVERED', 'UNDELIVERED', 'EXPIRED', 'FAILED')
$$;

-- The status a push of an announced step shows, given the message's status when it is read: the step's,
-- unless the step is not final and the message has since reached a final status. Announcements cross
-- instances after their commits and can arrive late; a late step must not show a message as less far than
-- it is.
create or replace function message_status_shown(p_announced message_status, p_current message_status) returns message_status
language sql immutable parallel safe as $$
  select case when message_status_final(p_current) and not message_status_final(p_announced) then p_current else p_announced end
$$;

-- Enforces the machine on every write of `message.status` (trigger message_status_forward, fired only
-- when the status changes): a change it does not allow leaves the row as it was, so an UPDATE that asks
-- for one matches no row and returns nothing. A late, repeated or out-of-order report, or a racing
-- worker, changes nothing and announces nothing.
create or replace function message_status_forward() returns trigger language plpgsql as $$
begin
  if message_status_allowed(old.status, new.status) then
    return new;
  end if;
  return null;
end $$;
