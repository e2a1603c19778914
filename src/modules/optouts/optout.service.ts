import type { EntityManager } from '@mikro-orm/postgresql';
import { OptedOutError, ValidationError } from '../../common/errors';
import { toE164 } from '../../common/phone';
import type { Publish } from '../../graphql/pubsub';
import type { Metrics } from '../metrics/metrics';
import type { Sql } from '../../db/raw-sql';
import { dbFunction } from '../../db/functions';
import { conversationNumber } from '../conversations/conversations';
import { KeywordMatcher } from './keywords';
import { OptOut, OptOutChange, OptOutSource } from './optout.entity';

/**
 * How long an instance trusts its copy of the keyword lists without hearing of a change. Changes are
 * announced to every instance at once (`OPT_OUT_KEYWORDS_CHANGED`, see KeywordWatch); this bounds how
 * long one missed while its LISTEN connection was down can go unseen.
 */
export const KEYWORDS_MAX_AGE_MS = 60_000;

/** Longest reason kept with a manual change. */
export const MAX_REASON_CHARS = 500;

/** What a refusal names: the opt-out as the registry holds it. */
export interface OptOutFacts {
  phoneNumber: string;
  source: OptOutSource;
  changedAt: Date | string;
  gatewayName?: string | null;
  reason?: string | null;
}

/**
 * The sentence that says when and how a number opted out: with the number in a refusal, as "the recipient"
 * in a failed message's stored reason (the message row has the number; its reason need not repeat it).
 */
export function optedOutSentence(f: OptOutFacts, who: string = f.phoneNumber): string {
  const at = new Date(f.changedAt).toISOString();
  const via = f.gatewayName ? ` through mailbox "${f.gatewayName}"` : '';
  const how =
    f.source === OptOutSource.KEYWORD
      ? `by texting ${f.reason ? `"${f.reason}"` : 'an opt-out keyword'}${via}`
      : f.source === OptOutSource.PROVIDER_REPORT
        ? `as the provider reported${via}${f.reason ? ` (${f.reason})` : ''}`
        : `by hand${f.reason ? ` ("${f.reason}")` : ''}`;
  return `${who} opted out of SMS on ${at} ${how}; nothing is sent to it until it texts a start keyword or an agent opts it back in (setOptOut)`;
}

export function optedOutError(f: OptOutFacts): OptedOutError {
  return new OptedOutError(optedOutSentence(f), {
    phoneNumber: f.phoneNumber,
    optedOutAt: new Date(f.changedAt).toISOString(),
    optOutSource: f.source,
  });
}

/** The registry's row of a number, as the refusal needs it (json_build_object in SQL). */
export const OPT_OUT_FACTS_JSON = `json_build_object('phoneNumber', o.phone_number, 'source', o.source, 'changedAt', o.changed_at,
  'reason', o.reason, 'gatewayName', (select g.name from gateway g where g.id = o.gateway_id))`;

/** src/db/functions/opt_out_set.sql: the change, when it is one, with its history row; true when it was. */
export const optOutSet = dbFunction<{
  number: string;
  optedOut: boolean;
  source: OptOutSource;
  gatewayId: number | null;
  userId: number | null;
  reason: string | null;
}>('opt_out_set', {
  number: 'p_number text',
  optedOut: 'p_opted_out boolean',
  source: 'p_source opt_out_source',
  gatewayId: 'p_gateway_id int',
  userId: 'p_user_id int',
  reason: 'p_reason text',
});

/**
 * The opt-out registry by E.164 number, across all mailboxes: its keyword lists (a copy per instance), the
 * look-ups sending makes, manual changes, the provider's reports and the history. The writes themselves
 * are `opt_out_set` (src/db/functions/opt_out_set.sql), inside the statement of whatever caused them (the
 * inbound message's, the delivery report's), so the change commits with its cause.
 */
export class OptOutService {
  private matcher?: { at: number; value: Promise<KeywordMatcher> };

  constructor(
    private readonly metrics: Metrics,
    private readonly publish?: Publish,
  ) {}

  /** The keyword lists, from this instance's copy (read once, again after a change or KEYWORDS_MAX_AGE_MS). */
  keywords(sql: Sql): Promise<KeywordMatcher> {
    const m = this.matcher;
    if (m && Date.now() - m.at < KEYWORDS_MAX_AGE_MS) return m.value;
    const value = sql<{ out: string[]; in: string[] }>(
      `select opt_out_keywords as out, opt_in_keywords as in from settings where id = 1`,
    ).then(([row]) => new KeywordMatcher(row?.out ?? [], row?.in ?? []));
    const entry = { at: Date.now(), value };
    this.matcher = entry;
    // A failed read is not kept: the next message asks again.
    value.catch(() => this.matcher === entry && (this.matcher = undefined));
    return value;
  }

  /** The lists changed (here or on another instance): the next message reads them again. */
  keywordsChanged(): void {
    this.matcher = undefined;
  }

  /** Refuses a send to `phoneNumber` with OPTED_OUT when it opted out (one look-up by the registry's key). */
  async check(em: EntityManager, phoneNumber: string): Promise<void> {
    const [row] = await em.execute<{ f: OptOutFacts }[]>(
      `select ${OPT_OUT_FACTS_JSON} as f from opt_out o where o.phone_number = ? and o.opted_out`,
      [phoneNumber],
    );
    if (row) throw optedOutError(row.f);
  }

  /** A manual change by an agent or admin, with its reason; the number's state as it is afterwards. */
  async set(
    em: EntityManager,
    userId: number,
    input: { phoneNumber: string; optedOut: boolean; reason: string },
  ): Promise<OptOut> {
    const number = e164Of(input.phoneNumber, 'phoneNumber');
    const reason = input.reason?.trim() ?? '';
    if (!reason) throw ValidationError.single('reason', 'required', 'say why the number is opted out or back in');
    if (reason.length > MAX_REASON_CHARS)
      throw ValidationError.single('reason', 'maxLength', `is longer than ${MAX_REASON_CHARS} characters`);
    const tickets = await em.transactional(async (tem) => {
      const call = optOutSet.call({
        number,
        optedOut: input.optedOut,
        source: OptOutSource.MANUAL,
        gatewayId: null,
        userId,
        reason,
      });
      const [r] = await tem.execute<{ changed: boolean }[]>(`select ${call.text} as changed`, call.params);
      return r.changed ? openTicketsOf(tem, number) : null;
    });
    if (tickets) this.changed({ source: OptOutSource.MANUAL, optedOut: input.optedOut }, tickets);
    const state = await em.fork().findOne(OptOut, { phoneNumber: number }, { populate: ['gateway', 'changedBy'] });
    // A number that never opted out has no row: it is shown as opted in.
    return state ?? Object.assign(new OptOut(), { phoneNumber: number, optedOut: false, source: OptOutSource.MANUAL });
  }

  /** The changes of a number's state, newest first. */
  async history(em: EntityManager, phoneNumber: string, first: number): Promise<OptOutChange[]> {
    const number = e164Of(phoneNumber, 'phoneNumber');
    return em.find(
      OptOutChange,
      { phoneNumber: number },
      { orderBy: { id: 'desc' }, limit: first, populate: ['gateway', 'changedBy'] },
    );
  }

  /** Which of these numbers are opted out. */
  optedOut(em: EntityManager, numbers: string[]): Promise<OptOut[]> {
    if (!numbers.length) return Promise.resolve([]);
    return em.find(
      OptOut,
      { phoneNumber: { $in: numbers }, optedOut: true },
      { populate: ['gateway', 'changedBy'], orderBy: { phoneNumber: 'asc' } },
    );
  }

  /**
   * After the commit of every change of a number's state, whatever its source: the open tickets of the
   * number's cards show the new state (`ticketUpdated`; the inbound path announces its own ticket itself), and
   * the change is counted.
   */
  changed(
    change: { source: OptOutSource; optedOut: boolean },
    tickets: { ticketId: number; queueId: number }[] = [],
  ): void {
    this.metrics.optOutChanged(change.source, change.optedOut);
    for (const t of tickets) this.publish?.('TICKET_UPDATED', t);
  }
}

/** The open tickets of the cards holding a number (the GIN index on phone_numbers finds the cards). */
export async function openTicketsOf(
  em: Pick<EntityManager, 'execute'>,
  number: string,
): Promise<{ ticketId: number; queueId: number }[]> {
  const rows = await em.execute<{ id: number; queue_id: number }[]>(
    `select t.id, t.queue_id from ticket t join customer c on c.id = t.customer_id
      where c.phone_numbers @> array[?]::text[] and t.status = 'OPEN'`,
    [number],
  );
  return rows.map((r) => ({ ticketId: r.id, queueId: r.queue_id }));
}

/** A number given to the API, in E.164, or BAD_USER_INPUT naming the field. */
export function e164Of(raw: string, field: string): string {
  const r = toE164(raw ?? '');
  if (!r.ok)
    throw ValidationError.single(field, 'phoneNumber', `"${raw}" ${r.reason} (give it in E.164, e.g. +48500600700)`);
  return r.e164;
}

/** The opt-out of the number a ticket's replies go to (`conversationNumber`), when that number is opted out. */
export async function ticketOptOut(em: EntityManager, ticketId: number): Promise<OptOut | null> {
  const number = await conversationNumber(em, ticketId);
  return number
    ? em.findOne(OptOut, { phoneNumber: number, optedOut: true }, { populate: ['gateway', 'changedBy'] })
    : null;
}
