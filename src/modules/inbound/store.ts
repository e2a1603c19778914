import crypto from 'node:crypto';
import type { InboundSms } from '../providers/adapter-inbound';
import { route, rulesOfRows, type RuleRow } from '../rules/rule-engine';
import { DEFAULT_QUEUE_NAME } from '../conversations/conversations';
import { NotificationKind } from '../notifications/notification.entity';
import type { EventPayloads } from '../../graphql/pubsub';
import { notificationTitle } from '../notifications/notification.service';
import { eventInsert, type EventRecord } from './event-sql';
import { isPhoneNumber, normaliseSender } from './numbers';
import type { Tx } from '../../db/raw-sql';
import { dbFunction } from '../../db/functions';
import type { KeywordMatcher } from '../optouts/keywords';
import { confirmationFor } from '../optouts/confirmation';

/** Messages without a provider id and without a provider timestamp are deduplicated within this window. */
export const DEDUPE_WINDOW_MS = 10 * 60_000;

export interface StoredMessage {
  messageId: number;
  duplicate: boolean;
  ticketId?: number;
  queueId?: number;
  /** (user, notification) pairs written (and announced) for this message. */
  notified?: [userId: number, notificationId: number][];
  /** The inbound event written with it, when one was passed and the message is new. */
  eventId?: number;
  /** What its notifications share (all but id and user): announced with them, so pushes read nothing. */
  note?: EventPayloads['NOTIFICATIONS_ADDED']['note'];
  /** The message was an opt-out (true) or start (false) keyword that changed its sender's opt-out state. */
  optedOut?: boolean;
  /** With `optedOut`: the sender's number (E.164), whose other open tickets show the new state. */
  optOutNumber?: string;
  /** The opt-out confirmation queued with it (announced as QUEUED after the commit). */
  confirmationId?: number;
}

/**
 * Pairs per NOTIFY payload: PostgreSQL's limit is 8000 bytes; a pair takes up to ~25, the shared note
 * (a title of at most 200 characters, JSON-escaped) up to ~1,400.
 */
export const PAIRS_PER_NOTIFY = 200;

/**
 * The dedupe key of a message without a unique provider id: a hash of (mailbox, sender, text, provider time
 * or stable provider material, else the window the message arrived in). A shared provider id
 * (`providerIdShared`) joins the hash with the provider time and the material, and needs no window: the same
 * id, sender, text and time is a retry, anything else another message. Returns the key and, for the window
 * case, the previous window's key (a retry may straddle the boundary).
 */
export function dedupeKeys(
  gatewayId: number,
  from: string,
  sms: InboundSms,
  now: Date,
): { key: string; previous?: string } {
  const h = (stamp: string) =>
    crypto
      .createHash('sha256')
      .update([gatewayId, from, sms.kind, sms.subject ?? '', sms.text, stamp].join('\u0000'))
      .digest('hex');
  const shared = sms.providerIdShared && sms.providerMessageId?.trim();
  if (shared) {
    const stamp = [shared, sms.providerTimestamp?.toISOString() ?? '', sms.dedupeMaterial ?? ''];
    return { key: h(`s:${JSON.stringify(stamp)}`) };
  }
  if (sms.providerTimestamp) return { key: h(`t:${sms.providerTimestamp.toISOString()}`) };
  if (sms.dedupeMaterial) return { key: h(`m:${sms.dedupeMaterial}`) };
  const bucket = Math.floor(now.getTime() / DEDUPE_WINDOW_MS);
  return { key: h(`w:${bucket}`), previous: h(`w:${bucket - 1}`) };
}

/** src/db/functions/inbound_take.sql: the stored twin, else the sender's card, the new message's id and the rules. */
const inboundTake = dbFunction<
  { from: string; providerId: string | null; dedupeKey: string | null; gatewayId: number },
  {
    message_id: number | null;
    duplicate_of: number | null;
    customer_id: number;
    customer_name: string;
    rules: RuleRow[];
  }
>('inbound_take', {
  from: 'p_from text',
  providerId: 'p_provider_id text',
  dedupeKey: 'p_dedupe_key text',
  gatewayId: 'p_gateway_id int',
});

/** src/db/functions/inbound_file.sql: the ticket, the message in it, the notifications. */
const inboundFile = dbFunction<{
  messageId: number;
  /** The rules' queue; null: the default queue, made when missing. */
  queueId: number | null;
  defaultQueue: string;
  customerId: number;
  gatewayId: number;
  kind: 'SMS' | 'MMS';
  from: string;
  to: string;
  text: string;
  subject: string | null;
  providerId: string | null;
  dedupeKey: string | null;
  providerTimestamp: Date | null;
  /** The provider id of our outgoing message this one answers (InboundSms.repliesTo). */
  repliesTo: string | null;
  title: string;
  /** `providerId` may be carried by several messages: kept only while no message of the mailbox has it. */
  providerIdShared: boolean;
  /** The text is an opt-out (true) or start (false) keyword; undefined for ordinary messages. */
  optOut?: boolean;
  keyword?: string;
  /** The mailbox's opt-out confirmation, queued when the opt-out changes the number's state. */
  confirmText?: string;
  confirmFrom?: string;
  confirmParts?: number;
  confirmEncoding?: 'GSM7' | 'UCS2';
}>('inbound_file', {
  messageId: 'p_message_id int',
  queueId: 'p_queue_id int',
  defaultQueue: 'p_default_queue text',
  customerId: 'p_customer_id int',
  gatewayId: 'p_gateway_id int',
  kind: 'p_kind message_kind',
  from: 'p_from text',
  to: 'p_to text',
  text: 'p_text text',
  subject: 'p_subject text',
  providerId: 'p_provider_id text',
  dedupeKey: 'p_dedupe_key text',
  providerTimestamp: 'p_provider_ts timestamptz',
  repliesTo: 'p_replies_to text',
  title: 'p_title text',
  providerIdShared: 'p_provider_id_shared boolean',
  optOut: 'p_opt_out boolean',
  keyword: 'p_keyword text',
  confirmText: 'p_confirm_text text',
  confirmFrom: 'p_confirm_from text',
  confirmParts: 'p_confirm_parts int',
  confirmEncoding: 'p_confirm_encoding sms_encoding',
});

/** A unique violation: the message's twin was committed meanwhile (see storeInbound). */
export function isTwinConflict(e: unknown): boolean {
  return (e as { code?: string } | null)?.code === '23505';
}

/**
 * Stores one inbound message inside the caller's transaction, in two round trips (this is the path that
 * must take ~1,000 webhooks/s; both statements are PL/pgSQL functions, src/db/functions/inbound_*.sql,
 * which write customers, tickets and messages through the conversations' functions):
 * 1. `inbound_take`: under the sender's lock, the stored twin (provider id, or the dedupe hash) — a
 *    provider retry stops right there, having written nothing — else the sender's customer card (a new
 *    sender gets one), the new message's id and the active rules.
 *    Between the two, the pure rule engine picks the queue.
 * 2. `inbound_file`: the ticket (in the default queue when no rule decided), the message in it and one
 *    notification per agent of the queue (every AGENT when it has no members), with the inbound event in
 *    the same statement (the caller announces the notifications after the commit: `announceStored`).
 * With `last`, that statement also commits (one round trip less; see src/db/raw-sql.ts), unless attachments follow.
 * A twin the lock did not serialise (same provider id from another sender) fails the transaction with a
 * unique violation: run it again (`isTwinConflict`), and step 1 finds the twin.
 */
export async function storeInbound(
  tx: Tx,
  gateway: { id: number; destination: string },
  sms: InboundSms,
  opts: {
    /** The request's inbound event, written in the same statement when the message is new. */
    event?: Omit<EventRecord, 'messageIds'>;
    /** Nothing follows in this transaction when the message is new: commit with the last statement. */
    last?: boolean;
    now?: Date;
    /** The opt-out and start keywords (the settings' lists, OptOutService.keywords). */
    keywords?: KeywordMatcher;
  } = {},
): Promise<StoredMessage> {
  const { sql } = tx;
  const now = opts.now ?? new Date();
  const event = opts.event;
  const from = normaliseSender(sms.from);
  const ownId = sms.providerMessageId?.trim().slice(0, 100) || undefined;
  // The message's unique key; a shared id is not one (dedupeKeys hashes it with the content instead).
  const providerId = sms.providerIdShared ? undefined : ownId;
  const keys =
    !providerId || (sms.dedupeByContent && sms.providerTimestamp) ? dedupeKeys(gateway.id, from, sms, now) : undefined;
  if (keys?.previous) {
    const [prev] = await sql<{ id: number }>(`select id from message where gateway_id = ? and dedupe_key = ?`, [
      gateway.id,
      keys.previous,
    ]);
    if (prev) return { messageId: prev.id, duplicate: true };
  }
  // One round trip: `inbound_take` (a PL/pgSQL function, so its plans are kept per connection) takes the
  // sender's lock, looks for the stored twin, and reads the card (found, or made here) and the rules.
  const [first] = await inboundTake.select(sql, {
    from,
    providerId: providerId ?? null,
    dedupeKey: keys?.key ?? null,
    gatewayId: gateway.id,
  });
  if (first.message_id == null) return { messageId: first.duplicate_of ?? 0, duplicate: true };
  const messageId = first.message_id;
  const customer = { id: first.customer_id, name: first.customer_name };

  const rules = rulesOfRows(first.rules);
  const ruled = route(rules, { gatewayId: gateway.id, from, text: sms.text }).queueId ?? null;

  const kind = sms.kind === 'MMS' ? NotificationKind.MMS : NotificationKind.SMS;
  // The customer's name; for a card made from this message that is the number itself. A sender that is
  // not a number (e.g. "INFO") is shown as sent.
  const who = isPhoneNumber(from) ? customer.name : from;
  const files = sms.attachments ?? [];
  const text = sms.text || (files.length ? `(${files.length} attachment${files.length > 1 ? 's' : ''})` : '');
  const ev = event ? eventInsert({ ...event, messageIds: [messageId] }) : undefined;
  // One statement: `inbound_file` writes the ticket (the customer's open one in that queue, else a new
  // one), the message in it and the notification rows; the inbound event travels with it. No NOTIFY
  // here: PostgreSQL holds one global lock for a NOTIFYing commit through its WAL flush, so NOTIFYs in
  // webhook transactions serialise their commits. The caller announces the returned pairs after the
  // commit (`announceStored`), batched by PgEventTarget. Attachments follow the message, so an MMS
  // commits after them.
  const title = notificationTitle(kind, who, text, sms.subject);
  // A whole-text keyword from a phone number changes its consent in inbound_file's statement; ordinary
  // messages cost a length comparison here (KeywordMatcher.match) and nothing in the database.
  const keyword = sms.kind === 'SMS' && isPhoneNumber(from) ? opts.keywords?.match(sms.text) : null;
  const confirm = keyword?.optedOut ? await confirmationFor(sql, gateway.id, from) : null;
  const file = inboundFile.call({
    messageId,
    queueId: ruled,
    defaultQueue: DEFAULT_QUEUE_NAME,
    customerId: customer.id,
    gatewayId: gateway.id,
    kind: sms.kind,
    from,
    to: gateway.destination.slice(0, 32),
    text: sms.text,
    subject: sms.subject?.slice(0, 500) ?? null,
    // A shared id is kept as the provider id of the first message that carries it (inbound_file decides, in
    // the same statement; of two first messages at once the loser reruns, see `isTwinConflict`).
    providerId: ownId ?? null,
    providerIdShared: !!sms.providerIdShared,
    dedupeKey: keys?.key ?? null,
    providerTimestamp: sms.providerTimestamp ?? null,
    repliesTo: sms.repliesTo?.trim().slice(0, 100) || null,
    title,
    optOut: keyword?.optedOut,
    keyword: keyword?.keyword,
    confirmText: confirm?.text,
    confirmFrom: confirm?.from,
    confirmParts: confirm?.parts,
    confirmEncoding: confirm?.encoding,
  });
  const [last] = await (opts.last && !files.length ? tx.commitWith : sql)<{
    ticket_id: number;
    queue_id: number;
    event_id: string | number | null;
    pairs: [number, number | string][];
    created_at: Date | string;
    opt_out_changed: boolean;
    confirmation_id: number | null;
  }>(
    `with ev as (${ev ? ev.text : 'select null::bigint as id'})
     select f.ticket_id, f.queue_id, f.pairs, f.created_at, f.opt_out_changed, f.confirmation_id, (select id from ev) as event_id
       from ${file.text} f`,
    [...(ev?.params ?? []), ...file.params],
  );
  for (const f of files) {
    await sql(
      `insert into attachment (message_id, filename, content_type, size, data, omitted, created_at) values (?, ?, ?, ?, ?, ?, now())`,
      [
        messageId,
        f.filename?.slice(0, 255) ?? null,
        f.contentType.slice(0, 255),
        f.size,
        f.truncated ? null : f.data,
        f.truncated,
      ],
    );
  }
  return {
    messageId,
    duplicate: false,
    ticketId: last.ticket_id,
    queueId: last.queue_id,
    notified: last.pairs.map(([u, id]) => [u, Number(id)]),
    eventId: last.event_id != null ? Number(last.event_id) : undefined,
    note: { messageId, kind, title, createdAt: new Date(last.created_at).toISOString() },
    optedOut: last.opt_out_changed ? keyword!.optedOut : undefined,
    optOutNumber: last.opt_out_changed ? from : undefined,
    confirmationId: last.confirmation_id ?? undefined,
  };
}

import type { Publish } from '../../graphql/pubsub';

/**
 * Announces stored messages, after their commit: the notification pairs in chunks that fit PostgreSQL's
 * NOTIFY payload limit, then the ticket update. Should the process die between the commit and this, the
 * rows are there and clients catch up with `notifications(after:)`.
 */
export function announceStored(publish: Publish | undefined, stored: StoredMessage[]): void {
  if (!publish) return;
  for (const s of stored) {
    if (s.duplicate || s.ticketId === undefined || s.queueId === undefined) continue;
    const pairs = s.notified ?? [];
    for (let i = 0; s.note && i < pairs.length; i += PAIRS_PER_NOTIFY) {
      publish('NOTIFICATIONS_ADDED', {
        notifications: pairs.slice(i, i + PAIRS_PER_NOTIFY),
        ticketId: s.ticketId,
        queueId: s.queueId,
        note: s.note,
      });
    }
    publish('TICKET_UPDATED', { ticketId: s.ticketId, queueId: s.queueId });
  }
}
