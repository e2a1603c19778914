import type { EntityManager } from '@mikro-orm/postgresql';
import type { AlertSettings } from '../../../config';
import { catalogEntry } from '../../providers/catalog';
import type { ProviderId } from '../../providers/catalog.types';
import { InboundReason } from '../../inbound/inbound-event.entity';
import { RECIPIENT_FAILURES } from '../../outbound/status';
import { withoutPhoneNumbers } from '../../../common/text';

/** What an alert is about; also the health status it means for its mailbox (gateways/health). */
export enum AlertCondition {
  REFUSALS = 'refusals',
  SEND_FAILURES = 'send_failures',
  QUEUE_WAITING = 'queue_waiting',
  SILENCE = 'silence',
  CERTIFICATE = 'certificate',
}

/** A condition that holds at the time of a check. `key` names it: one open alert per key. */
export interface ActiveCondition {
  key: string;
  condition: AlertCondition;
  gatewayId: number | null;
  provider: string | null;
  /** `[ALERT] …`, at most 200 characters. */
  title: string;
  /** What happened and what to fix. */
  body: string;
  /**
   * Below the threshold that raises the alert, but not over either: an open alert stays open, none is raised.
   * Refusals use it, so that a slow hour (fewer refusals in the window) is not taken for a fix: their alert
   * clears once a whole window has passed without one.
   */
  holding?: boolean;
}

/** Refusals that a configuration fix ends, and the fix. */
const REFUSAL_FIXES: Partial<Record<InboundReason, { what: string; fix: string }>> = {
  [InboundReason.BAD_TOKEN]: {
    what: 'wrong webhook token',
    fix: "Paste the mailbox's current webhook URL (it carries the token) into the provider's panel, or rotate the token and paste the new URL.",
  },
  [InboundReason.IP_NOT_ALLOWED]: {
    what: 'IP address not allowed',
    fix: "Add the provider's current addresses (the refused client IP is in the inbound event log) to the mailbox's allowed IPs; behind a proxy, check TRUSTED_PROXIES.",
  },
  [InboundReason.INCOMING_INACTIVE]: {
    what: 'incoming switched off',
    fix: 'Switch incoming on for the mailbox, or stop the provider from forwarding messages to it.',
  },
  [InboundReason.NO_MAILBOX]: {
    what: 'unknown destination number',
    fix: 'Give a mailbox of this provider the destination number the provider sends to (see the inbound event log), or correct its prefixes to remove.',
  },
};

export const ALERTED_REFUSALS = Object.keys(REFUSAL_FIXES) as InboundReason[];

const AFTER_FIX = ' Then replay the refused requests from the inbound event log (replayInboundEvent).';

const title = (t: string) => `[ALERT] ${t}`.slice(0, 200);
const mailbox = (name: string) => `Mailbox "${name}"`;
const ofMailbox = (name: string) => `mailbox "${name}"`;
const minutes = (ms: number) => `${Math.round(ms / 60_000)} minutes`;

/**
 * Every alert condition that holds at `now`, read from the durable tables (inbound event log, messages,
 * mailboxes, the health summary), so every instance sees the same and a check can be run for any time.
 */
export async function activeConditions(em: EntityManager, s: AlertSettings, now: Date): Promise<ActiveCondition[]> {
  const [refusals, failures, waiting, silent, certs] = await Promise.all([
    em.execute<
      {
        provider: ProviderId;
        gateway_id: number | null;
        name: string | null;
        reason_code: InboundReason;
        n: number;
        reason: string | null;
      }[]
    >(
      `select e.provider, e.gateway_id, g.name, e.reason_code, count(*)::int as n, (array_agg(e.reason order by e.id desc))[1] as reason
         from inbound_event e left join gateway g on g.id = e.gateway_id
        where e.received_at > ?::timestamptz - (? * interval '1 millisecond') and e.received_at <= ?::timestamptz
          and e.outcome = 'REJECTED' and e.reason_code::text = any(?::text[])
        group by e.provider, e.gateway_id, g.name, e.reason_code`,
      [now, s.refusalWindowMs, now, `{${ALERTED_REFUSALS.join(',')}}`],
    ),
    em.execute<{ id: number; name: string; error: string | null }[]>(
      `select g.id, g.name, f.error
         from gateway g
         cross join lateral (
           select count(*) filter (where status = 'FAILED') as failed, count(*) as n,
                  (array_agg(error_message order by id desc))[1] as error
             from (select id, status, error_message from message
                    where gateway_id = g.id and direction = 'OUTBOUND' and status <> 'QUEUED'
                      and (error_code is null or error_code <> all(?::text[]))
                    order by id desc limit ?) last
         ) f
        where f.n = ? and f.failed = ?`,
      [`{${RECIPIENT_FAILURES.join(',')}}`, s.sendFailures, s.sendFailures, s.sendFailures],
    ),
    em.execute<{ id: number; name: string; n: number; oldest: Date; error: string | null }[]>(
      `select g.id, g.name, count(*)::int as n, min(m.created_at) as oldest,
              (array_agg(m.error_message order by m.id desc))[1] as error
         from message m join gateway g on g.id = m.gateway_id
        where m.direction = 'OUTBOUND' and m.status = 'QUEUED' and m.created_at <= ?::timestamptz
        group by g.id, g.name
       having min(m.created_at) < ?::timestamptz - (? * interval '1 millisecond')`,
      [now, now, s.queueWaitMs],
    ),
    em.execute<{ id: number; name: string; hours: number; since: Date; ever: boolean }[]>(
      `select g.id, g.name, g.silence_alert_hours as hours, l.at is not null as ever,
              greatest(l.at, g.silence_alert_since, g.created_at) as since
         from gateway g
         left join mailbox_health_last l on l.gateway_id = g.id and l.provider = '' and l.metric = 'received'
        where g.incoming_active and g.silence_alert_hours is not null
          and greatest(l.at, g.silence_alert_since, g.created_at) < ?::timestamptz - g.silence_alert_hours * interval '1 hour'`,
      [now],
    ),
    em.execute<{ id: number; name: string; expires: Date }[]>(
      `select id, name, certificate_expires_at as expires from gateway
        where certificate_expires_at is not null and certificate_expires_at < ?::timestamptz + ? * interval '1 day'`,
      [now, s.certificateDays],
    ),
  ]);

  const out: ActiveCondition[] = [];
  for (const r of refusals) {
    const f = REFUSAL_FIXES[r.reason_code]!;
    const who = r.gateway_id !== null ? mailbox(r.name ?? `#${r.gateway_id}`) : catalogEntry(r.provider).displayName;
    const to =
      r.gateway_id !== null ? `to ${ofMailbox(r.name ?? `#${r.gateway_id}`)}` : `from ${who} that matched no mailbox`;
    out.push({
      key: `${AlertCondition.REFUSALS}:${r.gateway_id !== null ? `gateway:${r.gateway_id}` : `provider:${r.provider}`}:${r.reason_code}`,
      condition: AlertCondition.REFUSALS,
      gatewayId: r.gateway_id,
      provider: r.gateway_id === null ? r.provider : null,
      title: title(`${who}: webhooks refused (${f.what})`),
      holding: r.n < s.refusals,
      body: `${r.n} webhook requests ${to} were refused within ${minutes(s.refusalWindowMs)} (${r.reason_code}${r.reason ? `: ${withoutPhoneNumbers(r.reason)}` : ''}), so their messages did not arrive. ${f.fix}${AFTER_FIX}`,
    });
  }
  for (const r of failures) {
    out.push({
      key: `${AlertCondition.SEND_FAILURES}:gateway:${r.id}`,
      condition: AlertCondition.SEND_FAILURES,
      gatewayId: r.id,
      provider: null,
      title: title(`${mailbox(r.name)}: sending fails`),
      body: `The last ${s.sendFailures} messages sent through ${ofMailbox(r.name)} failed${r.error ? ` (last: ${withoutPhoneNumbers(r.error)})` : ''}. Check its credentials, sender name and balance with testGateway, and the provider's panel.`,
    });
  }
  for (const r of waiting) {
    out.push({
      key: `${AlertCondition.QUEUE_WAITING}:gateway:${r.id}`,
      condition: AlertCondition.QUEUE_WAITING,
      gatewayId: r.id,
      provider: null,
      title: title(`${mailbox(r.name)}: messages waiting to be sent`),
      body: `${r.n} message${r.n > 1 ? 's' : ''} through ${ofMailbox(r.name)} ${r.n > 1 ? 'have' : 'has'} waited unsent since ${new Date(r.oldest).toISOString()}, over ${minutes(s.queueWaitMs)}${r.error ? ` (last error: ${withoutPhoneNumbers(r.error)})` : ''}: the provider is probably down or refusing us. smsdesk keeps retrying; check the provider's status page and testGateway.`,
    });
  }
  for (const r of silent) {
    out.push({
      key: `${AlertCondition.SILENCE}:gateway:${r.id}`,
      condition: AlertCondition.SILENCE,
      gatewayId: r.id,
      provider: null,
      title: title(`${mailbox(r.name)}: nothing received for ${r.hours} h`),
      body: `${mailbox(r.name)} received no message since ${new Date(r.since).toISOString()}${r.ever ? '' : ' (none yet since the alert was set)'}, longer than its silenceAlertHours (${r.hours}). Check that the provider still forwards to smsdesk (its panel, the webhook URL) and the inbound event log for refusals.`,
    });
  }
  for (const r of certs) {
    const at = new Date(r.expires);
    const past = at.getTime() <= now.getTime();
    out.push({
      key: `${AlertCondition.CERTIFICATE}:gateway:${r.id}`,
      condition: AlertCondition.CERTIFICATE,
      gatewayId: r.id,
      provider: null,
      title: title(
        `${mailbox(r.name)}: client certificate ${past ? 'expired' : 'expires'} ${at.toISOString().slice(0, 10)}`,
      ),
      body: `The client certificate of ${ofMailbox(r.name)} ${past ? 'expired' : 'expires'} at ${at.toISOString()}; after that the provider refuses every call. Order a new certificate from the provider and upload it with updateGateway (certificatePem).`,
    });
  }
  return out;
}
