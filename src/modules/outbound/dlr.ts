import type { EntityManager } from '@mikro-orm/postgresql';
import type { WebhookCall, WebhookOutcome } from '../../webhooks/edge';
import type { WebhookEventLog } from '../../webhooks/event-log';
import { InboundOutcome, InboundReason } from '../inbound/inbound-event.entity';
import { MAILBOX_CACHE_MS } from '../inbound/inbound.service';
import { admits, type InboundMailboxes } from '../inbound/mailboxes';
import type { AppContext } from '../../app-context';
import { adapterFor } from '../providers/registry';
import { loadMailbox } from '../providers/runtime';
import { ProviderFailure, type DeliveryReport } from '../providers/adapter-outbound';
import { MessageStatus } from '../tickets/message.entity';
import { addJob, POLL_DLR_TASK, pollJobKey } from './jobs';
import { backoffMs, type OutboundSettings } from './outbound.settings';
import { httpOptions, idempotencyKeyOf } from './send';
import { announceStatus, transition, type OutboundTarget, type StatusSink, statusSinkOf } from './status';
import type { ProviderId } from '../providers/catalog.types';
import { openTicketsOf, type OptOutService } from '../optouts/optout.service';
import { OptOutSource } from '../optouts/optout.entity';

/**
 * Delivery-report callbacks after the webhook edge. The mailboxes the request may speak for are decided
 * first (its token, else IP_LIST_ONLY or legacy mailboxes that admit its address), before anything is looked
 * up; a refused request changes nothing and is answered alike whatever ids it names. Reports are matched
 * only among the messages those mailboxes have sent, so an id or key of another mailbox, or of a message
 * still queued, matches nothing; known and unknown ids get the same answer. Each request leaves an event in
 * the log (without a raw form to replay: a report is not an inbound message).
 */
export class DeliveryReports {
  constructor(
    private readonly mailboxes: InboundMailboxes,
    private readonly events: WebhookEventLog,
    private readonly log: { warn(o: object, msg: string): void },
    /** Where the status changes go after their commit (the event bus and the metrics). */
    private readonly sink: StatusSink,
    private readonly optOuts: OptOutService,
  ) {}

  async receive(em: EntityManager, call: WebhookCall): Promise<WebhookOutcome> {
    const adapter = adapterFor(call.provider);
    const reports = adapter.parseDeliveryReports!({
      method: call.req.method,
      query: call.req.query,
      body: call.req.body,
      headers: call.headers,
    });
    const max = adapter.maxReportsPerRequest ?? 1;
    if (reports.length > max) {
      const reason = `a request carries at most ${max} delivery report${max > 1 ? 's' : ''}, this one ${reports.length}`;
      const eventId = await this.events.refusal(em, call, InboundOutcome.MALFORMED, {
        reasonCode: InboundReason.MALFORMED,
        reason,
        keepRaw: false,
      });
      return { kind: 'malformed', reason, eventId };
    }
    // Mailboxes from a cache up to a second old, but a refusal is decided on fresh ones (a new token works at once).
    const cached = await this.mailboxes.ofProvider(em, call.provider, MAILBOX_CACHE_MS);
    let list = cached.list;
    let refusals = list.map((m) => admits(m, call));
    if (!cached.fresh && !refusals.includes(null)) {
      list = (await this.mailboxes.ofProvider(em, call.provider, 0)).list;
      refusals = list.map((m) => admits(m, call));
    }
    const admitted = list.filter((_, i) => refusals[i] === null);
    if (!admitted.length) {
      // The likeliest reason: a wrong token names no mailbox; otherwise the one refusal there was.
      const one = refusals.find((r) => r?.code === InboundReason.BAD_TOKEN) ?? refusals.find((r) => r !== null);
      const reasonCode = one?.code ?? InboundReason.NO_MAILBOX;
      const reason = call.token
        ? 'the webhook token is not the token of any mailbox of this provider'
        : (one?.reason ?? 'no mailbox of this provider exists');
      this.log.warn({ reqId: call.requestId, provider: call.provider, reasonCode }, 'delivery report refused');
      const eventId = await this.events.refusal(em, call, InboundOutcome.REJECTED, {
        reasonCode,
        reason,
        keepRaw: false,
      });
      return { kind: 'refused', reason, eventId };
    }
    const gatewayIds = admitted.map((m) => m.id);
    const applied: number[] = [];
    for (const r of reports) {
      const target = await findReported(em, gatewayIds, r);
      if (!target) {
        // Answered like any other report: the provider would only retry a report we can never match.
        this.log.warn(
          {
            reqId: call.requestId,
            provider: call.provider,
            providerMessageId: r.providerMessageId,
            idx: r.idempotencyKey,
            providerStatus: r.providerStatus,
          },
          'delivery report for an unknown message',
        );
        continue;
      }
      if (await applyReport(em, this.sink, call.provider, target, r, this.optOuts)) applied.push(target.id);
    }
    const eventId = await this.events.log(em, call, InboundOutcome.ACCEPTED, {
      gatewayId: admitted.length === 1 ? admitted[0].id : undefined,
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
}

export interface ReportTarget {
  id: number;
  gatewayId: number | null;
  status: MessageStatus;
  providerMessageId: string | null;
}

/**
 * The sent message a report is about, among the messages of the given mailboxes: by the provider's id, else
 * (SMSAPI, when a report carries idx) by our idempotency key. A message still QUEUED is not there yet for
 * reports: only a sent message can be reported on.
 */
export async function findReported(
  em: EntityManager,
  gatewayIds: number[],
  r: DeliveryReport,
): Promise<ReportTarget | null> {
  const select = `select m.id, m.gateway_id as "gatewayId", m.status, m.provider_message_id as "providerMessageId", m.idempotency_key, m.created_at
                    from message m
                   where m.direction = 'OUTBOUND' and m.status <> 'QUEUED' and m.gateway_id = any(?::int[])`;
  const ids = `{${gatewayIds.join(',')}}`;
  if (r.providerMessageId) {
    const [row] = await em.execute<ReportTarget[]>(
      `${select} and m.provider_message_id = ? order by m.id desc limit 1`,
      [ids, r.providerMessageId],
    );
    if (row) return row;
  }
  if (!r.idempotencyKey) return null;
  // A kept key, or the derived key of a message from before keys were kept (its id is in it).
  const legacyId = /^sd([0-9]{1,9})x[0-9a-z]+$/.exec(r.idempotencyKey)?.[1];
  const [row] = await em.execute<(ReportTarget & { idempotency_key: string | null; created_at: Date })[]>(
    `${select} and (m.idempotency_key = ? or (m.idempotency_key is null and m.id = ?)) limit 1`,
    [ids, r.idempotencyKey, legacyId ? Number(legacyId) : null],
  );
  return row &&
    idempotencyKeyOf({ id: row.id, created_at: row.created_at, idempotency_key: row.idempotency_key }) ===
      r.idempotencyKey
    ? row
    : null;
}

/** Applies one report (from `provider`, the mailbox's); returns whether it changed the message. */
export async function applyReport(
  em: EntityManager,
  sink: StatusSink,
  provider: ProviderId,
  target: ReportTarget,
  r: DeliveryReport,
  optOuts: OptOutService,
): Promise<boolean> {
  if (target.gatewayId !== null) sink.health.deliveryReport(target.gatewayId);
  // Recorded whatever the status does: an opt-out after a final status is still the recipient's wish. The
  // first such report of a message opts its number out in the registry, in the same statement.
  const optedOut = r.optedOut
    ? await em.execute<{ id: number; to_address: string; changed: boolean }[]>(
        `with m as (update message set opted_out_at = coalesce(?::timestamptz, now()), updated_at = now()
                     where id = ? and opted_out_at is null returning id, to_address, gateway_id)
         select m.id, m.to_address, opt_out_set(p_number => m.to_address, p_opted_out => true, p_source => 'PROVIDER_REPORT',
                                                p_gateway_id => m.gateway_id, p_reason => ?) as changed from m`,
        [r.at ?? null, target.id, r.providerStatus.slice(0, 100) || null],
      )
    : [];
  if (optedOut[0]?.changed)
    optOuts.changed(
      { source: OptOutSource.PROVIDER_REPORT, optedOut: true },
      await openTicketsOf(em, optedOut[0].to_address),
    );
  if (!r.status) return optedOut.length > 0;
  const negative = r.status !== MessageStatus.DELIVERED && r.status !== MessageStatus.SENT;
  const moved = await transition(em, { id: target.id, provider }, r.status as OutboundTarget, {
    providerMessageId: target.providerMessageId ? undefined : r.providerMessageId,
    at: r.at,
    ...(negative
      ? {
          errorCode: r.providerStatus.slice(0, 50),
          errorMessage: r.reason ?? `the provider reported ${r.providerStatus}`,
        }
      : {}),
  });
  announceStatus(sink, moved);
  return moved !== null || optedOut.length > 0;
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
  if (row.status !== MessageStatus.SENT) return;
  const mb = await loadMailbox(em, ctx.services.gateways, row.gateway_id);
  const adapter = adapterFor(mb.provider);
  const poll = adapter.pollDeliveryReport;
  if (!poll) return;
  const providerMessageId = row.provider_message_id;
  let final = false;
  try {
    const r = await ctx.metrics.providerCall(mb.provider, 'poll_report', () =>
      poll.call(adapter, mb, providerMessageId, httpOptions(settings)),
    );
    await applyReport(
      em,
      statusSinkOf(ctx),
      mb.provider,
      { id: messageId, gatewayId: row.gateway_id, status: row.status, providerMessageId: row.provider_message_id },
      r,
      ctx.services.optOuts,
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
