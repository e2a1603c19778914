import type { EntityManager } from '@mikro-orm/postgresql';
import { publishInTransaction } from '../../graphql/pubsub';
import { MessageStatus } from '../tickets/message.entity';

/**
 * The status machine of outbound messages: QUEUED → SENT → DELIVERED, or a final FAILED /
 * UNDELIVERED / EXPIRED. Each transition is one UPDATE whose WHERE names the states it may leave, so
 * a late, repeated or out-of-order report (or a racing worker) simply matches no row: nothing moves
 * back, and nothing is announced twice.
 */
export type OutboundTarget = MessageStatus.SENT | MessageStatus.DELIVERED | MessageStatus.UNDELIVERED | MessageStatus.EXPIRED | MessageStatus.FAILED;

export const ALLOWED_FROM: Record<OutboundTarget, MessageStatus[]> = {
  [MessageStatus.SENT]: [MessageStatus.QUEUED],
  [MessageStatus.DELIVERED]: [MessageStatus.QUEUED, MessageStatus.SENT],
  [MessageStatus.UNDELIVERED]: [MessageStatus.QUEUED, MessageStatus.SENT],
  [MessageStatus.EXPIRED]: [MessageStatus.QUEUED, MessageStatus.SENT],
  [MessageStatus.FAILED]: [MessageStatus.QUEUED, MessageStatus.SENT],
};

export const FINAL_STATUSES = [MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED, MessageStatus.FAILED];

export interface TransitionFacts {
  providerMessageId?: string;
  cost?: number;
  errorCode?: string | null;
  errorMessage?: string | null;
  at?: Date;
}

/**
 * Moves a message to `to` if its current state allows it, inside the caller's transaction, and
 * announces the change (NOTIFY is delivered at commit). Returns the ticket id, or null when the
 * message was not in an allowed state.
 */
export async function transition(
  em: EntityManager,
  messageId: number,
  to: OutboundTarget,
  facts: TransitionFacts = {},
  /** false: the caller announces the change after its commit (NOTIFYing commits are serialised by PostgreSQL). */
  announce = true,
): Promise<{ ticketId: number | null } | null> {
  const rows = await em.execute<{ id: number; ticket_id: number | null }[]>(
    `update message set
        status = ?,
        provider_message_id = coalesce(?, provider_message_id),
        cost = coalesce(?, cost),
        error_code = case when ? then ? else error_code end,
        error_message = case when ? then ? else error_message end,
        sent_at = case when ? and sent_at is null then coalesce(?, now()) else sent_at end,
        delivered_at = case when ? then coalesce(?, now()) else delivered_at end,
        provider_timestamp = coalesce(?, provider_timestamp),
        in_flight_since = null,
        lease_until = null,
        updated_at = now()
      where id = ? and direction = 'OUTBOUND' and status = any(?::message_status[])
      returning id, ticket_id`,
    [
      to,
      facts.providerMessageId ?? null,
      facts.cost ?? null,
      facts.errorCode !== undefined,
      facts.errorCode ?? null,
      facts.errorMessage !== undefined,
      facts.errorMessage ?? null,
      to !== MessageStatus.FAILED,
      to === MessageStatus.SENT ? facts.at ?? null : null,
      to === MessageStatus.DELIVERED,
      facts.at ?? null,
      to === MessageStatus.SENT ? null : facts.at ?? null,
      messageId,
      `{${ALLOWED_FROM[to].join(',')}}`,
    ],
  );
  if (!rows[0]) return null;
  if (announce) await publishInTransaction(em, 'MESSAGE_STATUS_CHANGED', { messageId, ticketId: rows[0].ticket_id, status: to });
  return { ticketId: rows[0].ticket_id };
}
