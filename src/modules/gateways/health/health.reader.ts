import type { EntityManager } from '@mikro-orm/postgresql';
import { AlertCondition } from '../../notifications/alerts/conditions';
import type { InboundReason } from '../../inbound/inbound-event.entity';
import type { Gateway } from '../gateway.entity';
import { REFUSED } from './counters';
import { GatewayHealth, GatewayHealthStatus } from './health.types';

interface Row {
  source: 'count' | 'last' | 'alert';
  gateway_id: number;
  metric: string;
  n: number | null;
  at: Date | null;
  detail: string | null;
}

/** Conditions that mean messages are not getting through. */
const FAILING: string[] = [AlertCondition.REFUSALS, AlertCondition.SEND_FAILURES, AlertCondition.QUEUE_WAITING];

/**
 * The health of several mailboxes in one statement over the small summary tables (hourly counts, latest
 * times, open alerts): never a scan of `message` or `inbound_event`, so a list of mailboxes costs one
 * query however busy they are.
 */
export async function readHealth(em: EntityManager, gateways: Gateway[]): Promise<Map<number, GatewayHealth>> {
  const ids = `{${gateways.map((g) => g.id).join(',')}}`;
  const rows = await em.execute<Row[]>(
    `select 'count' as source, gateway_id, metric, sum(n)::int as n, null::timestamptz as at, null as detail
       from mailbox_health_hour
      where gateway_id = any(?::int[]) and provider = '' and hour > now() - interval '24 hours'
      group by gateway_id, metric
     union all
     select 'last', gateway_id, metric, null, at, detail
       from mailbox_health_last where gateway_id = any(?::int[]) and provider = ''
     union all
     select 'alert', gateway_id, condition, null, opened_at, title
       from alert where gateway_id = any(?::int[]) and cleared_at is null`,
    [ids, ids, ids],
  );
  const out = new Map<number, GatewayHealth>();
  for (const g of gateways) {
    const h = new GatewayHealth();
    h.lastTest = g.lastTest ?? null;
    out.set(g.id, h);
  }
  const alerts = new Map<number, { condition: string; title: string }[]>();
  for (const r of rows) {
    const h = out.get(Number(r.gateway_id));
    if (!h) continue;
    if (r.source === 'count') apply(h, r.metric, r.n ?? 0);
    else if (r.source === 'last') latest(h, r.metric, r.at, r.detail);
    else
      alerts.set(Number(r.gateway_id), [
        ...(alerts.get(Number(r.gateway_id)) ?? []),
        { condition: r.metric, title: r.detail ?? '' },
      ]);
  }
  for (const g of gateways) judge(out.get(g.id)!, alerts.get(g.id) ?? [], g);
  return out;
}

function apply(h: GatewayHealth, metric: string, n: number): void {
  const c = h.last24h;
  if (metric === 'received') c.received = n;
  else if (metric === 'sent') c.sent = n;
  else if (metric === 'failed') c.failed = n;
  else if (metric === 'delivery_report') c.deliveryReports = n;
  else if (metric.startsWith(REFUSED)) {
    c.refused.push({ reason: metric.slice(REFUSED.length) as InboundReason, count: n });
    c.refused.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
  }
}

function latest(h: GatewayHealth, metric: string, at: Date | null, detail: string | null): void {
  const when = at ? new Date(at) : null;
  if (metric === 'received') h.lastInboundAt = when;
  else if (metric === 'sent') h.lastSentAt = when;
  else if (metric === 'failed') h.lastFailedAt = when;
  else if (metric === 'delivery_report') h.lastDeliveryReportAt = when;
  else if (metric === 'refused') {
    h.lastRefusedAt = when;
    const d = detail ? (JSON.parse(detail) as { code?: string; text?: string | null }) : {};
    h.lastRefusalCode = (d.code as InboundReason) ?? null;
    h.lastRefusalReason = d.text ?? null;
  }
}

/** The status and its reasons: open alerts first, then what is only worth a look. */
function judge(h: GatewayHealth, open: { condition: string; title: string }[], g: Gateway): void {
  h.problems = open.map((a) => a.title.replace(/^\[ALERT\] /, ''));
  const refused = h.last24h.refused.reduce((n, r) => n + r.count, 0);
  if (refused) h.problems.push(`${refused} webhook request${refused > 1 ? 's' : ''} refused in the last 24 h`);
  if (h.last24h.failed)
    h.problems.push(`${h.last24h.failed} message${h.last24h.failed > 1 ? 's' : ''} failed in the last 24 h`);
  if (g.lastTest && !g.lastTest.ok) h.problems.push('the last test failed');
  // An expired client certificate fails every call; one that only expires soon is worth a look.
  const expired = !!g.certificateExpiresAt && g.certificateExpiresAt.getTime() <= Date.now();
  if (expired && !open.some((a) => a.condition === AlertCondition.CERTIFICATE))
    h.problems.push('its client certificate has expired');
  if (expired || open.some((a) => FAILING.includes(a.condition))) h.status = GatewayHealthStatus.FAILING;
  else if (open.some((a) => a.condition === AlertCondition.SILENCE)) h.status = GatewayHealthStatus.SILENT;
  else if (h.problems.length) h.status = GatewayHealthStatus.WARNING;
}

interface Waiting {
  gateway: Gateway;
  resolve(h: GatewayHealth): void;
  reject(e: unknown): void;
}

/** The gateways whose health one request (its context) asked for, read together once the list is resolved. */
const batches = new WeakMap<object, Waiting[]>();

/**
 * The health of `g`, read in one statement with every other gateway of the same request (`ctx`) that asks in
 * this turn of the event loop: a `gateways { health }` list is one query, not one per mailbox.
 */
export function healthOf(ctx: { em: EntityManager }, g: Gateway): Promise<GatewayHealth> {
  return new Promise((resolve, reject) => {
    let batch = batches.get(ctx);
    if (!batch) {
      const waiting: Waiting[] = [];
      batch = waiting;
      batches.set(ctx, waiting);
      setImmediate(() => {
        batches.delete(ctx);
        readHealth(ctx.em.fork(), [...new Map(waiting.map((w) => [w.gateway.id, w.gateway])).values()]).then(
          (byId) => waiting.forEach((w) => w.resolve(byId.get(w.gateway.id)!)),
          (e) => waiting.forEach((w) => w.reject(e)),
        );
      });
    }
    batch.push({ gateway: g, resolve, reject });
  });
}
