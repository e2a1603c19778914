import type { EntityManager } from '@mikro-orm/postgresql';
import type { SecretBox } from '../../common/secret-box';
import { clip } from '../../common/text';
import { NotFoundError } from '../../common/errors';
import type { InboundSms, WebhookHandler } from '../providers/adapter-inbound';
import { catalogEntry } from '../providers/catalog';
import { ProviderId } from '../providers/catalog.types';
import { adapterFor } from '../providers/registry';
import { InboundEvent, InboundOutcome, InboundReason } from './inbound-event.entity';
import { NotReplayableError } from './inbound.errors';
import { admits, InboundMailboxes, type InboundMailbox } from './mailboxes';
import { normaliseDestination } from './numbers';
import { inTransaction, sqlOf } from '../../db/raw-sql';
import { openTicketsOf, type OptOutService } from '../optouts/optout.service';
import { announceStatus } from '../outbound/status';
import { MessageStatus } from '../tickets/message.entity';
import { OptOutSource } from '../optouts/optout.entity';
import type { WebhookCall, WebhookOutcome } from '../../webhooks/edge';
import { fileMeta, type WebhookEventLog } from '../../webhooks/event-log';
import type { Publish } from '../../graphql/pubsub';
import type { Metrics } from '../metrics/metrics';
import { announceStored, isTwinConflict, storeInbound, type StoredMessage } from './store';
import type { HealthCounters } from '../gateways/health/counters';

/** One webhook request as the edge hands it over (or as a replay rebuilds it). */
export type Delivery = WebhookCall;

/** How old the cached mailboxes of a provider may be when a webhook is accepted with them. */
export const MAILBOX_CACHE_MS = 1000;

class Refusal {
  constructor(
    readonly code: InboundReason,
    readonly reason: string,
    readonly gatewayId?: number,
  ) {}
}

/**
 * The inbound path after HTTP: parse with the provider's adapter, find the mailbox (provider + destination
 * number), check it may receive (incoming active, client IP, webhook token, provider signature), then store
 * everything in one transaction and answer only after the commit. Every request, accepted or not, leaves
 * an inbound event.
 */
export class InboundService {
  readonly mailboxes: InboundMailboxes;

  /**
   * `health`: stored messages are counted for their mailbox; `publish`: where stored messages are announced
   * after their commit (the app's event bus); `metrics` counts the new ones.
   */
  constructor(
    private readonly box: SecretBox,
    private readonly events: WebhookEventLog,
    private readonly metrics: Metrics,
    private readonly health: HealthCounters,
    private readonly publish: Publish | undefined,
    private readonly optOuts: OptOutService,
  ) {
    this.mailboxes = new InboundMailboxes(box);
  }

  /** Handles a webhook request. Throws only when the database fails (the edge answers 503). */
  async receive(em: EntityManager, d: Delivery): Promise<WebhookOutcome> {
    const handler = adapterFor(d.provider).webhook;
    if (!handler) {
      const reason = `${catalogEntry(d.provider).displayName} does not push inbound SMS to smsdesk (it is polled, or not supported)`;
      const eventId = await this.events.refusal(em, d, InboundOutcome.REJECTED, {
        reasonCode: InboundReason.UNSUPPORTED,
        reason,
      });
      return { kind: 'unsupported', reason, eventId };
    }
    // Mailboxes from a cache up to a second old, but every refusal is decided on fresh ones: a new or
    // fixed mailbox works at once, and only an accept can be a second late (e.g. just after switching
    // incoming off). Replays always read fresh.
    let candidates = await this.mailboxes.ofProvider(em, d.provider, d.replayOf ? 0 : MAILBOX_CACHE_MS);
    let routed = this.route(handler, d, candidates.list);
    if (!('mailbox' in routed) && !candidates.fresh) {
      candidates = await this.mailboxes.ofProvider(em, d.provider, 0);
      routed = this.route(handler, d, candidates.list);
    }
    const secretFields = handler.secretFields;
    if ('malformed' in routed) {
      const eventId = await this.events.refusal(em, d, InboundOutcome.MALFORMED, {
        reasonCode: InboundReason.MALFORMED,
        reason: routed.malformed,
        secretFields,
      });
      return { kind: 'malformed', reason: routed.malformed, eventId };
    }
    if (routed instanceof Refusal) {
      const eventId = await this.events.refusal(em, d, InboundOutcome.REJECTED, {
        reasonCode: routed.code,
        reason: routed.reason,
        gatewayId: routed.gatewayId,
        secretFields,
      });
      return { kind: 'refused', reason: routed.reason, eventId };
    }
    const { mailbox, messages } = routed;
    const destination = mailbox.destination!;
    let result: { outcome: InboundOutcome; eventId: number };
    let stored: StoredMessage[] = [];
    // This instance's copy of the lists: no database read unless they changed.
    const keywords = await this.optOuts.keywords(sqlOf(em));
    try {
      result = await onceMoreOnTwin(() =>
        inTransaction(em, async (tx) => {
          // The common case, one message per request: its event goes into the message's last statement,
          // which also commits.
          const single = messages.length === 1;
          const event = single
            ? this.events.record(d, InboundOutcome.ACCEPTED, { gatewayId: mailbox.id, secretFields })
            : undefined;
          stored = [];
          for (const sms of messages)
            stored.push(
              await storeInbound(tx, { id: mailbox.id, destination }, sms, { event, last: single, keywords }),
            );
          const outcome = stored.every((s) => s.duplicate) ? InboundOutcome.DUPLICATE : InboundOutcome.ACCEPTED;
          const eventId =
            single && stored[0].eventId !== undefined
              ? stored[0].eventId
              : await this.events.insert(tx.commitWith, d, outcome, {
                  gatewayId: mailbox.id,
                  messageIds: stored.map((s) => s.messageId),
                  secretFields,
                });
          return { outcome, eventId };
        }),
      );
    } catch (e) {
      // Nothing was stored (rolled back). Note it when the database still answers; the caller answers 5xx,
      // so the provider retries and the admin can replay.
      await this.events
        .log(em, d, InboundOutcome.FAILED, {
          reasonCode: InboundReason.STORE_FAILED,
          reason: 'storing the message failed; the provider was asked to retry',
          gatewayId: mailbox.id,
          keepRaw: true,
          secretFields,
        })
        .catch(() => {});
      throw e;
    }
    await this.announce(em, { id: mailbox.id, provider: d.provider }, stored);
    for (let i = 0; i < stored.length; i++)
      if (!stored[i].duplicate) this.metrics.inboundStored(d.provider, messages[i].kind);
    this.health.received(mailbox.id, stored.filter((s) => !s.duplicate).length);
    return {
      kind: result.outcome === InboundOutcome.DUPLICATE ? 'duplicate' : 'accepted',
      eventId: result.eventId,
      mailbox: mailbox.mailbox(),
    };
  }

  /** Provider + destination number → mailbox, then its checks. */
  private route(
    handler: WebhookHandler,
    d: Delivery,
    candidates: InboundMailbox[],
  ): { malformed: string } | Refusal | { mailbox: InboundMailbox; messages: InboundSms[] } {
    const name = catalogEntry(d.provider).displayName;
    // Parse once, or (generic HTTP) once per mailbox with its own field mapping.
    const parses: { mailbox?: InboundMailbox; messages: InboundSms[] }[] = [];
    const errors: string[] = [];
    if (handler.perMailbox) {
      for (const c of candidates) {
        const p = handler.parse(d.req, c.mailbox());
        if (p.ok) parses.push({ mailbox: c, messages: p.messages });
        else errors.push(`${c.name}: ${p.reason}`);
      }
      if (!parses.length)
        return {
          malformed: candidates.length
            ? errors.join('; ')
            : `no ${name} mailbox is configured, so the request cannot be read`,
        };
    } else {
      const p = handler.parse(d.req);
      if (!p.ok) return { malformed: p.reason };
      parses.push({ messages: p.messages });
    }
    if (parses.every((p) => p.messages.length === 0)) return { malformed: 'the request holds no message' };

    // Every message of a request must go to one mailbox (providers send one message per request).
    let matched: InboundMailbox[] = [];
    let messages: InboundSms[] = [];
    let sentTo = '';
    for (const p of parses) {
      const pool = p.mailbox ? [p.mailbox] : candidates;
      for (const c of pool) {
        if (!c.destination) continue;
        const all = p.messages.every(
          (m) => m.to !== undefined && normaliseDestination(m.to, c.prefixesToRemove) === c.destination,
        );
        if (all) {
          matched.push(c);
          messages = p.messages;
        }
      }
      sentTo ||= p.messages[0]?.to ?? '';
    }
    if (!matched.length)
      return new Refusal(
        InboundReason.NO_MAILBOX,
        `no ${name} mailbox has the destination number ${sentTo ? clip(sentTo) : '(none given)'} (after removing its prefixes)`,
      );
    const active = matched.filter((c) => c.incomingActive);
    if (!active.length)
      return new Refusal(
        InboundReason.INCOMING_INACTIVE,
        `mailbox "${matched[0].name}" does not have incoming messages switched on`,
        matched[0].id,
      );
    matched = active;
    const mailbox = matched[0];
    const refused = admits(mailbox, d);
    if (refused) return new Refusal(refused.code, refused.reason, mailbox.id);
    const bad = handler.verify?.(d.req, mailbox.mailbox());
    if (bad) return new Refusal(InboundReason.BAD_SIGNATURE, bad, mailbox.id);
    return { mailbox, messages };
  }

  /** Stores one polled message (the poller knows the mailbox); logs an event for new ones only. */
  async storePolled(
    em: EntityManager,
    mailbox: { id: number; provider: ProviderId; destination: string },
    sms: InboundSms,
  ): Promise<StoredMessage> {
    const keywords = await this.optOuts.keywords(sqlOf(em));
    const stored = await onceMoreOnTwin(() =>
      inTransaction(em, async (tx) => {
        const d: Delivery = {
          provider: mailbox.provider,
          path: 'poll',
          remoteIp: '',
          headers: {},
          req: {
            method: 'POLL',
            variant: sms.kind === 'MMS' ? 'mms' : 'sms',
            query: {},
            body: undefined,
            fields: {},
            files: [],
          },
        };
        const payload = {
          message: {
            from: sms.from,
            to: sms.to,
            text: sms.text,
            subject: sms.subject,
            providerMessageId: sms.providerMessageId,
            providerTimestamp: sms.providerTimestamp,
            attachments: (sms.attachments ?? []).map(fileMeta),
          },
        };
        // The event is written only with a new message: re-reading a poll window must not flood the log.
        return storeInbound(tx, { id: mailbox.id, destination: mailbox.destination }, sms, {
          event: this.events.record(d, InboundOutcome.ACCEPTED, { gatewayId: mailbox.id, payload }),
          last: true,
          keywords,
        });
      }),
    );
    await this.announce(em, mailbox, [stored]);
    if (!stored.duplicate) {
      this.metrics.inboundStored(mailbox.provider, sms.kind);
      this.health.received(mailbox.id);
    }
    return stored;
  }

  /**
   * Reprocesses a refused (or malformed, or failed) request from its sealed raw form, against the mailbox
   * configuration as it is now: the IP is checked against the stored client IP and the token against the
   * token the request carried. Writes a new event that points at the old one.
   */
  async replay(em: EntityManager, id: number): Promise<InboundEvent> {
    const ev = await em.findOne(InboundEvent, { id }, { populate: ['rawSealed'] });
    if (!ev) throw new NotFoundError('InboundEvent', id);
    if (ev.outcome === InboundOutcome.ACCEPTED || ev.outcome === InboundOutcome.DUPLICATE) {
      throw new NotReplayableError(
        `inbound event ${id} was ${ev.outcome.toLowerCase()}; only refused, malformed or failed requests can be replayed`,
      );
    }
    if (!ev.rawSealed) throw new NotReplayableError(`inbound event ${id} kept no request to replay`);
    const raw = this.events.openRaw(ev.rawSealed, ev.id);
    if ('notReplayable' in raw)
      throw new NotReplayableError(`inbound event ${id} was ${raw.notReplayable}, so it cannot be replayed`);
    const answer = await this.receive(em, { ...raw.call, replayOf: ev.id });
    await em.execute(`update inbound_event set replayed_at = now() where id = ?`, [ev.id]);
    const created = await em.fork().findOne(InboundEvent, { id: answer.eventId! }, { populate: ['gateway'] });
    return created!;
  }

  /** After the commit: the stored messages, and the opt-out changes keywords among them made. */
  /**
   * After the commit: the stored messages' notifications and tickets; for a keyword that changed its sender's
   * consent, the change (counted, and shown on the number's other open tickets) and the confirmation queued
   * with it (QUEUED, which wakes the senders of every instance).
   */
  private async announce(
    em: EntityManager,
    mailbox: { id: number; provider: ProviderId },
    stored: StoredMessage[],
  ): Promise<void> {
    announceStored(this.publish, stored);
    for (const s of stored) {
      if (s.optedOut === undefined) continue;
      const others = s.optOutNumber
        ? (await openTicketsOf(em, s.optOutNumber).catch(() => [])).filter((t) => t.ticketId !== s.ticketId)
        : [];
      this.optOuts.changed({ source: OptOutSource.KEYWORD, optedOut: s.optedOut }, others);
      if (s.confirmationId !== undefined && this.publish)
        announceStatus(
          { publish: this.publish, metrics: this.metrics, health: this.health },
          {
            messageId: s.confirmationId,
            ticketId: s.ticketId ?? null,
            gatewayId: mailbox.id,
            status: MessageStatus.QUEUED,
            provider: mailbox.provider,
          },
        );
    }
  }

  /** Logs a request the edge could not read. */
  async unreadable(em: EntityManager, d: Delivery, reason: string): Promise<void> {
    await this.events.refusal(em, d, InboundOutcome.MALFORMED, { reasonCode: InboundReason.MALFORMED, reason });
  }
}

/** Runs a store transaction again once when a twin of its message was committed meanwhile (storeInbound). */
async function onceMoreOnTwin<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isTwinConflict(e)) return fn();
    throw e;
  }
}
