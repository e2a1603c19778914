import type { AppContext } from '../../app-context';
import { catalogEntry } from '../providers/catalog';
import { adapterFor, providerFor } from '../providers/registry';
import { loadMailbox } from '../providers/runtime';
import { ProviderFailure, type OutboundSms, type SendEncoding } from '../providers/adapter-outbound';
import type { Mailbox } from '../providers/adapter';
import type { ProviderId } from '../providers/catalog.types';
import type { HttpOptions } from '../providers/outbound-http';
import { MessageStatus } from '../tickets/message.entity';
import { backoffMs, type OutboundSettings } from './outbound.settings';
import { announceStatus, statusSinkOf, transition } from './status';
import { NotFoundError } from '../../common/errors';
import { optedOutSentence, type OptOutFacts } from '../optouts/optout.service';

/**
 * The idempotency key a message gives its provider: the random one kept with it (message_add.sql), or for a
 * message from before keys were kept, its derived one: letters and digits only (SerwerSMS allows
 * [a-zA-Z0-9], 3–50), the message id plus its creation time.
 */
export function idempotencyKeyOf(row: { id: number; created_at: Date; idempotency_key: string | null }): string {
  return row.idempotency_key ?? `sd${row.id}x${new Date(row.created_at).getTime().toString(36)}`;
}

export function httpOptions(s: OutboundSettings): HttpOptions {
  return { timeoutMs: s.httpTimeoutMs, extraCa: s.extraCa, allowPrivateAddresses: s.allowPrivateAddresses };
}

/** message.provider_message_id's length. */
const MAX_PROVIDER_ID = 100;

/** A message this instance claimed for one attempt (see CLAIM in sender.ts). */
export interface Claimed {
  id: number;
  to_address: string;
  text: string;
  encoding: SendEncoding | null;
  parts: number;
  /** This attempt's number (the claim counted it). */
  attempts: number;
  created_at: Date;
  gateway_id: number | null;
  /** Its mailbox's provider (null: the mailbox was deleted). */
  provider: ProviderId | null;
  /** Null for messages from before keys were kept (see idempotencyKeyOf). */
  idempotency_key: string | null;
  /** The mailbox's last change: the key of its cached, opened form (see MailboxCache). */
  gateway_updated_at: Date | null;
  /**
   * The in-flight mark as the claim found it: set when an earlier attempt was cut off after it called the
   * provider (the instance died, or its outcome could not be learnt), so that attempt may have been sent.
   * It holds the start of the first such attempt: the claim keeps an existing mark.
   */
  prev_in_flight: Date | null;
  /** How long ago `prev_in_flight` was (ms), by the database's clock, the one that wrote it. */
  prev_in_flight_age_ms: number | null;
  /** When the lease runs out by this instance's clock (ms), set by the sender. */
  leaseEnds?: number;
  /** The recipient opted out (and this is not the confirmation of that opt-out): not sent. */
  opted_out?: OptOutFacts | null;
}

/** Where an attempt's outcome goes: SENT in batches (the sender), the rest one by one. */
export interface Outcomes {
  /** SENT, written with the others that finish meanwhile; `poll`: schedule the first delivery-report poll with it. */
  sent(s: {
    id: number;
    provider: ProviderId;
    providerMessageId?: string;
    cost?: number;
    poll: boolean;
    log: Record<string, unknown>;
  }): void;
  /** Claim again once `delayMs` has passed (a retry's backoff). */
  retryIn(delayMs: number): void;
  /** Runs an outcome write, again while the database is away, for as long as the lease lasts. */
  write<T>(row: Claimed, what: string, write: () => Promise<T>): Promise<T>;
}

/**
 * One send attempt of a claimed message. The order of steps is what makes "never twice" hold:
 * 1. the claim marks the attempt in flight (committed, with the lease) before the provider is called;
 * 2. call it; 3. record the outcome, clearing the mark in the same statement.
 * An instance that dies between 1 and 3 leaves the mark; once its lease runs out, the next claim
 * knows the outcome is unknown and either lets the provider's idempotency decide (SMSAPI idx,
 * SerwerSMS unique_id lookup) or, for providers without one, fails the message instead of risking a
 * second SMS.
 */
export async function attemptSend(
  ctx: AppContext,
  settings: OutboundSettings,
  row: Claimed,
  mailboxes: MailboxCache,
  outcomes: Outcomes,
): Promise<boolean> {
  const messageId = row.id;
  const em = ctx.orm.em.fork();
  // Ends the message before any call: the claim's count of this attempt is taken back (attempts = calls made).
  const fail = async (code: string, reason: string): Promise<false> => {
    await outcomes.write(row, 'FAILED', async () => {
      const moved = await em.transactional(async (tem) => {
        const m = await transition(tem, row, MessageStatus.FAILED, { errorCode: code, errorMessage: reason });
        if (m) await tem.execute(`update message set attempts = attempts - 1 where id = ?`, [messageId]);
        return m;
      });
      announceStatus(statusSinkOf(ctx), moved);
    });
    return false;
  };
  const maybeSent = row.prev_in_flight
    ? "; an earlier attempt was cut off while the provider had it, so it may have been sent (check the provider's panel)"
    : '';
  if (row.opted_out)
    return fail('OPTED_OUT', `not sent: ${optedOutSentence(row.opted_out, 'the recipient')}${maybeSent}`);
  if (!row.gateway_id) return fail('NO_MAILBOX', `the mailbox was deleted before the message went out${maybeSent}`);
  // Only claims whose attempt never recorded an outcome get past the last attempt (settle stops at it):
  // an attempt that keeps being cut off (its instance dies, or its outcome cannot be written) ends here.
  if (row.attempts > settings.maxAttempts) {
    return fail(
      'UNKNOWN_OUTCOME',
      `${row.attempts - 1} attempts were cut off without an outcome; smsdesk stops trying${maybeSent}`,
    );
  }

  let mb: Mailbox;
  try {
    mb = await mailboxes.get(em, ctx.services.gateways, row.gateway_id, row.gateway_updated_at);
  } catch (e) {
    if (e instanceof NotFoundError)
      return fail('NO_MAILBOX', `the mailbox was deleted before the message went out${maybeSent}`);
    // Nothing went to the provider: the in-flight mark goes back to what it was; the attempt counts.
    ctx.log.warn({ err: e, messageId, attempt: row.attempts }, 'outbound: could not open the mailbox');
    return release(ctx, settings, em, row, outcomes, {
      code: 'MAILBOX_UNAVAILABLE',
      reason: `smsdesk could not open the mailbox to send it: ${(e as Error).message}`,
      inFlight: row.prev_in_flight,
    });
  }
  const adapter = adapterFor(mb.provider);
  const provider = catalogEntry(mb.provider).displayName;
  const resumed = row.prev_in_flight !== null;
  if (resumed && adapter.idempotency === 'none') {
    ctx.log.warn(
      { messageId, provider: mb.provider },
      'outbound: previous attempt ended without an outcome; not repeating it',
    );
    return fail(
      'UNKNOWN_OUTCOME',
      `an earlier attempt was cut off while ${provider} had the request, so it may or may not have been sent; ${provider} has no idempotency key, so smsdesk does not send it again (check the provider's panel)`,
    );
  }

  const window = adapter.idempotencyWindowMs;
  if (resumed && window !== undefined && (row.prev_in_flight_age_ms ?? 0) > window) {
    ctx.log.warn(
      { messageId, provider: mb.provider, inFlightAgeMs: row.prev_in_flight_age_ms },
      "outbound: previous attempt without an outcome is older than the provider's idempotency window; not repeating it",
    );
    const hours = Math.round(window / 3_600_000);
    return fail(
      'UNKNOWN_OUTCOME',
      `outcome unknown: an earlier attempt was cut off while ${provider} had the request, more than ${hours} h ago; ${provider} remembers the idempotency key only that long, so smsdesk does not send it again (it may have been sent: check the provider's panel)`,
    );
  }

  const attempt = row.attempts;
  const sms: OutboundSms = {
    messageId,
    idempotencyKey: idempotencyKeyOf(row),
    to: row.to_address,
    text: row.text,
    encoding: row.encoding ?? 'GSM7',
    parts: row.parts,
    notifyUrl: providerFor(mb.provider).deliveryReportUrl(ctx.config.publicUrl, mb.webhookToken),
    resumed,
  };
  const log = { messageId, provider: mb.provider, attempt, resumed };
  let r: Awaited<ReturnType<typeof adapter.send>>;
  try {
    r = await ctx.metrics.providerCall(mb.provider, 'send', () => adapter.send(mb, sms, httpOptions(settings)));
  } catch (e) {
    // An error of ours (not the provider's answer) after the request may have left: as unknown as a cut-off call.
    const failure =
      e instanceof ProviderFailure
        ? e
        : new ProviderFailure(
            'unknown',
            'other',
            'INTERNAL_ERROR',
            `smsdesk could not finish the call to ${provider}: ${(e as Error).message}`,
          );
    if (!(e instanceof ProviderFailure))
      ctx.log.error({ ...log, err: e }, 'outbound: attempt ended with an error of ours');
    await settle(ctx, settings, em, row, adapter.idempotency !== 'none', provider, failure, outcomes);
    return false;
  }
  if (r.note) ctx.log.warn({ ...log }, `outbound: ${r.note}`);
  const done = { ...log, providerMessageId: r.providerMessageId, duplicate: r.duplicate ?? false };
  let providerMessageId = r.providerMessageId;
  if (providerMessageId && providerMessageId.length > MAX_PROVIDER_ID) {
    // Cut, two ids could collide; neither could be matched by a report. Kept out, said in the log.
    ctx.log.warn(
      { ...log, providerMessageId },
      `outbound: the provider's message id is longer than ${MAX_PROVIDER_ID} characters; the message is stored without it`,
    );
    providerMessageId = undefined;
  }
  // SENT is written with the others that finish meanwhile, one statement for all (with the first
  // delivery-report poll where the provider's reports are polled), and announced after that commit.
  outcomes.sent({
    id: messageId,
    provider: mb.provider,
    providerMessageId,
    cost: r.cost,
    poll: !!providerMessageId && adapter.deliveryReports === 'poll',
    log: done,
  });
  return true;
}

/**
 * Mailboxes opened for sending (secrets decrypted), per worker: reading and opening one per message was
 * a query and an AES-GCM decryption per send. Keyed by the mailbox's `updated_at`, which the claim
 * reads with the message: a changed mailbox is read again at once, never served stale.
 */
export class MailboxCache {
  private readonly entries = new Map<number, { updatedAt: number; mailbox: Mailbox }>();

  async get(
    em: ReturnType<AppContext['orm']['em']['fork']>,
    gateways: AppContext['services']['gateways'],
    id: number,
    updatedAt: Date | null,
  ): Promise<Mailbox> {
    const version = updatedAt ? new Date(updatedAt).getTime() : NaN;
    const hit = this.entries.get(id);
    if (hit && hit.updatedAt === version) return hit.mailbox;
    const mailbox = await loadMailbox(em, gateways, id);
    // Bounded: a handful of mailboxes in practice; a deleted one simply ages out.
    if (this.entries.size >= 1000) this.entries.clear();
    if (!Number.isNaN(version)) this.entries.set(id, { updatedAt: version, mailbox });
    return mailbox;
  }
}

/** Records a failed attempt: FAILED at once, or due again after a backoff. */
async function settle(
  ctx: AppContext,
  settings: OutboundSettings,
  em: ReturnType<AppContext['orm']['em']['fork']>,
  row: Claimed,
  idempotent: boolean,
  provider: string,
  e: ProviderFailure,
  outcomes: Outcomes,
): Promise<void> {
  const log = { messageId: row.id, attempt: row.attempts, code: e.code, kind: e.kind, category: e.category };
  if (e.kind === 'permanent' || (e.kind === 'unknown' && !idempotent)) {
    const reason =
      e.kind === 'unknown'
        ? `${e.reason}. ${provider} has no idempotency key, so smsdesk does not send it again (a second attempt could deliver it twice); check the provider's panel`
        : e.reason;
    ctx.log.warn(log, 'outbound: failed');
    await outcomes.write(row, 'FAILED', async () =>
      announceStatus(
        statusSinkOf(ctx),
        await em.transactional((tem) =>
          transition(tem, row, MessageStatus.FAILED, { errorCode: e.code, errorMessage: reason }),
        ),
      ),
    );
    return;
  }
  // An `unknown` outcome keeps the in-flight mark, so the next attempt resumes through the provider's
  // idempotency; a `retryable` one puts back the mark as the claim found it: this attempt was not
  // accepted, but a cut-off one before it may have been. (After the last attempt, release fails it.)
  await release(ctx, settings, em, row, outcomes, {
    code: e.code,
    reason: e.reason,
    inFlight: e.kind === 'unknown' ? 'keep' : row.prev_in_flight,
    notBeforeMs: e.retryAfterMs,
    log,
  });
}

/**
 * Gives a claimed message back, due again after the backoff of its attempt (or FAILED when that was the
 * last one): the lease ends, the error stays visible until the next attempt decides.
 */
async function release(
  ctx: AppContext,
  settings: OutboundSettings,
  em: ReturnType<AppContext['orm']['em']['fork']>,
  row: Claimed,
  outcomes: Outcomes,
  why: {
    code: string;
    reason: string;
    inFlight: Date | null | 'keep';
    /** The provider asked for no attempt before this many ms (Retry-After): the backoff is at least that. */
    notBeforeMs?: number;
    log?: Record<string, unknown>;
  },
): Promise<false> {
  const log = why.log ?? { messageId: row.id, attempt: row.attempts, code: why.code };
  if (row.attempts >= settings.maxAttempts) {
    ctx.log.warn(log, 'outbound: failed');
    await outcomes.write(row, 'FAILED', async () =>
      announceStatus(
        statusSinkOf(ctx),
        await em.transactional((tem) =>
          transition(tem, row, MessageStatus.FAILED, {
            errorCode: why.code,
            errorMessage: `${why.reason} (gave up after ${row.attempts} attempts)`,
          }),
        ),
      ),
    );
    return false;
  }
  const delayMs = Math.max(backoffMs(settings.retryBaseMs, settings.retryMaxMs, row.attempts), why.notBeforeMs ?? 0);
  ctx.log.info({ ...log, retryInMs: delayMs }, 'outbound: will retry');
  await outcomes.write(row, 'a retry', () =>
    em.execute(
      `update message set error_code = ?, error_message = ?, next_attempt_at = now() + (? * interval '1 millisecond'), lease_until = null,
              in_flight_since = case when ? then in_flight_since else ?::timestamptz end, updated_at = now()
        where id = ? and status = 'QUEUED'`,
      [
        why.code,
        `attempt ${row.attempts} failed, retrying: ${why.reason}`,
        delayMs,
        why.inFlight === 'keep',
        why.inFlight === 'keep' ? null : why.inFlight,
        row.id,
      ],
    ),
  );
  outcomes.retryIn(delayMs);
  return false;
}
