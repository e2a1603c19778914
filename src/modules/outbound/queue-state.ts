import type { EntityManager } from '@mikro-orm/postgresql';
import type { QueueState } from '../metrics/metrics';

/**
 * The due outbound messages not yet sent (claimed ones included: they are not sent until SENT is written) and
 * how long the oldest has been due. The same rows the sender claims (sender.ts CLAIM), read through the same
 * partial index, message_outbound_due on (next_attempt_at) where OUTBOUND and QUEUED: a range scan of the
 * queue itself, however large the message table. A message waiting out a retry's backoff is not due yet.
 */
export const QUEUE_STATE_SQL = `
  select count(*)::int as depth,
         coalesce(extract(epoch from now() - min(next_attempt_at)), 0)::float8 as oldest
    from message
   where direction = 'OUTBOUND' and status = 'QUEUED' and next_attempt_at <= now()`;

/** The shared outbound queue as /metrics shows it, the same from every instance. */
export async function outboundQueueState(em: EntityManager): Promise<QueueState> {
  const [row] = await em.execute<{ depth: number; oldest: number }[]>(QUEUE_STATE_SQL);
  return { depth: Number(row?.depth ?? 0), oldestDueSeconds: Math.max(0, Number(row?.oldest ?? 0)) };
}
