import type { EntityManager } from '@mikro-orm/postgresql';
import { BusyError, NotFoundError } from '../../common/errors';
import type { SecretBox } from '../../common/secret-box';
import type { Publish } from '../../graphql/pubsub';
import { searchKeys } from '../inbound/event-keys';
import { isPhoneNumber } from '../inbound/numbers';
import { POLL_JOB_KEY_PREFIX } from '../outbound/jobs';
import type { OutboundSettings } from '../outbound/outbound.settings';
import type { ErasureCounts } from './erasure.entity';
import { legacyEventsCarrying } from './legacy-events';

/** Who asks for an erasure (the audit line keeps the id and, should the user be deleted, the e-mail). */
export interface Eraser {
  id: number;
  email: string;
}

export interface ErasureResult {
  erasureId: number;
  counts: ErasureCounts;
  /** Tickets removed, with their queues: announced after the commit. */
  tickets: { id: number; queueId: number }[];
}

/** How long after a provider call's timeout its outcome may still be on its way to the database. */
const OUTCOME_WRITE_MS = 5_000;
/** PostgreSQL's deadlock_detected: one of the transactions is rolled back, and may simply run again. */
const DEADLOCK = '40P01';
/** The pause before looking again at a message a sender is handing to its provider. */
const BUSY_RETRY_MS = 100;

/**
 * The messages of the card (its tickets' included) and every message to or from its numbers, locked. A
 * sender's claim (FOR UPDATE SKIP LOCKED, sender.ts) skips them from here on, and one that claimed before
 * commits first. `in_call`: claimed with a live lease whose provider call may still be running (the lease
 * began `staleLockMs` before it ends; a call lasts at most `httpTimeoutMs`).
 */
const MESSAGES = `
  select m.id, m.ticket_id, m.direction, m.status, m.from_address, m.to_address, m.text,
         (m.direction = 'OUTBOUND' and m.status = 'QUEUED' and m.lease_until > now()
          and m.lease_until - ? * interval '1 millisecond' + ? * interval '1 millisecond' > now()) as in_call
    from message m
   where m.customer_id = ? or m.ticket_id in (select t.id from ticket t where t.customer_id = ?)
      or (m.direction = 'INBOUND' and m.from_address = any(?::text[]))
      or (m.direction = 'OUTBOUND' and m.to_address = any(?::text[]))
   order by m.id
     for update of m`;

interface MessageRow {
  id: number;
  ticket_id: number | null;
  direction: 'INBOUND' | 'OUTBOUND';
  status: string;
  from_address: string;
  to_address: string;
  text: string;
  in_call: boolean;
}

const intArray = (ids: readonly number[]) => `{${ids.join(',')}}`;
/** A text[] literal of values that hold no quote, backslash, comma or brace (E.164 numbers, keys). */
const textArray = (xs: readonly string[]) => `{${xs.map((x) => `"${x}"`).join(',')}}`;

/**
 * The right to erasure: removes a customer card and everything that carries its numbers or texts, in one
 * transaction, keeping only what the law allows (the opt-out record of its numbers, in the opt_out tables,
 * which are never touched here, and an audit line in `erasure`).
 */
export class ErasureService {
  constructor(
    private readonly box: SecretBox,
    private readonly outbound: Pick<OutboundSettings, 'staleLockMs' | 'httpTimeoutMs'>,
    private readonly publish?: Publish,
  ) {}

  /**
   * Erases customer `customerId`. A message to it that a sender is handing to its provider right now cannot
   * be called back: the erasure waits for that call's outcome (at most OUTBOUND_HTTP_TIMEOUT_MS and a few
   * seconds), so no SMS leaves after the erasure has committed.
   */
  async erase(em: EntityManager, customerId: number, by: Eraser): Promise<ErasureResult> {
    const deadline = Date.now() + this.outbound.httpTimeoutMs + 2 * OUTCOME_WRITE_MS;
    for (;;) {
      const r = await em
        .fork()
        .transactional((tem) => this.eraseIn(tem, customerId, by))
        .catch((err: unknown) => {
          // A deadlock with a send or a webhook of this customer (they lock its ticket, then its card): again.
          if ((err as { code?: string }).code === DEADLOCK) return 'busy' as const;
          throw err;
        });
      if (r !== 'busy') {
        for (const t of r.tickets) this.publish?.('TICKET_REMOVED', { ticketId: t.id, queueId: t.queueId });
        return r;
      }
      if (Date.now() > deadline)
        throw new BusyError(
          `Customer ${customerId} was not erased: a message to it is still being handed to its provider; try again in a minute`,
        );
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
  }

  private async eraseIn(em: EntityManager, customerId: number, by: Eraser): Promise<ErasureResult | 'busy'> {
    const [found] = await em.execute<{ phone_numbers: string[] }[]>(`select phone_numbers from customer where id = ?`, [
      customerId,
    ]);
    if (!found) throw new NotFoundError('Customer', customerId);
    // The numbers' advisory locks first, as the inbound path and sendSms take them (customer_for_number.sql):
    // a message from or to the customer arriving meanwhile waits for the erasure, then finds no card and
    // makes a new one, instead of deadlocking on the card and its ticket. In order, so erasures never cross.
    await em.execute(`select pg_advisory_xact_lock(hashtext('customer:' || n)) from unnest(?::text[]) n order by n`, [
      textArray(found.phone_numbers ?? []),
    ]);
    const [card] = await em.execute<{ phone_numbers: string[] }[]>(
      `select phone_numbers from customer where id = ? for update`,
      [customerId],
    );
    if (!card) throw new NotFoundError('Customer', customerId);
    const cardNumbers = card.phone_numbers ?? [];
    const messages = await em.execute<MessageRow[]>(MESSAGES, [
      this.outbound.staleLockMs,
      this.outbound.httpTimeoutMs + OUTCOME_WRITE_MS,
      customerId,
      customerId,
      textArray(cardNumbers),
      textArray(cardNumbers),
    ]);
    // Nothing is written yet: committing this transaction only lets the locks go.
    if (messages.some((m) => m.in_call)) return 'busy';

    const ids = messages.map((m) => m.id);
    // The customer's side of each message, also numbers since removed from the card.
    const numbers = [
      ...new Set([
        ...cardNumbers,
        ...messages.map((m) => (m.direction === 'INBOUND' ? m.from_address : m.to_address)).filter(isPhoneNumber),
      ]),
    ];
    const queued = messages.filter((m) => m.direction === 'OUTBOUND' && m.status === 'QUEUED').map((m) => m.id);
    // Cancelled first: from this statement on no claim can take them, whatever follows.
    if (queued.length)
      await em.execute(
        `update message set status = 'FAILED', error_code = 'ERASED', error_message = null, lease_until = null,
                            in_flight_since = null, updated_at = now()
          where id = any(?::int[]) and status = 'QUEUED'`,
        [intArray(queued)],
      );

    // The card's tickets, and any other ticket that keeps no message once these are gone.
    const touched = [...new Set(messages.map((m) => m.ticket_id).filter((t): t is number => t != null))];
    const tickets = await em.execute<{ id: number; queue_id: number }[]>(
      `select t.id, t.queue_id from ticket t
        where t.customer_id = ?
           or (t.id = any(?::int[]) and not exists (select 1 from message m where m.ticket_id = t.id and m.id <> all(?::int[])))
          for update`,
      [customerId, intArray(touched), intArray(ids)],
    );
    const ticketIds = tickets.map((t) => t.id);

    const count = async (text: string, params: unknown[]) =>
      (await em.execute<{ n: number }[]>(`with d as (${text} returning 1) select count(*)::int as n from d`, params))[0]
        .n;
    const keys = searchKeys(this.box, numbers, ids);
    const legacy = await legacyEventsCarrying(em, this.box, {
      numbers,
      messageIds: ids,
      texts: messages.map((m) => m.text),
    });
    const counts: ErasureCounts = {
      customers: 1,
      phoneNumbers: cardNumbers.length,
      messages: ids.length,
      queuedCancelled: queued.length,
      inboundEvents: await count(`delete from inbound_event where erasure_keys && ?::text[] or id = any(?::bigint[])`, [
        textArray(keys),
        intArray(legacy),
      ]),
      jobs: (
        await em.execute<{ n: number }[]>(
          `select count(*)::int as n from unnest(?::text[]) k, graphile_worker.remove_job(k) j where j.id is not null`,
          [textArray(ids.map((id) => `${POLL_JOB_KEY_PREFIX}${id}`))],
        )
      )[0].n,
      attachments: await count(`delete from attachment where message_id = any(?::int[])`, [intArray(ids)]),
      notifications: await count(
        `delete from notification where message_id = any(?::int[]) or ticket_id = any(?::int[])`,
        [intArray(ids), intArray(ticketIds)],
      ),
      tickets: 0,
    };
    await em.execute(`delete from message where id = any(?::int[])`, [intArray(ids)]);
    counts.tickets = await count(`delete from ticket where id = any(?::int[])`, [intArray(ticketIds)]);
    await em.execute(`delete from customer where id = ?`, [customerId]);
    const [audit] = await em.execute<{ id: number }[]>(
      `insert into erasure (erased_at, erased_by_id, erased_by_email, customer_id, counts)
       values (now(), ?, ?, ?, ?::jsonb) returning id`,
      [by.id, by.email, customerId, JSON.stringify(counts)],
    );
    return { erasureId: audit.id, counts, tickets: tickets.map((t) => ({ id: t.id, queueId: t.queue_id })) };
  }
}
