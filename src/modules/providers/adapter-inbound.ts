/**
 * The inbound half of a provider adapter: turn a provider's webhook request (or a polled API answer) into
 * neutral `InboundSms` values, say how to answer the provider, and poll where the provider cannot push.
 * Nothing provider-specific passes this interface (DESIGN.md, "The inbound path", step 2).
 */
import type { Mailbox } from './adapter';

/** One file of an MMS as the provider sent it. */
export interface InboundFile {
  field: string;
  filename?: string;
  contentType: string;
  data: Buffer;
  /** The file was larger than the limit: `data` holds nothing, the size is what was seen before cutting. */
  truncated: boolean;
  size: number;
}

/** A neutral inbound message. Numbers are as the provider wrote them; the inbound module normalises them. */
export interface InboundSms {
  kind: 'SMS' | 'MMS';
  /** Sender as the provider wrote it. */
  from: string;
  /** Our number as the provider wrote it; undefined when the request does not carry it (pollers know the mailbox). */
  to?: string;
  text: string;
  subject?: string;
  providerMessageId?: string;
  providerTimestamp?: Date;
  /**
   * For providers that send no id: stable text that tells this message apart from an identical later one
   * (e.g. JustSend's `createDate` exactly as sent). It goes into the dedupe hash instead of a time window.
   */
  dedupeMaterial?: string;
  /**
   * Also recognise the message by (sender, text, provider time) when it has an id: for a provider that can
   * deliver one message twice through two channels whose ids may differ (SerwerSMS push and pull).
   */
  dedupeByContent?: boolean;
  /**
   * The provider's id of our outgoing message (on the same mailbox) that this message answers, where the
   * provider says so (SerwerSMS ECO+ replies): the message joins that message's ticket while it is open.
   */
  repliesTo?: string;
  /**
   * `providerMessageId` may be shared by several messages (SMSAPI's inbound `MsgId` may name the outgoing
   * message answered, which every reply to it carries): it is not the message's unique key. The message is
   * recognised by a hash of (sender, text, provider time, this id, `dedupeMaterial`) instead, with no time
   * window. The first message with the id on the mailbox keeps it as its provider id (the unique index allows
   * one); every one keeps it in the inbound event log.
   */
  providerIdShared?: boolean;
  attachments?: InboundFile[];
}

/** A webhook request, already decoded from query string, form, JSON or multipart. */
export interface WebhookRequest {
  method: string;
  /** Which of our routes it hit: the SMS route or SMSAPI's MMS route. */
  variant: 'sms' | 'mms';
  query: Record<string, unknown>;
  /** Decoded body: a form/multipart field map, a parsed JSON value, or undefined. */
  body: unknown;
  /** Text fields of query and body (body wins), for adapters with flat field names. */
  fields: Record<string, string>;
  files: InboundFile[];
  contentType?: string;
}

export type ParseResult = { ok: true; messages: InboundSms[] } | { ok: false; reason: string };

/** What we send back to the provider. */
export interface WebhookReply {
  status: number;
  body: string;
  contentType?: string;
}

export interface WebhookHandler {
  /**
   * The request's fields depend on the mailbox's own settings (generic HTTP field mapping): the inbound
   * module parses the request once per candidate mailbox and keeps those whose number matches.
   */
  perMailbox?: boolean;
  parse(req: WebhookRequest, mailbox?: Mailbox): ParseResult;
  /** A provider-level authenticity check (e.g. Dotpay's md5 signature); returns why it failed, or null. */
  verify?(req: WebhookRequest, mailbox: Mailbox): string | null;
  /** Answer to a request that was stored (or was a retry of a stored one). */
  accepted(mailbox?: Mailbox): WebhookReply;
  /** Answer that tells the provider not to retry: no mailbox, inactive, IP, token or signature refused. */
  refused: WebhookReply;
  /** Request fields that hold secrets, masked in the inbound event log (besides the common ones). */
  secretFields?: string[];
}

/** What one poll returned. */
export interface PollBatch {
  messages: PolledSms[];
  /** The cursor to store once every message of the batch is committed; undefined keeps the old one. */
  nextCursor?: string;
  /** More is waiting: poll again at once. */
  more: boolean;
}

export interface PolledSms extends InboundSms {
  /** Called after our commit (MultiInfo confirmsms): the provider may forget the message only then. */
  ack?: () => Promise<void>;
}

export interface PollOptions {
  /** Stored cursor of this mailbox (provider-specific text), undefined on the first poll. */
  cursor?: string;
  now: Date;
  /** Long-poll wait the provider may hold the request for (MultiInfo getsms). */
  waitMs: number;
  signal?: AbortSignal;
  /** Extra CA certificates (PEM) to trust for provider calls (tests: the fakes' CA). */
  extraCa?: string[];
  /** ALLOW_PRIVATE_PROVIDER_URLS (see HttpOptions). */
  allowPrivateAddresses: boolean;
}

export interface Poller {
  /** How long to wait between polls when nothing is waiting. */
  intervalMs: number;
  poll(mailbox: Mailbox, opts: PollOptions): Promise<PollBatch>;
}

/** Owned by the inbound work (src/modules/inbound). */
export interface InboundAdapter {
  /** Present when the provider pushes inbound SMS to our webhook. */
  webhook?: WebhookHandler;
  /** Present when inbound SMS are fetched by a polling job. */
  poller?: Poller;
}

// ---- Small helpers the adapters share ----

/** A provider error that polling should back off from (network, 5xx, provider error code). */
export class ProviderPollError extends Error {
  constructor(
    message: string,
    /** False for errors that retrying will not fix (bad credentials); the poller still backs off, longer. */
    readonly retryable = true,
  ) {
    super(message);
  }
}

/** The first non-empty value among these field names. */
export function field(fields: Record<string, string>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = fields[n];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

/** Unix seconds (or milliseconds, when clearly so) as a Date; undefined for anything else. */
export function unixTime(text: string | undefined): Date | undefined {
  if (!text || !/^\d{9,13}$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return new Date(n >= 1e12 ? n : n * 1000);
}

/** Offset of Europe/Warsaw from UTC at an instant, in minutes (CET +60, CEST +120). */
function warsawOffsetMinutes(at: Date): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/Warsaw',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - at.getTime()) / 60000);
}

/**
 * A wall-clock time in Poland as an instant. Polish providers write local times without a zone
 * (SerwerSMS `YYYY-MM-DD HH:MM:SS`, MultiInfo `yyyyMMddHHmmss`); Europe/Warsaw is the only reading that
 * makes sense for them.
 */
export function warsawTime(y: number, mo: number, d: number, h: number, mi: number, s: number): Date | undefined {
  if (
    ![y, mo, d, h, mi, s].every(Number.isFinite) ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    d > 31 ||
    h > 23 ||
    mi > 59 ||
    s > 60
  )
    return undefined;
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  // Two passes settle the offset also right after a DST change.
  let t = guess - warsawOffsetMinutes(new Date(guess)) * 60000;
  t = guess - warsawOffsetMinutes(new Date(t)) * 60000;
  return new Date(t);
}

/** `YYYY-MM-DD HH:MM[:SS]` (or with `T`) in Warsaw local time, or ISO-8601 with a zone. */
export function warsawDateTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const s = text.trim();
  if (/[zZ]$|[+-]\d{2}:?\d{2}$/.test(s) && /\dT\d/.test(s)) {
    const d = new Date(s);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/.exec(s);
  if (!m) return undefined;
  return warsawTime(+m[1], +m[2], +m[3], +m[4], +m[5], +(m[6] ?? 0));
}

/** The calendar date (YYYY-MM-DD) in Warsaw of an instant. */
export function warsawDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/Warsaw',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** `YYYY-MM-DD HH:MM:SS` in Warsaw of an instant. */
export function warsawDateTimeText(at: Date): string {
  const local = new Date(at.getTime() + warsawOffsetMinutes(at) * 60000);
  return local.toISOString().slice(0, 19).replace('T', ' ');
}

/** Texts of MMS parts (text/plain files) joined; the other files stay attachments. SMIL is only layout. */
export function splitMmsParts(files: InboundFile[]): { text: string; attachments: InboundFile[] } {
  const texts: string[] = [];
  const attachments: InboundFile[] = [];
  for (const f of files) {
    const type = f.contentType.toLowerCase();
    if (type.startsWith('text/plain') && !f.truncated) texts.push(f.data.toString('utf8'));
    else if (type.includes('smil')) continue;
    else attachments.push(f);
  }
  return { text: texts.join('\n').trim(), attachments };
}
