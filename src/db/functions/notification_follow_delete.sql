-- Notification rows carry no foreign keys to `message`, `ticket` and `app_user` (every inbound message
-- writes ~10 of them in the statement that writes the rows they point at, and per-row referential checks
-- cost more than the rest of the webhook). Statement-level triggers on those three tables
-- (Migration20261124180000_notification_follows) call this function, so deleting a message, a ticket or
-- a user still deletes its notifications, once per deleting statement, through the indexes on
-- message_id, ticket_id and (user_id, id).
create or replace function notification_follow_delete() returns trigger language plpgsql as $$
begin
  if tg_table_name = 'message' then
    delete from notification n using gone g where n.message_id = g.id;
  elsif tg_table_name = 'ticket' then
    delete from notification n using gone g where n.ticket_id = g.id;
  else
    delete from notification n using gone g where n.user_id = g.id;
  end if;
  return null;
end $$;
