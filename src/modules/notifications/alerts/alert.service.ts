import type { EntityManager } from '@mikro-orm/postgresql';
import type { AlertSettings } from '../../../config';
import type { Publish } from '../../../graphql/pubsub';
import type { HealthCounters } from '../../gateways/health/counters';
import { NotificationKind } from '../notification.entity';
import { activeConditions, type ActiveCondition } from './conditions';

/** Pairs per NOTIFY, well under PostgreSQL's payload limit with a body beside them. */
const PAIRS_PER_NOTIFY = 100;

/**
 * Notifications for every active admin about alert row `a` (title, body), written by the statement that opens
 * or clears the alert; the statement answers one row when it did (with the pairs to push), none otherwise.
 */
const NOTIFY_ADMINS = `
  n as (insert into notification (user_id, kind, title, body, created_at)
        select u.id, 'ALERT'::notification_kind, a.title, a.body, now()
          from a cross join app_user u
         where u.role = 'ADMIN' and u.deactivated_at is null
        returning user_id, id, created_at)
  select a.title, a.body, now() as created_at,
         (select coalesce(json_agg(json_build_array(n.user_id, n.id)), '[]'::json) from n) as pairs
    from a`;

interface Written {
  title: string;
  body: string;
  created_at: Date;
  pairs: [number, number | string][];
}

/** What a check did: the keys of the alerts it raised and of those it cleared. */
export interface CheckResult {
  raised: string[];
  cleared: string[];
}

/**
 * Raises an [ALERT] notification to every admin when a condition (conditions.ts) starts to hold, and a
 * "Recovered" one when it stops: one per condition until it clears. The open alerts are rows of `alert`
 * with a unique key among the open ones, so when two instances check at once, one insert wins and the
 * other does nothing; the notifications are written by the same statement, so they exist exactly when
 * the alert does. They are pushed after the commit, through the event bus (every instance's subscribers).
 */
export class AlertService {
  constructor(
    private readonly settings: AlertSettings,
    private readonly health: HealthCounters,
    private readonly publish: Publish,
    private readonly log: { warn(o: unknown, m?: string): void },
  ) {}

  /** Checks every condition as of `now` (tests pass a later one instead of waiting). */
  async check(em: EntityManager, now: Date = new Date()): Promise<CheckResult> {
    // This instance's latest counts first, so that silence is judged on them.
    await this.health.flush(em).catch((err) => this.log.warn({ err }, 'mailbox health: flush failed'));
    const active = await activeConditions(em, this.settings, now);
    const result: CheckResult = { raised: [], cleared: [] };
    for (const c of active) if (!c.holding && (await this.raise(em, c))) result.raised.push(c.key);
    const keys = new Set(active.map((c) => c.key));
    const open = await em.execute<{ id: string; key: string }[]>(`select id, key from alert where cleared_at is null`);
    for (const a of open) if (!keys.has(a.key) && (await this.clear(em, Number(a.id)))) result.cleared.push(a.key);
    return result;
  }

  private async raise(em: EntityManager, c: ActiveCondition): Promise<boolean> {
    const [w] = await em.execute<Written[]>(
      `with a as (insert into alert (key, gateway_id, provider, condition, title, body)
                  values (?, ?, ?, ?, ?, ?)
                  on conflict (key) where cleared_at is null do nothing
                  returning title, body),
       ${NOTIFY_ADMINS}`,
      [c.key, c.gatewayId, c.provider, c.condition, c.title, c.body],
    );
    if (w) this.announce(w);
    return !!w;
  }

  private async clear(em: EntityManager, id: number): Promise<boolean> {
    const [w] = await em.execute<Written[]>(
      `with c as (update alert set cleared_at = now() where id = ? and cleared_at is null returning title, body),
       a as (select left('[ALERT] Recovered: ' || regexp_replace(title, '^\\[ALERT\\] ', ''), 200) as title,
                    'Recovered: ' || body as body from c),
       ${NOTIFY_ADMINS}`,
      [id],
    );
    if (w) this.announce(w);
    return !!w;
  }

  private announce(w: Written): void {
    const pairs = w.pairs.map(([u, n]) => [Number(u), Number(n)] as [number, number]);
    const createdAt = new Date(w.created_at).toISOString();
    for (let i = 0; i < pairs.length; i += PAIRS_PER_NOTIFY) {
      this.publish('NOTIFICATIONS_ADDED', {
        notifications: pairs.slice(i, i + PAIRS_PER_NOTIFY),
        ticketId: null,
        queueId: null,
        note: { messageId: null, kind: NotificationKind.ALERT, title: w.title, createdAt, body: w.body },
      });
    }
  }
}
