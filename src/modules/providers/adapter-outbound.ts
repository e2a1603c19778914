/**
 * The outbound half of a provider adapter: send, verify (test mailbox), delivery reports.
 * Owned by the outbound work (src/modules/outbound); the worker, the send service and the DLR routes
 * talk to providers only through this interface.
 */
import type { Mailbox } from './adapter';
import type { HttpOptions } from './outbound-http';

export type SendEncoding = 'GSM7' | 'UCS2';

/** One SMS as the worker hands it to an adapter. */
export interface OutboundSms {
  /** Our message id. */
  messageId: number;
  /**
   * Our id in the form the provider's idempotency field takes (SMSAPI `idx`, SerwerSMS `unique_id`):
   * letters and digits only, unique per message and per installation.
   */
  idempotencyKey: string;
  /** Recipient in E.164 (with "+"); adapters write it the way their provider wants. */
  to: string;
  text: string;
  encoding: SendEncoding;
  parts: number;
  /** URL for this message's delivery report, for providers that take one per message. */
  notifyUrl?: string;
  /**
   * An earlier attempt may have reached the provider (the worker died or the call timed out): the
   * adapter must make sure the provider does not send a second SMS (idempotency key or a lookup).
   */
  resumed: boolean;
  /** The provider's test mode where it has one (validate, do not deliver). */
  test?: boolean;
}

export interface SendAccepted {
  providerMessageId?: string;
  /** Cost as the provider states it (points or currency), when it does. */
  cost?: number;
  /** The provider already had this message from an earlier attempt; nothing new was sent. */
  duplicate?: boolean;
  /** Something the log should say, e.g. that a duplicate's provider id is unknown. */
  note?: string;
}

/**
 * How a failed call ends:
 * - `permanent`: the provider refused for a reason a retry will not change (credentials, number, sender, funds);
 * - `retryable`: nothing was accepted (connection refused, 5xx, 429, "busy"): trying again is safe;
 * - `unknown`: the request may have reached the provider but its answer did not arrive (timeout, reset):
 *   only a provider with an idempotency key or a lookup can be retried without risking a second SMS.
 */
export type FailureKind = 'permanent' | 'retryable' | 'unknown';

/** What kind of problem it is, for the sentence a person reads. */
export type FailureCategory =
  | 'auth'
  | 'ip'
  | 'funds'
  | 'number'
  | 'sender'
  | 'text'
  | 'certificate'
  | 'unreachable'
  | 'timeout'
  | 'rate'
  | 'server'
  | 'config'
  | 'unsupported'
  | 'other';

/** A provider-side failure: the provider's own code plus a sentence a person understands. */
export class ProviderFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    readonly category: FailureCategory,
    /** The provider's code (e.g. "102", "-14", "HTTP 503") or ours for transport errors (e.g. "ECONNREFUSED"). */
    readonly code: string,
    /** A readable reason, already naming the provider. */
    readonly reason: string,
    /** A retryable failure: the provider asked us to wait this long (ms) before the next attempt (Retry-After). */
    readonly retryAfterMs?: number,
  ) {
    super(`${code}: ${reason}`);
    this.name = 'ProviderFailure';
  }
}

export interface VerifyCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What a verify call found; adapters report provider-side failures as checks, they do not throw. */
export interface VerifyResult {
  checks: VerifyCheck[];
  balance?: number;
}

/** Final or intermediate state of an outbound message as a provider reports it. */
export type ReportStatus = 'SENT' | 'DELIVERED' | 'UNDELIVERED' | 'EXPIRED' | 'FAILED';

export interface DeliveryReport {
  providerMessageId?: string;
  /** Our message id, when the report echoes our idempotency key. */
  idempotencyKey?: string;
  /** null: a state that changes nothing for us (still queued at the provider, report unknown…). */
  status: ReportStatus | null;
  /** The provider's own status value, for the log and errorCode. */
  providerStatus: string;
  at?: Date;
  /** Readable reason for a negative status. */
  reason?: string;
  /** Polling only: the provider will not change this state any more (stop polling). */
  final?: boolean;
  /** The report says the recipient opted out of messages from this sender (SMSAPI 412 STOP). */
  optedOut?: boolean;
}

/** A delivery-report request in plain values, so that parsers stay independent of Fastify. */
export interface DlrRequest {
  method: string;
  query: Record<string, unknown>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface DlrReply {
  status: number;
  contentType: string;
  body: string;
}

export interface OutboundAdapter {
  /** Whether the provider can send SMS through an API at all (Dotpay cannot). */
  sending: { supported: true } | { supported: false; reason: string };
  /**
   * How a repeated attempt is kept from sending twice: `key` — the provider refuses a reused key
   * (SMSAPI idx + check_idx); `lookup` — we can ask whether our key was already used (SerwerSMS
   * unique_id); `none` — neither, so an attempt with an unknown outcome is never repeated.
   */
  idempotency: 'key' | 'lookup' | 'none';
  /**
   * How long the provider remembers an idempotency key (ms), when only for a while: an attempt resumed
   * later than this after the first one that may have reached the provider cannot rely on the key, so
   * it ends as "outcome unknown" instead. Undefined: the key protects for as long as we retry.
   */
  idempotencyWindowMs?: number;
  /** Longest text in parts this provider (or our use of it) accepts. */
  maxParts: number;
  /** Where `maxParts` comes from, for the error message (e.g. "max_parts 1–10, DOCUMENTED"). */
  maxPartsSource: string;
  /** null when the mailbox's sender name (undefined = none) is acceptable, else why it is not. */
  senderProblem(sender: string | undefined): string | null;
  /** null when this text can go out through this mailbox, else why not (e.g. ECO+ cannot be UCS-2). */
  textProblem?(mb: Pick<Mailbox, 'senderName'>, encoding: SendEncoding): string | null;
  /** Sends one SMS; throws ProviderFailure on every provider-side or transport failure. */
  send(mb: Mailbox, sms: OutboundSms, http: HttpOptions): Promise<SendAccepted>;
  /** Checks credentials (and balance) without spending where the API allows; never throws for provider failures. */
  verify(mb: Mailbox, http: HttpOptions): Promise<VerifyResult>;
  /** How delivery reports arrive: pushed to our DLR route, polled by a job, or not at all. */
  deliveryReports: 'callback' | 'poll' | 'none';
  /** Callback providers: the reports in one request (SMSAPI sends up to five). */
  parseDeliveryReports?(req: DlrRequest): DeliveryReport[];
  /** Callback providers: the most reports one request carries (1 when not given); a request with more is refused as malformed. */
  maxReportsPerRequest?: number;
  /** Callback providers: the answer the provider expects (also for reports about unknown messages). */
  deliveryReportReply?(): DlrReply;
  /** Polling providers: the current state of one sent message. */
  pollDeliveryReport?(mb: Mailbox, providerMessageId: string, http: HttpOptions): Promise<DeliveryReport>;
}
