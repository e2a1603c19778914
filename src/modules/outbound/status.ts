import type { EntityManager } from '@mikro-orm/postgresql';
import type { Publish } from '../../graphql/pubsub';
import type { AppContext } from '../../app-context';
import type { Metrics } from '../metrics/metrics';
import type { HealthCounters } from '../gateways/health/counters';
import type { ProviderId } from '../providers/catalog.types';
import { MessageStatus } from '../tickets/message.entity';

/**
 * A status an outbound message can be moved to after it was queued. Which status may follow which is said
 * once, in SQL (src/db/functions/message_status.sql), and enforced there on every write of the column: a
 * transition the machine does not allow matches no row, so a late, repeated or out-of-order report (or a
 * racing worker) changes nothing, and nothing is announced.
 */
export type OutboundTarget =
  | MessageStatus.SENT
  | MessageStatus.DELIVERED
  | MessageStatus.UNDELIVERED
  | MessageStatus.EXPIRED
  | MessageStatus.FAILED;

export interface TransitionFacts {
  providerMessageId?: string;
  cost?: number;
  errorCode?: string | null;
  errorMessage?: string | null;
  at?: Date;
}

/** An outbound message as a transition names it: its id, and its mailbox's provider for the metrics. */
export interface OutboundRef {
  id: number;
  /** Null when its mailbox was deleted. */
  provider: ProviderId | null;
}

/**
 * Error codes of messages that failed for their recipient's sake (opted out, customer erased), not their
 * mailbox's: the mailbox's health and alerts leave them out.
 */
export const RECIPIENT_FAILURES: readonly string[] = ['OPTED_OUT', 'ERASED'];

/** A transition that happened: what its announcement needs. */
export interface Moved {
  messageId: number;
  ticketId: number | null;
  /** Its mailbox (null once deleted), for the mailbox's health counts. */
  gatewayId: number | null;
  /** For a failure: its error code. */
  errorCode?: string | null;
  status: MessageStatus;
  provider: ProviderId | null;
}

/**
 * Where status changes go after their commit: the event bus, the count of each status reached, and the
 * mailbox's health counts.
 */
export interface StatusSink {
  publish: Publish;
  metrics: Metrics;
  health: HealthCounters;
}

/** The app's status sink. */
export function statusSinkOf(ctx: Pick<AppContext, 'publish' | 'metrics' | 'services'>): StatusSink {
  return { publish: ctx.publish, metrics: ctx.metrics, health: ctx.services.health };
}

/**
 * Moves a message to `to` inside the caller's transaction, with the facts that come with it. Returns the
 * change to announce once the transaction has committed (`announceStatus`), or null when the message was
 * already there or the machine does not allow it.
 */
export async function transition(
  em: EntityManager,
  message: OutboundRef,
  to: OutboundTarget,
  facts: TransitionFacts = {},
): Promise<Moved | null> {
  const rows = await em.execute<{ id: number; ticket_id: number | null; gateway_id: number | null }[]>(
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
      where id = ? and direction = 'OUTBOUND' and status <> ?::message_status
      returning id, ticket_id, gateway_id`,
    [
      to,
      facts.providerMessageId ?? null,
      facts.cost ?? null,
      facts.errorCode !== undefined,
      facts.errorCode ?? null,
      facts.errorMessage !== undefined,
      facts.errorMessage ?? null,
      to !== MessageStatus.FAILED,
      to === MessageStatus.SENT ? (facts.at ?? null) : null,
      to === MessageStatus.DELIVERED,
      facts.at ?? null,
      to === MessageStatus.SENT ? null : (facts.at ?? null),
      message.id,
      to,
    ],
  );
  return rows[0]
    ? {
        messageId: message.id,
        ticketId: rows[0].ticket_id,
        gatewayId: rows[0].gateway_id,
        status: to,
        errorCode: facts.errorCode,
        provider: message.provider,
      }
    : null;
}

/**
 * Announces status changes after their commit: every transition (QUEUED and SENT included) is announced
 * this one way, and a subscriber sees each step as it was committed (`message_status_shown` keeps a late
 * step from showing a message as less far than it is). Each is counted here too
 * (smsdesk_outbound_messages_total): the machine moves a message to a status once, so each count is a message.
 */
export function announceStatus(sink: StatusSink, ...moved: (Moved | null | undefined)[]): void {
  for (const m of moved) {
    if (!m) continue;
    sink.metrics.outboundStatus(m.provider, m.status);
    sink.health.moved(m);
    sink.publish('MESSAGE_STATUS_CHANGED', { messageId: m.messageId, ticketId: m.ticketId, status: m.status });
  }
}
