-- The queue messages go to when no rule decided (src/modules/conversations, DEFAULT_QUEUE_NAME), made on
-- first use.
create or replace function default_queue(p_name text) returns int
language plpgsql as $$
declare
  q_id int;
begin
  select q.id into q_id from queue q where q.name = p_name;
  if q_id is null then
    insert into queue (name, created_at) values (p_name, now()) on conflict (name) do nothing returning id into q_id;
    -- Made by a concurrent transaction meanwhile: this statement's snapshot sees it.
    if q_id is null then
      select q.id into q_id from queue q where q.name = p_name;
    end if;
  end if;
  return q_id;
end $$;
