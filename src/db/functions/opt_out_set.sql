-- The one writer of the opt-out registry (src/modules/optouts): a number opts out (p_opted_out) or back in,
-- from a keyword, a provider's report or by hand. Only a change of state is written, together with its
-- history row; opting out a number that is out already, or in one that never opted out, changes nothing.
-- An opt-out may carry the id its confirmation message will get (p_confirmation_id): the sender lets that
-- one message through to the opted-out number, and the caller writes it only when this answers true.
-- Concurrent changes of one number serialise on its row (the upsert waits for the other's commit).
create or replace function opt_out_set(p_number text, p_opted_out boolean, p_source opt_out_source,
                                       p_gateway_id int default null, p_user_id int default null,
                                       p_reason text default null, p_confirmation_id int default null)
returns boolean
language plpgsql as $$
declare
  changed boolean;
begin
  if p_opted_out then
    insert into opt_out as o (phone_number, opted_out, source, gateway_id, changed_by_id, reason, changed_at, confirmation_message_id)
    values (p_number, true, p_source, p_gateway_id, p_user_id, p_reason, now(), p_confirmation_id)
    on conflict (phone_number) do update
      set opted_out = true, source = excluded.source, gateway_id = excluded.gateway_id, changed_by_id = excluded.changed_by_id,
          reason = excluded.reason, changed_at = excluded.changed_at, confirmation_message_id = excluded.confirmation_message_id
      where not o.opted_out
    returning true into changed;
  else
    update opt_out
       set opted_out = false, source = p_source, gateway_id = p_gateway_id, changed_by_id = p_user_id, reason = p_reason,
           changed_at = now(), confirmation_message_id = null
     where phone_number = p_number and opted_out
    returning true into changed;
  end if;
  if changed then
    insert into opt_out_change (phone_number, opted_out, source, gateway_id, changed_by_id, reason, created_at)
    values (p_number, p_opted_out, p_source, p_gateway_id, p_user_id, p_reason, now());
  end if;
  return coalesce(changed, false);
end $$;
