import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ProviderPollError } from '../providers/adapter-inbound';
import { ProviderFailure } from '../providers/adapter-outbound';
import { ProviderId } from '../providers/catalog.types';
import type { MessageStatus } from '../tickets/message.entity';
import { TalliedCounter, type Tally } from './tally';

export type { Tally } from './tally';

/** The webhook routes of a provider: inbound SMS, inbound MMS, delivery reports. */
export type WebhookRoute = 'sms' | 'mms' | 'dlr';
/** What became of a webhook request, as the inbound event log says it (refused = REJECTED there). */
export type WebhookResult = 'accepted' | 'duplicate' | 'refused' | 'malformed' | 'failed';
/** A call to a provider's API. */
export type ProviderOperation = 'send' | 'verify' | 'poll' | 'poll_report';
/** How a provider call ended: `ok`, or the class of its error (ProviderFailure's kind). */
export type CallResult = 'ok' | 'retryable' | 'permanent' | 'unknown';

/** The due outbound messages not yet sent, across all instances (one database). */
export interface QueueState {
  depth: number;
  /** How long the oldest of them has been due; 0 when there is none. */
  oldestDueSeconds: number;
}

export interface MetricsDeps {
  /** Reads the shared outbound queue in one cheap statement; called at scrape time. */
  outboundQueue(): Promise<QueueState>;
  log: { warn(o: object, msg: string): void };
}

const WEBHOOK_RESULTS: WebhookResult[] = ['accepted', 'duplicate', 'refused', 'malformed', 'failed'];
/** The statuses an outbound message can reach (RECEIVED is inbound only). */
const OUTBOUND_STATUSES = ['QUEUED', 'SENT', 'DELIVERED', 'UNDELIVERED', 'EXPIRED', 'FAILED'] as const;

/** Distinct error codes one instance labels before the rest are counted as `other`. */
const MAX_ERROR_CODES = 100;
/** A provider's error code as a label: short, no spaces but single ones, and no long digit runs (phone numbers). */
const SANE_CODE = /^[A-Za-z0-9_.:-]+( [A-Za-z0-9_.:-]+)?$/;

/** The label of a provider: its id in lower case, as Prometheus labels usually are. */
const providerLabel = (p: ProviderId | null): string => (p ? p.toLowerCase() : 'none');

/**
 * The metrics of one app instance: its own prom-client registry (several apps can live in one process, as in
 * the tests), the default process and Node metrics, and the smsdesk_* families. Counters that hot paths
 * touch (webhooks, stored messages, statuses, pushes) count in tallies made in advance (tally.ts), so that
 * counting costs one addition: no labels are built, nothing is awaited. Served by GET /metrics (routes.ts).
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly webhookRequests: TalliedCounter<'provider' | 'route' | 'outcome'>;
  private readonly inboundMessages = new Map<ProviderId, Record<'SMS' | 'MMS', Tally>>();
  private readonly outboundMessages: TalliedCounter<'provider' | 'status'>;
  private readonly outboundByProvider = new Map<ProviderId | null, Map<string, Tally>>();
  private readonly providerDuration: Histogram<'provider' | 'operation' | 'result'>;
  private readonly providerErrors: Counter<'provider' | 'class' | 'code'>;
  private readonly pollRuns: Counter<'provider' | 'result'>;
  private readonly wsConnections: Gauge;
  private readonly pushed: Tally;
  private readonly optOutChanges: Counter<'source' | 'to'>;
  private readonly errorCodes = new Set<string>();
  private queueRead?: Promise<QueueState | undefined>;

  constructor(private readonly deps: MetricsDeps) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.webhookRequests = new TalliedCounter({
      name: 'smsdesk_webhook_requests_total',
      help: 'Provider webhook requests by provider, route (sms, mms, dlr) and outcome (accepted, duplicate, refused, malformed, failed).',
      labelNames: ['provider', 'route', 'outcome'],
      registers,
    });
    const inbound = new TalliedCounter({
      name: 'smsdesk_inbound_messages_total',
      help: 'Inbound messages stored (new ones, not provider retries), by provider and kind (sms, mms); pushed and polled.',
      labelNames: ['provider', 'kind'],
      registers,
    });
    this.outboundMessages = new TalliedCounter({
      name: 'smsdesk_outbound_messages_total',
      help: 'Outbound messages reaching each status (QUEUED, SENT, DELIVERED, UNDELIVERED, EXPIRED, FAILED), by provider.',
      labelNames: ['provider', 'status'],
      registers,
    });
    for (const p of Object.values(ProviderId)) {
      this.inboundMessages.set(p, {
        SMS: inbound.tally({ provider: providerLabel(p), kind: 'sms' }),
        MMS: inbound.tally({ provider: providerLabel(p), kind: 'mms' }),
      });
      this.outboundChildren(p);
    }
    this.providerDuration = new Histogram({
      name: 'smsdesk_provider_request_duration_seconds',
      help: "Calls to providers' APIs by provider, operation (send, verify, poll, poll_report) and result (ok, retryable, permanent, unknown).",
      labelNames: ['provider', 'operation', 'result'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.providerErrors = new Counter({
      name: 'smsdesk_provider_errors_total',
      help: "Errors of provider calls by provider, class (retryable, permanent, unknown) and the provider's code (other: beyond the codes kept).",
      labelNames: ['provider', 'class', 'code'],
      registers,
    });
    this.pollRuns = new Counter({
      name: 'smsdesk_poll_runs_total',
      help: 'Inbound polls of mailboxes of providers without push, by provider and result (ok, retryable, permanent, unknown).',
      labelNames: ['provider', 'result'],
      registers,
    });
    this.wsConnections = new Gauge({
      name: 'smsdesk_graphql_ws_connections',
      help: 'graphql-ws connections this instance holds (acknowledged).',
      registers,
    });
    this.pushed = new TalliedCounter({
      name: 'smsdesk_notifications_pushed_total',
      help: "Notifications handed to this instance's notificationAdded subscribers.",
      registers,
    }).tally({});
    this.optOutChanges = new Counter({
      name: 'smsdesk_opt_out_changes_total',
      help: "Changes of a number's consent in the opt-out registry, by source (KEYWORD, PROVIDER_REPORT, MANUAL) and the state it went to (out, in).",
      labelNames: ['source', 'to'],
      registers,
    });
    // Both queue figures come from one statement per scrape (the registry collects them side by side).
    const depth: Gauge = new Gauge({
      name: 'smsdesk_outbound_queue_depth',
      help: 'Outbound messages due and not yet sent, across all instances (NaN: the database did not answer).',
      registers,
      collect: async () => depth.set((await this.queue())?.depth ?? NaN),
    });
    const oldest: Gauge = new Gauge({
      name: 'smsdesk_outbound_oldest_due_seconds',
      help: 'How long the oldest due outbound message has waited since it was due, across all instances (0: none).',
      registers,
      collect: async () => oldest.set((await this.queue())?.oldestDueSeconds ?? NaN),
    });
  }

  /** The exposition, in Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The counters of one webhook route, one per outcome, made at start-up so that they show as 0 until used. */
  webhookTallies(provider: ProviderId, route: WebhookRoute): Record<WebhookResult, Tally> {
    const out = {} as Record<WebhookResult, Tally>;
    for (const r of WEBHOOK_RESULTS)
      out[r] = this.webhookRequests.tally({ provider: providerLabel(provider), route, outcome: r });
    return out;
  }

  /** A new inbound message was stored (not a provider's retry). */
  inboundStored(provider: ProviderId, kind: 'SMS' | 'MMS'): void {
    this.inboundMessages.get(provider)?.[kind].inc();
  }

  /** An outbound message reached `status` (once per message and status: the status machine moves forward only). */
  outboundStatus(provider: ProviderId | null, status: MessageStatus): void {
    (this.outboundByProvider.get(provider) ?? this.outboundChildren(provider)).get(status)?.inc();
  }

  /**
   * Times one call to a provider and counts its error, by the error's class and code; the call's result or
   * error passes through unchanged.
   */
  async providerCall<T>(provider: ProviderId, operation: ProviderOperation, call: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const r = await call();
      this.providerDuration.observe({ provider: providerLabel(provider), operation, result: 'ok' }, seconds());
      return r;
    } catch (e) {
      const { cls, code } = classify(e);
      this.providerDuration.observe({ provider: providerLabel(provider), operation, result: cls }, seconds());
      this.providerErrors.inc({ provider: providerLabel(provider), class: cls, code: this.codeLabel(code) });
      throw e;
    }
  }

  /** One inbound poll of a mailbox ended: `ok`, or the class of what stopped it. */
  pollRun(provider: ProviderId, error?: unknown): void {
    this.pollRuns.inc({ provider: providerLabel(provider), result: error === undefined ? 'ok' : classify(error).cls });
  }

  wsOpened(): void {
    this.wsConnections.inc();
  }

  wsClosed(): void {
    this.wsConnections.dec();
  }

  /** `n` notifications were handed to local subscribers (counted once per batch of pushes). */
  notificationsPushed(n: number): void {
    this.pushed.inc(n);
  }

  /** A number's consent changed (after its commit): opted out, or back in. */
  optOutChanged(source: string, optedOut: boolean): void {
    this.optOutChanges.inc({ source, to: optedOut ? 'out' : 'in' });
  }

  private outboundChildren(provider: ProviderId | null): Map<string, Tally> {
    const m = new Map<string, Tally>();
    for (const s of OUTBOUND_STATUSES)
      m.set(s, this.outboundMessages.tally({ provider: providerLabel(provider), status: s }));
    this.outboundByProvider.set(provider, m);
    return m;
  }

  /**
   * A provider's code as a label. Codes are a bounded set per provider, but an unexpected answer can carry
   * anything: a code that does not look like one, a long digit run (a number), or one beyond the first
   * MAX_ERROR_CODES is counted as `other`.
   */
  private codeLabel(code: string): string {
    if (this.errorCodes.has(code)) return code;
    if (code.length > 32 || !SANE_CODE.test(code) || /[0-9]{7}/.test(code) || this.errorCodes.size >= MAX_ERROR_CODES)
      return 'other';
    this.errorCodes.add(code);
    return code;
  }

  /** The queue's state for this scrape: one read shared by both gauges; NaN when the database does not answer. */
  private queue(): Promise<QueueState | undefined> {
    this.queueRead ??= this.deps
      .outboundQueue()
      .catch((err) => {
        this.deps.log.warn({ err: { message: (err as Error).message } }, 'metrics: could not read the outbound queue');
        return undefined;
      })
      .finally(() => (this.queueRead = undefined));
    return this.queueRead;
  }
}

/** The class and code of a failed provider call; an error of ours (not the provider's answer) is `unknown`. */
function classify(e: unknown): { cls: Exclude<CallResult, 'ok'>; code: string } {
  if (e instanceof ProviderFailure) return { cls: e.kind, code: e.code };
  if (e instanceof ProviderPollError) return { cls: e.retryable ? 'retryable' : 'permanent', code: 'POLL_FAILED' };
  return { cls: 'unknown', code: 'INTERNAL_ERROR' };
}
