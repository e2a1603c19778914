import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sealedAt, type SecretBox } from '../common/secret-box';
import { sqlOf, type Sql } from '../db/raw-sql';
import type { InboundFile } from '../modules/providers/adapter-inbound';
import { eventInsert, type EventRecord } from '../modules/inbound/event-sql';
import { eventKeys } from '../modules/inbound/event-keys';
import type { InboundOutcome, InboundReason } from '../modules/inbound/inbound-event.entity';
import { flatFields } from './body';
import type { WebhookCall } from './edge';
import { maskDeep, secretMatcher } from './masking';
import type { HealthCounters } from '../modules/gateways/health/counters';

/**
 * The largest raw form kept whole for a replay. A provider's SMS callback is a few hundred characters, a long
 * concatenated SMS a few thousand; a refused request can be sent by anyone, so a larger one keeps its
 * hash and its start (an admin can still see what it was) and cannot be replayed.
 */
export const RAW_KEEP_CHARS = 8 * 1024;
/** Where the raw form of event `id` is sealed. */
export const rawSealedAt = (id: number) => sealedAt('inbound_event', 'raw_sealed', id);

/** The longest body shown in an event's payload; a longer one is cut, with its length. */
const PAYLOAD_BODY_CHARS = 8000;

/**
 * The raw form kept (sealed) for a replay. `fields` is left out (a replay derives it again from query and
 * body), and files only travel while the whole form stays under RAW_KEEP_CHARS.
 */
interface RawRequest extends Omit<WebhookCall, 'req' | 'unlogged'> {
  req: Omit<WebhookCall['req'], 'files' | 'fields'> & { files: (Omit<InboundFile, 'data'> & { data?: string })[] };
}

/** What is kept of a raw form over RAW_KEEP_CHARS: enough to recognise the request, not to replay it. */
interface OversizeRawRequest {
  oversize: { chars: number; sha256: string; head: string };
}

export interface EventFacts {
  gatewayId?: number;
  reasonCode?: InboundReason;
  reason?: string;
  messageIds?: number[];
  /** Seal the raw request, so that a replay can run it again once the admin has fixed the mailbox. */
  keepRaw?: boolean;
  /** What the admin sees instead of the request (a polled message has no request). */
  payload?: Record<string, unknown>;
  /** Request fields that hold secrets, masked in the payload (besides the common ones). */
  secretFields?: readonly string[];
}

/**
 * The inbound event log as the webhook edge writes it: one row per request (and per polled message stored),
 * with the payload masked and, for a refused request, its raw form sealed for a replay.
 */
export class WebhookEventLog {
  /** `health`: every refusal is counted for its mailbox (or its provider when none matched). */
  constructor(
    private readonly box: SecretBox,
    private readonly health: HealthCounters,
  ) {}

  /**
   * The row for a request, to insert alone or inside the transaction that stores its message. A raw form
   * kept for a replay is sealed for its row, so it needs the row's `id` (insert takes one first).
   */
  record(call: WebhookCall, outcome: InboundOutcome, o: EventFacts = {}, id?: number): EventRecord {
    if (o.keepRaw && id === undefined) throw new Error('a kept raw form is sealed for its row and needs the row id');
    return {
      id,
      provider: call.provider,
      gatewayId: o.gatewayId,
      remoteIp: call.remoteIp,
      method: call.req.method,
      path: call.path,
      outcome,
      reasonCode: o.reasonCode,
      reason: o.reason,
      payload: o.payload ?? maskedPayload(call, o.secretFields),
      rawSealed: o.keepRaw && id !== undefined ? this.box.seal(rawText(call), rawSealedAt(id)) : null,
      messageIds: o.messageIds,
      replayOf: call.replayOf,
      // Every number the request carries (as received, before masking), and those of a polled message's payload.
      numberKeys: eventKeys(this.box, [
        call.req.query,
        call.req.body,
        call.headers,
        call.req.files.map((f) => f.filename),
        o.payload,
      ]),
    };
  }

  /** Inserts the row through `sql` (a transaction's statements) and returns its id. */
  async insert(sql: Sql, call: WebhookCall, outcome: InboundOutcome, o: EventFacts = {}): Promise<number> {
    const id = o.keepRaw
      ? Number(
          (await sql<{ id: string }>(`select nextval(pg_get_serial_sequence('inbound_event', 'id')) as id`, []))[0].id,
        )
      : undefined;
    const ev = eventInsert(this.record(call, outcome, o, id));
    const [row] = await sql<{ id: string | number }>(ev.text, ev.params);
    return Number(row.id);
  }

  /** Logs a request on its own (autocommit). */
  log(em: EntityManager, call: WebhookCall, outcome: InboundOutcome, o: EventFacts = {}): Promise<number> {
    return this.insert(sqlOf(em), call, outcome, o);
  }

  /**
   * Logs a refused request with its raw form kept for a replay, unless its client is over its refusal budget
   * (`WebhookCall.unlogged`): then nothing is written.
   */
  async refusal(
    em: EntityManager,
    call: WebhookCall,
    outcome: InboundOutcome,
    o: EventFacts,
  ): Promise<number | undefined> {
    // Counted also when not logged: mailbox health shows how often a provider is refused.
    this.health.refused(call.provider, o.gatewayId, o.reasonCode ?? outcome, o.reason);
    return call.unlogged ? undefined : this.log(em, call, outcome, { keepRaw: true, ...o });
  }

  /** The request of event `id`'s sealed raw form, as the edge handed it over; or why it cannot be replayed. */
  openRaw(sealed: string, id: number): { call: WebhookCall } | { notReplayable: string } {
    const raw = JSON.parse(this.box.open(sealed, rawSealedAt(id))) as RawRequest | OversizeRawRequest;
    if ('oversize' in raw) {
      return {
        notReplayable: `a request of ${raw.oversize.chars} characters; only its first ${RAW_KEEP_CHARS} and its SHA-256 hash were kept`,
      };
    }
    const files: InboundFile[] = raw.req.files.map((f) => ({ ...f, data: Buffer.from(f.data ?? '', 'base64') }));
    return { call: { ...raw, req: { ...raw.req, fields: flatFields(raw.req.query, raw.req.body), files } } };
  }
}

/** A file as the log shows it: name, type and size, no bytes. */
export function fileMeta(f: InboundFile): Omit<InboundFile, 'data'> {
  return { field: f.field, filename: f.filename, contentType: f.contentType, size: f.size, truncated: f.truncated };
}

/** What an admin sees: decoded query and body with secrets masked, files by name and size. */
function maskedPayload(call: WebhookCall, secretFields?: readonly string[]): Record<string, unknown> {
  const isSecret = secretMatcher(secretFields);
  let body = maskDeep(call.req.body, isSecret);
  const bodyText = JSON.stringify(body ?? null);
  if (bodyText.length > PAYLOAD_BODY_CHARS)
    body = `${bodyText.slice(0, PAYLOAD_BODY_CHARS)}… (${bodyText.length} characters)`;
  return {
    method: call.req.method,
    query: maskDeep(call.req.query, isSecret),
    body,
    files: call.req.files.map(fileMeta),
    headers: maskDeep(call.headers, isSecret) as Record<string, unknown>,
    ...(call.replayOf ? { replayOf: call.replayOf } : {}),
  };
}

/** The raw form of a request as sealed for a replay: whole up to RAW_KEEP_CHARS, else its hash and start. */
function rawText(call: WebhookCall): string {
  const fileBytes = call.req.files.reduce((n, f) => n + f.data.length, 0);
  // Files as base64 only when they could fit: a larger form is not kept whole anyway.
  const keepFiles = fileBytes * 1.4 <= RAW_KEEP_CHARS;
  const { fields: _derived, ...req } = call.req;
  const raw: RawRequest = {
    provider: call.provider,
    path: call.path,
    remoteIp: call.remoteIp,
    token: call.token,
    headers: call.headers,
    req: {
      ...req,
      files: call.req.files.map((f) => ({
        ...fileMeta(f),
        data: keepFiles && !f.truncated ? f.data.toString('base64') : undefined,
        truncated: f.truncated || !keepFiles,
      })),
    },
  };
  const text = JSON.stringify(raw);
  if (text.length <= RAW_KEEP_CHARS) return text;
  const oversize: OversizeRawRequest = {
    oversize: {
      chars: text.length,
      sha256: crypto.createHash('sha256').update(text).digest('hex'),
      head: text.slice(0, RAW_KEEP_CHARS),
    },
  };
  return JSON.stringify(oversize);
}
