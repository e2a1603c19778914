import type { AppContext } from '../../app-context';
import { catalogEntry, PROVIDER_IDS } from '../providers/catalog';
import { adapterFor } from '../providers/registry';
import { loadMailbox } from '../providers/runtime';
import { ProviderFailure, type OutboundSms, type SendEncoding } from '../providers/adapter-outbound';
import type { Mailbox } from '../providers/adapter';
import type { HttpOptions } from '../providers/outbound-http';
import { MessageStatus } from '../tickets/message.entity';
import { addJob, POLL_DLR_TASK, pollJobKey, SEND_TASK, sendJobKey } from './jobs';
import { backoffMs, type OutboundSettings } from './outbound.settings';
import { roundTrip } from '../../db/raw-sql';
import { transition } from './status';

/**
 * Our id as the providers' idempotency key: letters and digits only (SerwerSMS allows [a-zA-Z0-9],
 * 3–50), the message id plus its creation time, so that two installations (or a restored database)
 * sharing one provider account never reuse a key.
 */
export function idempotencyKey(messageId: number, createdAt: Date): string {
  return `sd${messageId}x${createdAt.getTime().toString(36)}`;
}

/** The message id inside a key of ours, or undefined. */
export function messageIdOfKey(key: string): number | undefined {
  const m = /^sd([0-9]+)x[0-9a-z]+$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

/** The delivery-report URL we give providers that take one per message. */
export function notifyUrl(publicUrl: string, webhookPath: string | null, token?: string): string | undefined {
  if (!webhookPath) return undefined;
  return `${publicUrl}${webhookPath}/dlr${token ? `?token=${encodeURIComponent(token)}` : ''}`;
}

export function httpOptions(s: OutboundSettings, signal?: AbortSignal): HttpOptions {
  return { timeoutMs: s.httpTimeoutMs, extraCa: s.extraCa, signal };
}

interface Row {
  id: number;
  status: MessageStatus;
  to_address: string;
  text: string;
  encoding: SendEncoding | null;
  parts: number;
  attempts: number;
  in_flight_since: Date | null;
  created_at: Date;
  gateway_id: number | null;
  /** The mailbox's last change: the key of its cached, opened form (see MailboxCache). */
  gateway_updated_at: Date | null;
  /** The attempt number when this statement claimed the message; null when it did not. */
  claimed: number | null;
}

/** Providers whose idempotency key makes a resumed attempt safe, as a PostgreSQL array literal. */
const IDEMPOTENT_PROVIDERS = `{${PROVIDER_IDS.filter((id) => adapterFor(id).idempotency !== 'none').join(',')}}`;

/**
 * Reads the message and claims it (step 1 below) in one statement, one round trip. The claim is made
 * exactly when the checks in runSend would make it: the message is QUEUED, has a mailbox, and is not an
 * interrupted attempt on a provider without idempotency (that one is failed instead). `attempts = cur.attempts`
 * keeps the claim optimistic: had another worker claimed the message since the read, PostgreSQL re-checks
 * the row and this matches nothing.
 */
const READ_AND_CLAIM = `
  with cur as (select m.id, m.status, m.to_address, m.text, m.encoding, m.parts, m.attempts, m.in_flight_since, m.created_at, m.gateway_id,
                      g.updated_at as gateway_updated_at, g.provider
                 from message m left join gateway g on g.id = m.gateway_id
                where m.id = ? and m.direction = 'OUTBOUND'),
       claim as (update message m set in_flight_since = now(), attempts = m.attempts + 1, updated_at = now()
                   from cur
                  where m.id = cur.id and cur.status = 'QUEUED' and m.status = 'QUEUED' and m.attempts = cur.attempts
                    and cur.provider is not null and (cur.in_flight_since is null or cur.provider = any(?::provider_id[]))
                  returning m.attempts)
  select cur.*, (select attempts from claim) as claimed from cur`;

/**
 * One send attempt. The order of steps is what makes "never twice" hold:
 * 1. mark the attempt in flight (committed) before calling the provider;
 * 2. call it; 3. record the outcome, clearing the mark in the same statement.
 * A worker that dies between 1 and 3 leaves the mark: the next attempt knows the outcome is unknown
 * and either lets the provider's idempotency decide (SMSAPI idx, SerwerSMS unique_id lookup) or, for
 * providers without one, fails the message instead of risking a second SMS.
 */
export async function runSend(
  ctx: AppContext,
  settings: OutboundSettings,
  messageId: number,
  signal?: AbortSignal,
  mailboxes: MailboxCache = new MailboxCache(),
): Promise<void> {
  const em = ctx.orm.em.fork();
  const [[row]] = (await roundTrip(em, [[READ_AND_CLAIM, [messageId, IDEMPOTENT_PROVIDERS]]])) as Row[][];
  if (!row || row.status !== MessageStatus.QUEUED) return; // sent, failed, or gone: nothing to do
  const fail = (code: string, reason: string) =>
    em.transactional((tem) => transition(tem, messageId, MessageStatus.FAILED, { errorCode: code, errorMessage: reason }));
  if (!row.gateway_id) return void (await fail('NO_MAILBOX', 'the mailbox was deleted before the message went out'));

  let mb: Mailbox;
  try {
    mb = await mailboxes.get(em, ctx.services.gateways, row.gateway_id, row.gateway_updated_at);
  } catch (e) {
    // Nothing went to the provider: take the claim back, so that the retry is not mistaken for a resumed attempt.
    if (row.claimed !== null) await unclaim(em, messageId, row);
    throw e;
  }
  const adapter = adapterFor(mb.provider);
  const provider = catalogEntry(mb.provider).displayName;
  const resumed = row.in_flight_since !== null;
  if (resumed && adapter.idempotency === 'none') {
    ctx.log.warn({ messageId, provider: mb.provider }, 'outbound: previous attempt ended without an outcome; not repeating it');
    return void (await fail(
      'UNKNOWN_OUTCOME',
      `an earlier attempt was cut off while ${provider} had the request, so it may or may not have been sent; ${provider} has no idempotency key, so smsdesk does not send it again (check the provider's panel)`,
    ));
  }

  // Step 1: the mark, committed (autocommit, in READ_AND_CLAIM) before any byte goes to the provider.
  // No claim here means another worker claimed the message since: nothing to do.
  if (row.claimed === null) return;
  const attempt = row.claimed;

  const sms: OutboundSms = {
    messageId,
    idempotencyKey: idempotencyKey(messageId, new Date(row.created_at)),
    to: row.to_address,
    text: row.text,
    encoding: row.encoding ?? 'GSM7',
    parts: row.parts,
    notifyUrl: adapter.deliveryReports === 'callback' ? notifyUrl(ctx.config.publicUrl, catalogEntry(mb.provider).webhookPath, mb.webhookToken) : undefined,
    resumed,
  };
  const log = { messageId, provider: mb.provider, attempt, resumed };
  try {
    const r = await adapter.send(mb, sms, httpOptions(settings, signal));
    if (r.note) ctx.log.warn({ ...log }, `outbound: ${r.note}`);
    // SENT is announced after the commit (batched by the event bus), not by a NOTIFY in this transaction:
    // PostgreSQL serialises NOTIFYing commits through their WAL flush, which capped the worker (bench/README.md).
    const sent = (tem: typeof em) =>
      transition(tem, messageId, MessageStatus.SENT, { providerMessageId: r.providerMessageId, cost: r.cost, errorCode: null, errorMessage: null }, false);
    // One statement (autocommit) unless a delivery-report poll is to be scheduled with it.
    const moved =
      r.providerMessageId && adapter.deliveryReports === 'poll'
        ? await em.transactional(async (tem) => {
            const m = await sent(tem);
            if (m) await addJob(tem, POLL_DLR_TASK, { messageId, n: 1 }, { delayMs: settings.dlrPollBaseMs, jobKey: pollJobKey(messageId) });
            return m;
          })
        : await sent(em);
    if (moved) ctx.events.publish('MESSAGE_STATUS_CHANGED', { messageId, ticketId: moved.ticketId, status: MessageStatus.SENT });
    ctx.log.info({ ...log, providerMessageId: r.providerMessageId, duplicate: r.duplicate ?? false }, 'outbound: sent');
  } catch (e) {
    if (!(e instanceof ProviderFailure)) throw e; // a bug or the database: graphile-worker retries the job
    await settle(ctx, settings, em, messageId, attempt, adapter.idempotency !== 'none', provider, e);
  }
}

/** Undoes a claim whose attempt never reached the provider (the in-flight mark and the count as they were). */
async function unclaim(em: ReturnType<AppContext['orm']['em']['fork']>, messageId: number, row: Row): Promise<void> {
  await em.execute(`update message set in_flight_since = ?, attempts = ?, updated_at = now() where id = ? and status = 'QUEUED' and attempts = ?`, [
    row.in_flight_since,
    row.attempts,
    messageId,
    row.claimed,
  ]);
}

/**
 * Mailboxes opened for sending (secrets decrypted), per worker: reading and opening one per message was
 * a query and an AES-GCM decryption per send. Keyed by the mailbox's `updated_at`, which READ_AND_CLAIM
 * reads with the message: a changed mailbox is read again at once, never served stale.
 */
export class MailboxCache {
  private readonly entries = new Map<number, { updatedAt: number; mailbox: Mailbox }>();

  async get(em: ReturnType<AppContext['orm']['em']['fork']>, gateways: AppContext['services']['gateways'], id: number, updatedAt: Date | null): Promise<Mailbox> {
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

/** Records a failed attempt: FAILED at once, or QUEUED again with a retry job after a backoff. */
async function settle(
  ctx: AppContext,
  settings: OutboundSettings,
  em: ReturnType<AppContext['orm']['em']['fork']>,
  messageId: number,
  attempt: number,
  idempotent: boolean,
  provider: string,
  e: ProviderFailure,
): Promise<void> {
  const log = { messageId, attempt, code: e.code, kind: e.kind, category: e.category };
  let retry = e.kind === 'retryable' || (e.kind === 'unknown' && idempotent);
  let reason = e.reason;
  if (e.kind === 'unknown' && !idempotent) {
    reason = `${e.reason}. ${provider} has no idempotency key, so smsdesk does not send it again (a second attempt could deliver it twice); check the provider's panel`;
  }
  if (retry && attempt >= settings.maxAttempts) {
    retry = false;
    reason = `${e.reason} (gave up after ${attempt} attempts)`;
  }
  if (!retry) {
    ctx.log.warn(log, 'outbound: failed');
    await em.transactional((tem) => transition(tem, messageId, MessageStatus.FAILED, { errorCode: e.code, errorMessage: reason }));
    return;
  }
  const delayMs = backoffMs(settings.retryBaseMs, settings.retryMaxMs, attempt);
  ctx.log.info({ ...log, delayMs }, 'outbound: will retry');
  await em.transactional(async (tem) => {
    // An `unknown` outcome keeps the in-flight mark, so the next attempt resumes through the provider's
    // idempotency; a `retryable` one clears it: nothing was accepted.
    await tem.execute(
      `update message set error_code = ?, error_message = ?, in_flight_since = case when ? then in_flight_since else null end, updated_at = now()
        where id = ? and status = 'QUEUED'`,
      [e.code, `attempt ${attempt} failed, retrying: ${e.reason}`, e.kind === 'unknown', messageId],
    );
    await addJob(tem, SEND_TASK, { messageId }, { delayMs, jobKey: sendJobKey(messageId) });
  });
}
