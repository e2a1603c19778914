import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { BlockList } from 'node:net';
import type { SecretBox } from '../../common/secret-box';
import { clip } from '../../common/clip';
import { NotFoundError } from '../../common/errors';
import type { InboundFile, InboundSms, WebhookHandler, WebhookReply, WebhookRequest } from '../providers/adapter-inbound';
import { catalogEntry } from '../providers/catalog';
import { ProviderId } from '../providers/catalog.types';
import { adapterFor } from '../providers/registry';
import { InboundEvent, InboundOutcome, InboundReason } from './inbound-event.entity';
import { NotReplayableError } from './inbound.errors';
import { InboundMailboxes, type InboundMailbox } from './mailboxes';
import { maskDeep, secretMatcher } from './masking';
import { normaliseDestination } from './numbers';
import { flatFields } from './body';
import { eventInsert, type EventRecord } from './event-sql';
import { inTransaction, sqlOf, type Sql } from '../../db/raw-sql';
import { announceStored, isTwinConflict, storeInbound, type Publish, type StoredMessage } from './store';

/** One webhook request as the route hands it over (or as a replay rebuilds it). */
export interface Delivery {
  provider: ProviderId;
  path: string;
  req: WebhookRequest;
  remoteIp: string;
  /** The webhook token the request carried (query `token` or header X-Webhook-Token). */
  token?: string;
  /** A few request headers for the log (content type, user agent, forwarding). */
  headers: Record<string, string>;
  replayOf?: number;
  /** The client IP has used up its refusals (RefusalLimiter): a refusal of this request leaves no event. */
  unlogged?: boolean;
}

export interface Answer extends WebhookReply {
  eventId?: number;
  outcome: InboundOutcome;
}

/**
 * The raw form kept (sealed) for a replay. `fields` is left out (a replay derives it again from query and
 * body), and files only travel while the whole form stays under RAW_KEEP_CHARS.
 */
interface RawRequest {
  provider: ProviderId;
  path: string;
  remoteIp: string;
  token?: string;
  headers: Record<string, string>;
  req: Omit<WebhookRequest, 'files' | 'fields'> & { files: (Omit<InboundFile, 'data'> & { data?: string })[] };
}

/** What is kept of a raw form over RAW_KEEP_CHARS: enough to recognise the request, not to replay it. */
interface OversizeRawRequest {
  oversize: { chars: number; sha256: string; head: string };
}

/**
 * The largest raw form kept whole for a replay. A provider's SMS callback is a few hundred characters, a long
 * concatenated SMS a few thousand; a refused request can be sent by anyone, so a larger one keeps its
 * hash and its start (an admin can still see what it was) and cannot be replayed.
 */
export const RAW_KEEP_CHARS = 8 * 1024;

/** How old the cached mailboxes of a provider may be when a webhook is accepted with them. */
export const MAILBOX_CACHE_MS = 1000;
const LOG_TEXT_FIELDS_LIMIT = 8000;

class Refusal {
  constructor(
    readonly code: InboundReason,
    readonly reason: string,
    readonly gatewayId?: number,
  ) {}
}

function safeEqual(a: string, b: string): boolean {
  const x = crypto.createHash('sha256').update(a).digest();
  const y = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

/** Plain text: what the provider gets for a request it sent wrong. */
const MALFORMED_REPLY = (reason: string): WebhookReply => ({ status: 400, body: `Bad request: ${reason}`, contentType: 'text/plain' });
const UNSUPPORTED_REPLY: WebhookReply = { status: 404, body: 'This provider does not push inbound SMS to smsdesk (it is polled, or not supported)', contentType: 'text/plain' };

/**
 * The inbound path after HTTP: parse with the provider's adapter, find the mailbox (provider + destination
 * number), check it may receive (incoming active, client IP, webhook token, provider signature), then store
 * everything in one transaction and answer only after the commit. Every request, accepted or not, leaves
 * an inbound event.
 */
export class InboundService {
  readonly mailboxes: InboundMailboxes;

  /** `publish`: where stored messages are announced after their commit (the app's event bus). */
  constructor(
    private readonly box: SecretBox,
    private readonly publish?: Publish,
  ) {
    this.mailboxes = new InboundMailboxes(box);
  }

  /** Handles a webhook request. Throws only when the database fails (the route answers 503). */
  async receive(em: EntityManager, d: Delivery): Promise<Answer> {
    const handler = adapterFor(d.provider).webhook;
    if (!handler) {
      const eventId = await this.logRefusal(em, d, InboundOutcome.REJECTED, { code: InboundReason.UNSUPPORTED, reason: `${catalogEntry(d.provider).displayName} does not push inbound SMS to a webhook` }, handler);
      return { ...UNSUPPORTED_REPLY, eventId, outcome: InboundOutcome.REJECTED };
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
    if ('malformed' in routed) {
      const eventId = await this.logRefusal(em, d, InboundOutcome.MALFORMED, { code: InboundReason.MALFORMED, reason: routed.malformed }, handler);
      return { ...MALFORMED_REPLY(routed.malformed), eventId, outcome: InboundOutcome.MALFORMED };
    }
    if (routed instanceof Refusal) {
      const eventId = await this.logRefusal(em, d, InboundOutcome.REJECTED, { code: routed.code, reason: routed.reason, gatewayId: routed.gatewayId }, handler);
      return { ...handler.refused, eventId, outcome: InboundOutcome.REJECTED };
    }
    const { mailbox, messages } = routed;
    const destination = mailbox.destination!;
    let result: { outcome: InboundOutcome; eventId: number };
    let stored: StoredMessage[] = [];
    try {
      result = await onceMoreOnTwin(() => inTransaction(em, async (tx) => {
        // The common case, one message per request: its event goes into the message's last statement,
        // which also commits.
        const single = messages.length === 1;
        const event = single ? this.eventRecord(d, InboundOutcome.ACCEPTED, { gatewayId: mailbox.id }, handler) : undefined;
        stored = [];
        for (const sms of messages) stored.push(await storeInbound(tx, { id: mailbox.id, destination }, sms, { event, last: single }));
        const outcome = stored.every((s) => s.duplicate) ? InboundOutcome.DUPLICATE : InboundOutcome.ACCEPTED;
        const eventId =
          single && stored[0].eventId !== undefined
            ? stored[0].eventId
            : await this.insertEvent(tx.commitWith, d, outcome, { gatewayId: mailbox.id, messageIds: stored.map((s) => s.messageId) }, handler);
        return { outcome, eventId };
      }));
    } catch (e) {
      // Nothing was stored (rolled back). Note it when the database still answers; the caller answers 5xx,
      // so the provider retries and the admin can replay.
      await this.logEvent(em, d, InboundOutcome.FAILED, { code: InboundReason.STORE_FAILED, reason: 'storing the message failed; the provider was asked to retry', gatewayId: mailbox.id }, handler).catch(() => {});
      throw e;
    }
    announceStored(this.publish, stored);
    return { ...handler.accepted(mailbox.mailbox()), ...result };
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
      if (!parses.length) return { malformed: candidates.length ? errors.join('; ') : `no ${name} mailbox is configured, so the request cannot be read` };
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
        const all = p.messages.every((m) => m.to !== undefined && normaliseDestination(m.to, c.prefixesToRemove) === c.destination);
        if (all) {
          matched.push(c);
          messages = p.messages;
        }
      }
      sentTo ||= p.messages[0]?.to ?? '';
    }
    if (!matched.length) return new Refusal(InboundReason.NO_MAILBOX, `no ${name} mailbox has the destination number ${sentTo ? clip(sentTo) : '(none given)'} (after removing its prefixes)`);
    const active = matched.filter((c) => c.incomingActive);
    if (!active.length) return new Refusal(InboundReason.INCOMING_INACTIVE, `mailbox "${matched[0].name}" does not have incoming messages switched on`, matched[0].id);
    matched = active;
    const mailbox = matched[0];
    if (!mailbox.ipAllowed(d.remoteIp)) {
      return new Refusal(InboundReason.IP_NOT_ALLOWED, `client IP ${d.remoteIp} is not in the allowed IP list of mailbox "${mailbox.name}"`, mailbox.id);
    }
    if (mailbox.hasToken) {
      const expected = mailbox.token() ?? '';
      if (!d.token) return new Refusal(InboundReason.BAD_TOKEN, `mailbox "${mailbox.name}" requires a webhook token and the request has none`, mailbox.id);
      if (!safeEqual(d.token, expected)) return new Refusal(InboundReason.BAD_TOKEN, `the webhook token does not match the one of mailbox "${mailbox.name}"`, mailbox.id);
    }
    const bad = handler.verify?.(d.req, mailbox.mailbox());
    if (bad) return new Refusal(InboundReason.BAD_SIGNATURE, bad, mailbox.id);
    return { mailbox, messages };
  }

  /** Stores one polled message (the poller knows the mailbox); logs an event for new ones only. */
  async storePolled(em: EntityManager, mailbox: { id: number; provider: ProviderId; destination: string }, sms: InboundSms): Promise<StoredMessage> {
    const stored = await onceMoreOnTwin(() => inTransaction(em, async (tx) => {
      const d: Delivery = {
        provider: mailbox.provider,
        path: 'poll',
        remoteIp: '',
        headers: {},
        req: { method: 'POLL', variant: sms.kind === 'MMS' ? 'mms' : 'sms', query: {}, body: undefined, fields: {}, files: [] },
      };
      const payload = { message: { from: sms.from, to: sms.to, text: sms.text, subject: sms.subject, providerMessageId: sms.providerMessageId, providerTimestamp: sms.providerTimestamp, attachments: (sms.attachments ?? []).map(fileMeta) } };
      // The event is written only with a new message: re-reading a poll window must not flood the log.
      return storeInbound(tx, { id: mailbox.id, destination: mailbox.destination }, sms, {
        event: this.eventRecord(d, InboundOutcome.ACCEPTED, { gatewayId: mailbox.id, payload }, undefined),
        last: true,
      });
    }));
    announceStored(this.publish, [stored]);
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
      throw new NotReplayableError(`inbound event ${id} was ${ev.outcome.toLowerCase()}; only refused, malformed or failed requests can be replayed`);
    }
    if (!ev.rawSealed) throw new NotReplayableError(`inbound event ${id} kept no request to replay`);
    const raw = JSON.parse(this.box.open(ev.rawSealed)) as RawRequest | OversizeRawRequest;
    if ('oversize' in raw) {
      throw new NotReplayableError(
        `inbound event ${id} was a request of ${raw.oversize.chars} characters; only its first ${RAW_KEEP_CHARS} and its SHA-256 hash were kept, so it cannot be replayed`,
      );
    }
    const files: InboundFile[] = raw.req.files.map((f) => ({ ...f, data: Buffer.from(f.data ?? '', 'base64') }));
    const answer = await this.receive(em, {
      provider: raw.provider,
      path: raw.path,
      remoteIp: raw.remoteIp,
      token: raw.token,
      headers: raw.headers,
      req: { ...raw.req, fields: flatFields(raw.req.query, raw.req.body), files },
      replayOf: ev.id,
    });
    await em.execute(`update inbound_event set replayed_at = now() where id = ?`, [ev.id]);
    const created = await em.fork().findOne(InboundEvent, { id: answer.eventId! }, { populate: ['gateway'] });
    return created!;
  }

  /** Logs a refused request, unless its client is over its refusal budget (`Delivery.unlogged`). */
  private async logRefusal(em: EntityManager, d: Delivery, outcome: InboundOutcome, r: { code: InboundReason; reason: string; gatewayId?: number }, handler: WebhookHandler | undefined): Promise<number | undefined> {
    return d.unlogged ? undefined : this.logEvent(em, d, outcome, r, handler);
  }

  /** Logs a request that stored nothing (autocommit, outside any transaction). */
  async logEvent(
    em: EntityManager,
    d: Delivery,
    outcome: InboundOutcome,
    r: { code: InboundReason; reason: string; gatewayId?: number },
    handler: WebhookHandler | undefined,
  ): Promise<number> {
    // The raw request is kept (sealed) so that a replay can run it again once the admin fixed the mailbox.
    return this.insertEvent(sqlOf(em), d, outcome, { gatewayId: r.gatewayId, reasonCode: r.code, reason: r.reason, keepRaw: true }, handler);
  }

  /** An inbound event row for this request: payload masked, raw request sealed when it may be replayed. */
  private eventRecord(
    d: Delivery,
    outcome: InboundOutcome,
    o: { gatewayId?: number; reasonCode?: InboundReason; reason?: string; messageIds?: number[]; keepRaw?: boolean; payload?: Record<string, unknown> },
    handler: WebhookHandler | undefined,
  ): EventRecord {
    return {
      provider: d.provider,
      gatewayId: o.gatewayId,
      remoteIp: d.remoteIp,
      method: d.req.method,
      path: d.path,
      outcome,
      reasonCode: o.reasonCode,
      reason: o.reason,
      payload: o.payload ?? this.maskedPayload(d, handler),
      rawSealed: o.keepRaw ? this.box.seal(this.rawText(d)) : null,
      messageIds: o.messageIds,
      replayOf: d.replayOf,
    };
  }

  private async insertEvent(
    sql: Sql,
    d: Delivery,
    outcome: InboundOutcome,
    o: { gatewayId?: number; reasonCode?: InboundReason; reason?: string; messageIds?: number[]; keepRaw?: boolean },
    handler: WebhookHandler | undefined,
  ): Promise<number> {
    const ev = eventInsert(this.eventRecord(d, outcome, o, handler));
    const [row] = await sql<{ id: string | number }>(ev.text, ev.params);
    return Number(row.id);
  }

  /** What an admin sees: decoded query and body with secrets masked, files by name and size. */
  private maskedPayload(d: Delivery, handler: WebhookHandler | undefined): Record<string, unknown> {
    const isSecret = secretMatcher(handler?.secretFields);
    let body = maskDeep(d.req.body, isSecret);
    const bodyText = JSON.stringify(body ?? null);
    if (bodyText.length > LOG_TEXT_FIELDS_LIMIT) body = `${bodyText.slice(0, LOG_TEXT_FIELDS_LIMIT)}… (${bodyText.length} characters)`;
    const headers = maskDeep(d.headers, isSecret) as Record<string, unknown>;
    return {
      method: d.req.method,
      query: maskDeep(d.req.query, isSecret),
      body,
      files: d.req.files.map(fileMeta),
      headers,
      ...(d.replayOf ? { replayOf: d.replayOf } : {}),
    };
  }

  /** The raw form of a request as sealed for a replay: whole up to RAW_KEEP_CHARS, else its hash and start. */
  private rawText(d: Delivery): string {
    const fileBytes = d.req.files.reduce((n, f) => n + f.data.length, 0);
    // Files as base64 only when they could fit: a larger form is not kept whole anyway.
    const keepFiles = fileBytes * 1.4 <= RAW_KEEP_CHARS;
    const { fields: _derived, ...req } = d.req;
    const raw: RawRequest = {
      provider: d.provider,
      path: d.path,
      remoteIp: d.remoteIp,
      token: d.token,
      headers: d.headers,
      req: {
        ...req,
        files: d.req.files.map((f) => ({ ...fileMeta(f), data: keepFiles && !f.truncated ? f.data.toString('base64') : undefined, truncated: f.truncated || !keepFiles })),
      },
    };
    const text = JSON.stringify(raw);
    if (text.length <= RAW_KEEP_CHARS) return text;
    const oversize: OversizeRawRequest = {
      oversize: { chars: text.length, sha256: crypto.createHash('sha256').update(text).digest('hex'), head: text.slice(0, RAW_KEEP_CHARS) },
    };
    return JSON.stringify(oversize);
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

function fileMeta(f: InboundFile): Omit<InboundFile, 'data'> {
  return { field: f.field, filename: f.filename, contentType: f.contentType, size: f.size, truncated: f.truncated };
}
