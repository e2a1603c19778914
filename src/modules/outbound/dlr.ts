import type { EntityManager } from '@mikro-orm/postgresql';
import { ipMatcher } from '../../common/ip';
import type { SecretBox } from '../../common/secret-box';
import type { WebhookCall, WebhookOutcome } from '../../webhooks/edge';
import type { WebhookEventLog } from '../../webhooks/event-log';
import { tokenMatches } from '../../webhooks/token';
import { Gateway } from '../gateways/gateway.entity';
import { InboundOutcome, InboundReason } from '../inbound/inbound-event.entity';
import type { AppContext } from '../../app-context';
import type { ProviderId } from '../providers/catalog.types';
import { adapterFor } from '../providers/registry';
import { loadMailbox } from '../providers/runtime';
import { ProviderFailure, type DeliveryReport } from '../providers/adapter-outbound';
import { MessageStatus } from '../tickets/message.entity';
import { addJob, POLL_DLR_TASK, pollJobKey } from './jobs';
import { backoffMs, type OutboundSettings } from './outbound.settings';
import { httpOptions, idempotencyKey, messageIdOfKey } from './send';
import { announceStatus, transition, type OutboundTarget } from './status';
import type { Publish } from '../../graphql/pubsub';

/**
 * Delivery-report callbacks after the webhook edge: every report of a request is matched to its message and
 * checked against that message's mailbox (allowed IPs, webhook token) before any is applied, so a refused
 * request changes nothing. Each request leaves an event in the log (without a raw form to replay: a report
 * is not an inbound message).
 */
export class DeliveryReports {
  constructor(
    private readonly box: SecretBox,
    private readonly events: WebhookEventLog,
    private readonly log: { warn(o: object, msg: string): void },
    private readonly publish: Publish,
  ) {}

  async receive(em: EntityManager, call: WebhookCall): Promise<WebhookOutcome> {
    const adapter = adapterFor(call.provider);
    const reports = adapter.parseDeliveryReports!({
      method: call.req.method,
      query: call.req.query,
      body: call.req.body,
      headers: call.headers,
    });
    const targets: { target: ReportTarget; r: DeliveryReport }[] = [];
    for (const r of reports) {
      const target = await findReported(em, call.provider, r);
      if (!target) {
        // Answered like any other report: the provider would only retry a report we can never match.
        this.log.warn(
          {
            provider: call.provider,
            providerMessageId: r.providerMessageId,
            idx: r.idempotencyKey,
            providerStatus: r.providerStatus,
          },
          'delivery report for an unknown message',
        );
        continue;
      }
      // The mailbox's own guards: its allowed IPs and webhook token (the provider signs nothing).
      const g = target.gatewayId
        ? await em.findOne(Gateway, { id: target.gatewayId }, { populate: ['webhookTokenSecret'] })
        : null;
      if (g && !ipMatcher(g.allowedIps)(call.remoteIp)) {
        return this.refuse(
          em,
          call,
          InboundReason.IP_NOT_ALLOWED,
          `client IP ${call.remoteIp} is not in the allowed IP list of mailbox "${g.name}"`,
          g.id,
        );
      }
      if (g?.webhookTokenSecret && !tokenMatches(call.token, this.box.open(g.webhookTokenSecret))) {
        return this.refuse(
          em,
          call,
          InboundReason.BAD_TOKEN,
          `missing or wrong webhook token for mailbox "${g.name}"`,
          g.id,
        );
      }
      targets.push({ target, r });
    }
    const applied: number[] = [];
    for (const { target, r } of targets) if (await applyReport(em, this.publish, target, r)) applied.push(target.id);
    const eventId = await this.events.log(em, call, InboundOutcome.ACCEPTED, {
      gatewayId: targets[0]?.target.gatewayId ?? undefined,
      messageIds: applied,
    });
    return { kind: 'accepted', eventId };
  }

  /** Logs a request the edge could not read. */
  async unreadable(em: EntityManager, call: WebhookCall, reason: string): Promise<void> {
    await this.events.refusal(em, call, InboundOutcome.MALFORMED, {
      reasonCode: InboundReason.MALFORMED,
      reason,
      keepRaw: false,
    });
  }

  private async refuse(
    em: EntityManager,
    call: WebhookCall,
    reasonCode: InboundReason,
    reason: string,
    gatewayId: number,
  ): Promise<WebhookOutcome> {
    this.log.warn({ provider: call.provider, gatewayId, reasonCode }, 'delivery report refused');
    const eventId = await this.events.refusal(em, call, InboundOutcome.REJECTED, {
      reasonCode,
      reason,
      gatewayId,
      keepRaw: false,
    });
    return { kind: 'refused', reason, eventId };
  }
}

export interface ReportTarget {
  id: number;
  gatewayId: number | null;
  status: MessageStatus;
  providerMessageId: string | null;
}

/**
 * The outbound message a report is about: by the provider's id, else (SMSAPI, when a report carries
 * idx) by our idempotency key. Only messages of mailboxes of this provider count.
 */
export async function findReported(
  em: EntityManager,
  provider: ProviderId,
  r: DeliveryReport,
): Promise<ReportTarget | null> {
  const select = `select m.id, m.gateway_id as "gatewayId", m.status, m.provider_message_id as "providerMessageId"
                    from message m join gateway g on g.id = m.gateway_id
                   where m.direction = 'OUTBOUND' and g.provider = ?`;
  if (r.providerMessageId) {
    const [row] = await em.execute<ReportTarget[]>(
      `${select} and m.provider_message_id = ? order by m.id desc limit 1`,
      [provider, r.providerMessageId],
    );
    if (row) return row;
  }
  const id = r.idempotencyKey ? messageIdOfKey(r.idempotencyKey) : undefined;
  if (id !== undefined) {
    const [row] = await em.execute<(ReportTarget & { createdAt: Date })[]>(
      `${select} and m.id = ?`.replace('select m.id,', 'select m.id, m.created_at as "createdAt",'),
      [provider, id],
    );
    // The key also carries the creation time: a key from another installation does not match.
    if (row && r.idempotencyKey === idempotencyKey(row.id, new Date(row.createdAt))) return row;
  }
  return null;
}

/** Applies one report; returns whether it changed the message. */
export async function applyReport(
  em: EntityManager,
  publish: Publish,
  target: ReportTarget,
  r: DeliveryReport,
): Promise<boolean> {
  if (!r.status) return false;
  const negative = r.status !== MessageStatus.DELIVERED && r.status !== MessageStatus.SENT;
  const moved = await transition(em, target.id, r.status as OutboundTarget, {
    providerMessageId: target.providerMessageId ? undefined : r.providerMessageId,
    at: r.at,
    ...(negative
      ? {
          errorCode: r.providerStatus.slice(0, 50),
          errorMessage: r.reason ?? `the provider reported ${r.providerStatus}`,
        }
      : {}),
  });
  announceStatus(publish, moved);
  return moved !== null;
}

/**
 * The delivery-report polling job of one message (MultiInfo infosms, SerwerSMS messages/reports,
 * JustSend report/message): polls with a doubling interval until the state is final or the message is
 * older than the polling window.
 */
export async function runPollDlr(
  ctx: AppContext,
  settings: OutboundSettings,
  messageId: number,
  n: number,
): Promise<void> {
  const em = ctx.orm.em.fork();
  const [row] = await em.execute<
    { status: MessageStatus; provider_message_id: string | null; gateway_id: number | null; created_at: Date }[]
  >(`select status, provider_message_id, gateway_id, created_at from message where id = ? and direction = 'OUTBOUND'`, [
    messageId,
  ]);
  if (!row || !row.gateway_id || !row.provider_message_id) return;
  if (row.status !== MessageStatus.SENT && row.status !== MessageStatus.QUEUED) return;
  const mb = await loadMailbox(em, ctx.services.gateways, row.gateway_id);
  const adapter = adapterFor(mb.provider);
  if (!adapter.pollDeliveryReport) return;
  let final = false;
  try {
    const r = await adapter.pollDeliveryReport(mb, row.provider_message_id, httpOptions(settings));
    await applyReport(
      em,
      ctx.publish,
      { id: messageId, gatewayId: row.gateway_id, status: row.status, providerMessageId: row.provider_message_id },
      r,
    );
    final = !!r.final || (r.status !== null && r.status !== MessageStatus.SENT);
  } catch (e) {
    if (!(e instanceof ProviderFailure)) throw e;
    ctx.log.warn({ messageId, code: e.code, kind: e.kind }, 'outbound: delivery-report poll failed; will poll again');
  }
  if (final) return;
  if (Date.now() - new Date(row.created_at).getTime() > settings.dlrPollForMs) {
    ctx.log.info({ messageId }, 'outbound: no final delivery report within the polling window; stopped polling');
    return;
  }
  await addJob(
    em,
    POLL_DLR_TASK,
    { messageId, n: n + 1 },
    { delayMs: backoffMs(settings.dlrPollBaseMs, settings.dlrPollMaxMs, n + 1), jobKey: pollJobKey(messageId) },
  );
}
