-- The active message rules as the rule engine reads them (src/modules/rules/rule-engine.ts, `rulesOfRows`):
-- one JSON array per rule, [id, position, gateway_id, queue_id, stop, name], in walking order. Both the
-- inbound webhook and sendSms read them inside their single statements; a new rule condition is a new
-- column here and in `rulesOfRows`.
create or replace function active_rules() returns json
language sql stable as $$
  select coalesce(json_agg(json_build_array(r.id, r.position, r.gateway_id, r.queue_id, r.stop, r.name) order by r.position, r.id), '[]'::json)
    from message_rule r
   where r.active
$$;
