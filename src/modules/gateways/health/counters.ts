import type { EntityManager } from '@mikro-orm/postgresql';
import { MessageStatus } from '../../tickets/message.entity';
import { RECIPIENT_FAILURES } from '../../outbound/status';

/** What the health counts count, per mailbox (or, for refusals no mailbox matched, per provider) and hour. */
export type HealthMetric = 'received' | 'sent' | 'failed' | 'delivery_report' | 'refused' | `refused:${string}`;

/** The prefix of a refusal's metric; the rest is its InboundReason. */
export const REFUSED = 'refused:';

/** Refusals that matched no mailbox are the provider's: they are kept under this gateway id. */
export const NO_MAILBOX_ID = 0;

const HOUR_MS = 3_600_000;
const FAILURES: MessageStatus[] = [MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED];
/** Hourly rows older than this are deleted (health reads the last 24 h). */
const KEEP_HOURS = 48;

interface Last {
  at: number;
  detail?: string;
}

/** One key's parts: mailbox id (0: none), provider ('' for a mailbox's own rows), metric. */
type Scope = [gatewayId: number, provider: string, metric: HealthMetric];

/**
 * Mailbox health counts, gathered in memory where things happen (a webhook accepted or refused, a send, a
 * failure, a delivery report) and added to `mailbox_health_hour` / `mailbox_health_last` every
 * HEALTH_FLUSH_MS by one statement per instance. Counting costs a map update, so the webhook path gains no
 * statement and no row lock: a counter row that every inbound message updated would serialize concurrent
 * webhooks. Instances add (`n = n + excluded.n`) and keep the latest time (`greatest`), so two or more
 * instances sum correctly; what an instance held when it died is lost (at most one interval's worth), and
 * a graceful stop flushes.
 */
export class HealthCounters {
  private counts = new Map<string, number>();
  private last = new Map<string, Last>();
  private prunedAt = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** `n` inbound messages stored for a mailbox (webhook or poll). */
  received(gatewayId: number, n = 1): void {
    if (n > 0) this.add([gatewayId, '', 'received'], n);
  }

  /** A webhook refused: for its mailbox when one matched, else for its provider. */
  refused(provider: string, gatewayId: number | undefined, reason: string, text?: string): void {
    const scope: Scope =
      gatewayId === undefined
        ? [NO_MAILBOX_ID, provider, `${REFUSED}${reason}`]
        : [gatewayId, '', `${REFUSED}${reason}`];
    this.add(scope, 1);
    this.touch(gatewayId === undefined ? [NO_MAILBOX_ID, provider, 'refused'] : [gatewayId, '', 'refused'], {
      at: this.now(),
      detail: JSON.stringify({ code: reason, text: text ?? null }),
    });
  }

  /** An outbound message the provider took. */
  sent(gatewayId: number): void {
    this.add([gatewayId, '', 'sent'], 1);
  }

  /** An outbound message that failed (by our sender) or was reported undelivered or expired. */
  failed(gatewayId: number): void {
    this.add([gatewayId, '', 'failed'], 1);
  }

  /**
   * An outbound status change after its commit: SENT counts as sent; FAILED, UNDELIVERED and EXPIRED as
   * failed, unless it failed for its recipient's sake (RECIPIENT_FAILURES).
   */
  moved(m: { gatewayId?: number | null; status: MessageStatus; errorCode?: string | null } | null | undefined): void {
    if (!m?.gatewayId) return;
    if (m.status === MessageStatus.SENT) this.sent(m.gatewayId);
    else if (FAILURES.includes(m.status) && !RECIPIENT_FAILURES.includes(m.errorCode ?? '')) this.failed(m.gatewayId);
  }

  /** A delivery report for one of a mailbox's messages (pushed or polled). */
  deliveryReport(gatewayId: number): void {
    this.add([gatewayId, '', 'delivery_report'], 1);
  }

  private add(scope: Scope, n: number): void {
    const at = this.now();
    const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
    const key = `${scope.join('|')}|${hour}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
    if (!scope[2].startsWith(REFUSED)) this.touch(scope, { at });
  }

  private touch(scope: Scope, l: Last): void {
    const key = scope.join('|');
    const cur = this.last.get(key);
    if (!cur || cur.at <= l.at) this.last.set(key, l);
  }

  /**
   * Adds what this instance gathered since the last flush, in one statement. Rows are written in key order,
   * so two instances flushing the same rows lock them in the same order (no deadlock). When the write fails
   * the numbers are kept for the next flush.
   */
  async flush(em: EntityManager): Promise<void> {
    if (!this.counts.size && !this.last.size) return this.prune(em);
    const counts = this.counts;
    const last = this.last;
    this.counts = new Map();
    this.last = new Map();
    const countRows = [...counts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, n]) => {
        const [g, provider, metric, hour] = key.split('|');
        return { g: Number(g), provider, metric, hour: new Date(Number(hour)).toISOString(), n };
      });
    const lastRows = [...last]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, l]) => {
        const [g, provider, metric] = key.split('|');
        return { g: Number(g), provider, metric, at: new Date(l.at).toISOString(), detail: l.detail ?? null };
      });
    try {
      await em.execute(
        `with c as (
           insert into mailbox_health_hour (gateway_id, provider, metric, hour, n)
           select g, provider, metric, hour, n
             from json_to_recordset(?::json) as x(g int, provider text, metric text, hour timestamptz, n int)
           on conflict (gateway_id, provider, metric, hour) do update set n = mailbox_health_hour.n + excluded.n
         ), l as (
           insert into mailbox_health_last (gateway_id, provider, metric, at, detail)
           select g, provider, metric, at, detail
             from json_to_recordset(?::json) as x(g int, provider text, metric text, at timestamptz, detail text)
           on conflict (gateway_id, provider, metric) do update set at = excluded.at, detail = excluded.detail
             where excluded.at >= mailbox_health_last.at
         )
         select 1`,
        [JSON.stringify(countRows), JSON.stringify(lastRows)],
      );
    } catch (e) {
      for (const [k, n] of counts) this.counts.set(k, (this.counts.get(k) ?? 0) + n);
      for (const [k, l] of last) {
        const cur = this.last.get(k);
        if (!cur || cur.at < l.at) this.last.set(k, l);
      }
      throw e;
    }
    await this.prune(em);
  }

  /** Deletes hourly rows nobody reads any more, at most once an hour per instance. */
  private async prune(em: EntityManager): Promise<void> {
    const now = this.now();
    if (now - this.prunedAt < HOUR_MS) return;
    this.prunedAt = now;
    await em.execute(`delete from mailbox_health_hour where hour < ?::timestamptz`, [
      new Date(now - KEEP_HOURS * HOUR_MS).toISOString(),
    ]);
  }
}
