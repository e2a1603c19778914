import type { AppContext } from '../../app-context';
import { catalogEntry } from '../providers/catalog';
import { adapterFor } from '../providers/registry';
import { loadMailbox } from '../providers/runtime';
import { ProviderFailure, type OutboundSms, type SendEncoding } from '../providers/adapter-outbound';
import type { HttpOptions } from '../providers/outbound-http';
import { MessageStatus } from '../tickets/message.entity';
import { addJob, POLL_DLR_TASK, pollJobKey, SEND_TASK, sendJobKey } from './jobs';
import { backoffMs, type OutboundSettings } from './outbound.settings';
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
}

/**
 * One send attempt. The order of steps is what makes "never twice" hold:
 * 1. mark the attempt in flight (committed) before calling the provider;
 * 2. call it; 3. record the outcome, clearing the mark in the same statement.
 * A worker that dies between 1 and 3 leaves the mark: the next attempt knows the outcome is unknown
 * and either lets the provider's idempotency decide (SMSAPI idx, SerwerSMS unique_id lookup) or, for
 * providers without one, fails the message instead of risking a second SMS.
 */
export async function runSend(ctx: AppContext, settings: OutboundSettings, messageId: number, signal?: AbortSignal): Promise<void> {
  const em = ctx.orm.em.fork();
  const [row] = await em.execute<Row[]>(
    `select id, status, to_address, text, encoding, parts, attempts, in_flight_since, created_at, gateway_id
       from message where id = ? and direction = 'OUTBOUND'`,
    [messageId],
  );
  if (!row || row.status !== MessageStatus.QUEUED) return; // sent, failed, or gone: nothing to do
  const fail = (code: string, reason: string) =>
    em.transactional((tem) => transition(tem, messageId, MessageStatus.FAILED, { errorCode: code, errorMessage: reason }));
  if (!row.gateway_id) return void (await fail('NO_MAILBOX', 'the mailbox was deleted before the message went out'));

  const mb = await loadMailbox(em, ctx.services.gateways, row.gateway_id);
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

  // Step 1: the mark, committed before any byte goes to the provider. `attempts = ?` makes the claim
  // optimistic: had another worker claimed the message since we read it, this matches no row.
  const claimed = await em.execute<{ attempts: number }[]>(
    `update message set in_flight_since = now(), attempts = attempts + 1, updated_at = now()
      where id = ? and status = 'QUEUED' and attempts = ? returning attempts`,
    [messageId, row.attempts],
  );
  if (!claimed[0]) return;
  const attempt = claimed[0].attempts;

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
    const moved = await em.transactional(async (tem) => {
      const m = await transition(tem, messageId, MessageStatus.SENT, { providerMessageId: r.providerMessageId, cost: r.cost, errorCode: null, errorMessage: null }, false);
      if (m && r.providerMessageId && adapter.deliveryReports === 'poll') {
        await addJob(tem, POLL_DLR_TASK, { messageId, n: 1 }, { delayMs: settings.dlrPollBaseMs, jobKey: pollJobKey(messageId) });
      }
      return m;
    });
    if (moved) ctx.events.publish('MESSAGE_STATUS_CHANGED', { messageId, ticketId: moved.ticketId, status: MessageStatus.SENT });
    ctx.log.info({ ...log, providerMessageId: r.providerMessageId, duplicate: r.duplicate ?? false }, 'outbound: sent');
  } catch (e) {
    if (!(e instanceof ProviderFailure)) throw e; // a bug or the database: graphile-worker retries the job
    await settle(ctx, settings, em, messageId, attempt, adapter.idempotency !== 'none', provider, e);
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
