import type { EntityManager } from '@mikro-orm/postgresql';
import { dbFunction } from '../../db/functions';
import { sqlOf } from '../../db/raw-sql';
import { toE164 } from '../../common/phone';
import type { MessageDirection, MessageStatus } from '../tickets/message.entity';

/**
 * Conversations: customers, their tickets and the messages in them. This module is the one home of the
 * statements that write them on the inbound and outbound paths; the statements are database functions,
 * so the paths' own functions call them inside their single statements (no round trip more):
 * - the card for a number: `customer_card` (read) and `customer_for_number` (read or make, under the
 *   number's lock), src/db/functions/customer_for_number.sql;
 * - the customer's open ticket on a mailbox in a queue: `ticket_open`, src/db/functions/ticket_open.sql;
 * - a message in its ticket: `message_add`, src/db/functions/message_add.sql;
 * - the default queue, made on first use: `default_queue`, src/db/functions/default_queue.sql.
 * Callers: `inbound_take` and `inbound_file` (src/modules/inbound/store.ts), `outbound_file` and
 * sendSms's reads (src/modules/outbound/outbound.service.ts), and `addToTicket` below (replies).
 */

/** Name of the queue messages go to when no rule decides; made on first use (`default_queue`). */
export const DEFAULT_QUEUE_NAME = 'SMS';

/**
 * The oldest card holding a number, as JSON `{ id, name, phoneNumbers }` (null when there is none): a
 * sub-select with one placeholder, the number, for other modules' statements.
 */
export const CARD_FOR_NUMBER_JSON = `(select json_build_object('id', c.id, 'name', c.name, 'phoneNumbers', c.phone_numbers) from customer_card(p_number => ?) c)`;

/** A message to write; left out: the function's defaults (one part, no subject, encoding, provider id…). */
export interface NewMessage {
  ticketId: number;
  customerId: number;
  gatewayId: number | null;
  direction: MessageDirection;
  status: MessageStatus;
  kind: 'SMS' | 'MMS';
  from: string;
  to: string;
  text: string;
  /** An id handed out beforehand (inbound_take); else the sequence's next. */
  id?: number;
  subject?: string | null;
  parts?: number;
  encoding?: 'GSM7' | 'UCS2' | null;
  providerId?: string | null;
  dedupeKey?: string | null;
  providerTimestamp?: Date | null;
  authorId?: number | null;
}

const messageAdd = dbFunction<NewMessage, { message_add: number }>('message_add', {
  ticketId: 'p_ticket_id int',
  customerId: 'p_customer_id int',
  gatewayId: 'p_gateway_id int',
  direction: 'p_direction message_direction',
  status: 'p_status message_status',
  kind: 'p_kind message_kind',
  from: 'p_from text',
  to: 'p_to text',
  text: 'p_text text',
  id: 'p_id int',
  subject: 'p_subject text',
  parts: 'p_parts int',
  encoding: 'p_encoding sms_encoding',
  providerId: 'p_provider_id text',
  dedupeKey: 'p_dedupe_key text',
  providerTimestamp: 'p_provider_ts timestamptz',
  authorId: 'p_author_id int',
});

/**
 * A message on a ticket the caller chose (a reply), which moves the ticket to the top of its queue as a
 * new message does (`ticket_open`). Runs in `em`'s transaction; returns the message's id.
 */
export async function addToTicket(em: EntityManager, m: NewMessage): Promise<number> {
  const sql = sqlOf(em);
  await sql(`update ticket set last_message_at = now(), updated_at = now() where id = ?`, [m.ticketId]);
  const [row] = await messageAdd.select(sql, m);
  return row.message_add;
}

/**
 * The number a ticket's conversation is with, in E.164: the customer's last inbound number on it, else its
 * last outbound one, else the card's first. Replies go to it (replyToTicket), and the ticket shows its opt-out.
 */
export async function conversationNumber(em: EntityManager, ticketId: number): Promise<string | undefined> {
  const [row] = await em.execute<{ last: string | null; card: string | null }[]>(
    `select (select case when m.direction = 'INBOUND' then m.from_address else m.to_address end from message m
              where m.ticket_id = t.id
              order by case when m.direction = 'INBOUND' then 0 else 1 end, m.created_at desc, m.id desc limit 1) as last,
            c.phone_numbers[1] as card
       from ticket t join customer c on c.id = t.customer_id where t.id = ?`,
    [ticketId],
  );
  const last = row?.last ? toE164(row.last) : undefined;
  return last?.ok ? last.e164 : (row?.card ?? undefined);
}
