import { ReferenceKind, type EntityManager, type EntityName } from '@mikro-orm/postgresql';
import { NotFoundError, Violations } from '../../common/errors';
import { toE164 } from '../../common/phone';
import { User } from '../auth/user.entity';
import { Customer } from '../customers/customer.entity';
import { Gateway } from '../gateways/gateway.entity';
import { catalogEntry } from '../providers/catalog';
import type { ProviderId } from '../providers/catalog.types';
import { adapterFor } from '../providers/registry';
import { route, type RuleLike, rulesOfRows, type RuleRow } from '../rules/rule-engine';
import { Message, MessageDirection, MessageStatus } from '../tickets/message.entity';
import { Queue } from '../tickets/queue.entity';
import { Ticket, TicketStatus } from '../tickets/ticket.entity';
import {
  addToTicket,
  CARD_FOR_NUMBER_JSON,
  conversationNumber,
  DEFAULT_QUEUE_NAME,
} from '../conversations/conversations';
import type { OutboundSettings } from './outbound.settings';
import { asSent, type SegmentInfo } from './segments';
import { prepared, roundTrip, type Prepared, type Statement } from '../../db/raw-sql';
import { dbFunction } from '../../db/functions';

/** Longest text accepted before counting parts (the providers' own limits are far lower). */
const MAX_TEXT_CHARS = 5000;

export interface SendSmsRequest {
  customerId?: number;
  to?: string;
  text: string;
  gatewayId?: number;
  /** Replace Polish letters in this message; undefined: as the mailbox is set. */
  replacePolishDiacritics?: boolean;
}

/** What sending needs of a mailbox (a Gateway entity has it too). */
export type SendingGateway = Pick<
  Gateway,
  'id' | 'name' | 'provider' | 'senderName' | 'destinationNumber' | 'replacePolishDiacritics' | 'allowedCountries'
>;

import type { Publish } from '../../graphql/pubsub';
import type { Metrics } from '../metrics/metrics';
import { announceStatus, type StatusSink } from './status';
import type { HealthCounters } from '../gateways/health/counters';
import { countryProblem } from '../gateways/countries';
import { SendRate } from './send-rate';
import { QueueScope } from '../tickets/queue-access';
import { optedOutError, OPT_OUT_FACTS_JSON, type OptOutFacts, type OptOutService } from '../optouts/optout.service';

/** A queued message: where it went. */
interface Queued {
  messageId: number;
  ticketId: number;
  queueId: number;
}

/** A new message, queued: the message entity with MESSAGE_POPULATE's relations, in a fork of `em`. */
interface QueuedNew extends Queued {
  message(em: EntityManager): Message;
}

/** What the mutations answer with: the message and the relations its GraphQL type shows. */
const MESSAGE_POPULATE = ['gateway', 'ticket', 'ticket.queue', 'ticket.customer', 'ticket.gateway', 'author'] as const;

/** A text ready to queue on one mailbox: what is sent, its encoding and parts. */
export interface PreparedText {
  text: string;
  seg: SegmentInfo;
}

/**
 * Sending from the customer card and replying on tickets: validation, the choice of mailbox, the
 * conversation the message joins, and queueing. A QUEUED message row, due at once, is its own queue
 * entry: the senders of all instances claim it from the table (sender.ts), so nothing but the row has to
 * be written with it. QUEUED is announced after the commit, and that event wakes the senders.
 */
export class OutboundService {
  private readonly sendRate: SendRate;
  private readonly sink?: StatusSink;

  /** `publish` announces after a commit, batched (the app's event bus; see PgEventTarget.flush); `metrics` counts QUEUED. */
  constructor(
    readonly settings: OutboundSettings,
    private readonly optOuts: OptOutService,
    metrics: Metrics,
    health: HealthCounters,
    private readonly publish?: Publish,
  ) {
    this.sendRate = new SendRate(settings.sendsPerUser, settings.sendWindowSeconds);
    this.sink = publish ? { publish, metrics, health } : undefined;
  }

  /**
   * Two round trips in all: one statement reads everything the checks and the routing need
   * (`sendFacts`), then one multi-statement transaction writes the card (for a new number), the ticket,
   * the message, and reads back the rows of the answer (`queueNew`). QUEUED and
   * TICKET_UPDATED are announced after the commit: a NOTIFY inside the transaction would serialise these
   * commits behind PostgreSQL's global NOTIFY lock.
   */
  async sendSms(em: EntityManager, authorId: number, input: SendSmsRequest): Promise<Message> {
    await this.sendRate.take(authorId);
    const v = new Violations();
    checkText(input.text, v);
    let to: string | undefined;
    if (input.to != null && input.to.trim() !== '') {
      const r = toE164(input.to);
      if (r.ok) to = r.e164;
      else v.add('to', 'phoneNumber', `"${input.to}" ${r.reason}`);
    }
    const facts = await sendFacts(em, {
      gatewayId: input.gatewayId,
      customerId: input.customerId,
      phone: input.customerId == null ? to : undefined,
      to,
    });
    const customer = input.customerId != null ? facts.customer : null;
    if (input.customerId != null) {
      if (!customer) v.add('customerId', 'exists', `customer ${input.customerId} does not exist`);
      else if (to && !customer.phoneNumbers.includes(to)) {
        v.add(
          'to',
          'customerNumber',
          `${to} is not a number on the card of "${customer.name}"; add it to the card first, so that the answer joins the conversation`,
        );
      } else if (!to && customer.phoneNumbers.length === 0) {
        v.add('customerId', 'phoneNumber', `the card of "${customer.name}" has no phone number`);
      }
      to ??= customer?.phoneNumbers[0];
    } else if (!to && !v.any) {
      v.add('to', 'required', "give customerId (send to the card's number) or to (a phone number)");
    }
    const gateway = this.chooseGateway(facts, input.gatewayId, v);
    const country = gateway && to ? countryProblem(gateway, to) : null;
    if (country) v.add('to', 'allowedCountry', country);
    const prepared =
      gateway && input.text ? this.prepare(gateway, input.text, v, input.replacePolishDiacritics) : undefined;
    v.throwIfAny();
    // The number's consent, read with the facts (the registry's key): an opted-out number gets nothing.
    const optedOut = facts.optOuts.find((o) => o.phoneNumber === to);
    if (optedOut) throw optedOutError(optedOut);

    // The queue the customer's answer will be routed to, so that it lands in this same ticket (null: the
    // default queue, as for the answer).
    const queueId = route(facts.rules, { gatewayId: gateway!.id, from: to!, text: prepared!.text }).queueId ?? null;
    // A number with no card gets one (in the write), so the conversation shows on a customer card.
    const customerId = customer?.id ?? facts.customer?.id;
    const q = await queueNew(em, { gateway: gateway!, queueId, customerId, to: to!, prepared: prepared!, authorId });
    this.announceQueued(q, gateway!);
    return q.message(em);
  }

  /** `scope`: the queues the author may see; a ticket of another queue is NOT_FOUND, as one that does not exist. */
  async replyToTicket(
    em: EntityManager,
    authorId: number,
    ticketId: number,
    text: string,
    scope: QueueScope = QueueScope.ALL,
  ): Promise<Message> {
    await this.sendRate.take(authorId);
    const ticket = await em.findOne(Ticket, { id: ticketId }, { populate: ['gateway', 'customer', 'queue'] });
    if (!ticket || !scope.allows(ticket.queue?.id)) throw new NotFoundError('Ticket', ticketId);
    const v = new Violations();
    checkText(text, v);
    if (ticket.status !== TicketStatus.OPEN)
      v.add('ticketId', 'closed', 'the ticket is closed; send from the customer card to start a new conversation');
    const gateway = ticket.gateway;
    if (!gateway)
      v.add(
        'ticketId',
        'mailbox',
        "the ticket's mailbox was deleted; send from the customer card through another mailbox",
      );
    const to = await conversationNumber(em, ticket.id);
    if (!to) v.add('ticketId', 'phoneNumber', `the customer "${ticket.customer.name}" has no phone number`);
    if (gateway) {
      const adapter = adapterFor(gateway.provider);
      if (!adapter.sending.supported)
        v.add(
          'ticketId',
          'cannotSend',
          `replies go through the ticket's mailbox "${gateway.name}": ${adapter.sending.reason}`,
        );
      else this.checkSender(gateway, v, 'ticketId');
      const country = to ? countryProblem(gateway, to) : null;
      if (country) v.add('ticketId', 'allowedCountry', country);
    }
    const prepared =
      gateway && text && adapterFor(gateway.provider).sending.supported ? this.prepare(gateway, text, v) : undefined;
    v.throwIfAny();
    await this.optOuts.check(em, to!);
    const messageId = await em.transactional((tem) =>
      addToTicket(tem, {
        ticketId: ticket.id,
        customerId: ticket.customer.id,
        gatewayId: gateway!.id,
        direction: MessageDirection.OUTBOUND,
        status: MessageStatus.QUEUED,
        kind: 'SMS',
        from: senderOf(gateway!),
        to: to!,
        text: prepared!.text,
        parts: prepared!.seg.parts,
        encoding: prepared!.seg.encoding,
        authorId,
      }),
    );
    this.announceQueued({ messageId, ticketId: ticket.id, queueId: ticket.queue.id }, gateway!);
    return this.load(em, messageId);
  }

  /**
   * The text as it will be sent on this mailbox, or violations (encoding rules, part limit). `replacePolish`
   * overrides the mailbox's replacePolishDiacritics for this one message.
   */
  prepare(
    gateway: SendingGateway,
    raw: string,
    v: Violations,
    replacePolish = gateway.replacePolishDiacritics,
  ): PreparedText {
    const adapter = adapterFor(gateway.provider);
    const provider = catalogEntry(gateway.provider).displayName;
    const { text, seg } = asSent(raw, replacePolish);
    const problem = adapter.textProblem?.({ senderName: gateway.senderName }, seg.encoding);
    if (problem) v.add('text', 'encoding', problem);
    if (adapter.sending.supported && seg.parts > adapter.maxParts) {
      const why =
        seg.encoding === 'UCS2'
          ? `UCS-2, 70/67 characters a part, because of ${seg.nonGsmChars
              .slice(0, 5)
              .map((c) => `"${c}"`)
              .join(' ')}`
          : 'GSM-7, 160/153 characters a part';
      v.add(
        'text',
        'maxParts',
        `is ${seg.parts} SMS parts long (${seg.units} ${seg.encoding === 'UCS2' ? 'UTF-16 units' : 'GSM-7 characters'}, ${why}); ${provider} sends at most ${adapter.maxParts} (${adapter.maxPartsSource})`,
      );
    }
    return { text, seg };
  }

  /** Given mailbox, else the default SMS mailbox from settings, else the only one that can send. */
  private chooseGateway(facts: SendFacts, gatewayId: number | undefined, v: Violations): SendingGateway | null {
    let g = facts.gateway;
    if (gatewayId != null) {
      if (!g) {
        v.add('gatewayId', 'exists', `mailbox ${gatewayId} does not exist`);
        return null;
      }
    } else if (!g) {
      const senders = (facts.candidates ?? []).filter((x) => adapterFor(x.provider).sending.supported);
      if (senders.length === 1) g = senders[0];
      else {
        v.add(
          'gatewayId',
          'required',
          senders.length === 0
            ? 'no mailbox can send SMS yet: an administrator must configure one'
            : `choose a mailbox: ${senders.length} can send (${senders.map((s) => `"${s.name}"`).join(', ')}) and no default SMS mailbox is set in the settings`,
        );
        return null;
      }
    }
    const adapter = adapterFor(g.provider);
    if (!adapter.sending.supported) {
      v.add('gatewayId', 'cannotSend', `mailbox "${g.name}": ${adapter.sending.reason}`);
      return null;
    }
    this.checkSender(g, v, 'gatewayId');
    return g;
  }

  private checkSender(g: SendingGateway, v: Violations, field: string): void {
    const problem = adapterFor(g.provider).senderProblem(g.senderName);
    if (problem) v.add(field, 'senderName', `mailbox "${g.name}": ${problem}`);
  }

  /**
   * QUEUED and the ticket's move, announced after the commit. Should the process die in between, the
   * rows are there: a client sees them on its next read, and the SENT announcement follows anyway.
   */
  private announceQueued(q: Queued, gateway: { id: number; provider: ProviderId }): void {
    if (this.sink)
      announceStatus(this.sink, {
        messageId: q.messageId,
        ticketId: q.ticketId,
        gatewayId: gateway.id,
        status: MessageStatus.QUEUED,
        provider: gateway.provider,
      });
    this.publish?.('TICKET_UPDATED', { ticketId: q.ticketId, queueId: q.queueId });
  }

  private async load(em: EntityManager, id: number): Promise<Message> {
    return em.fork().findOneOrFail(Message, { id }, { populate: [...MESSAGE_POPULATE] });
  }
}

function checkText(text: string, v: Violations): void {
  if (!text || text.trim() === '') v.add('text', 'required', 'must not be empty');
  else if (text.length > MAX_TEXT_CHARS)
    v.add('text', 'maxLength', `is ${text.length} characters long; at most ${MAX_TEXT_CHARS}`);
}

/** The sender shown on an outbound message. */
export function senderOf(g: Pick<SendingGateway, 'senderName' | 'destinationNumber'>): string {
  return (g.senderName ?? g.destinationNumber ?? '').slice(0, 32);
}

/** What sendSms's checks and routing read: the mailbox, the card and the rules. */
interface SendFacts {
  /** The given mailbox, else the default SMS mailbox of the settings; null when neither exists. */
  gateway: SendingGateway | null;
  /** Every mailbox by name, read only when no mailbox was given and no default is set. */
  candidates: SendingGateway[] | null;
  /** The given card, else the oldest card holding the number. */
  customer: { id: number; name: string; phoneNumbers: string[] } | null;
  rules: RuleLike[];
  /** Of the numbers the message may go to (the one given, the card's), those that opted out. */
  optOuts: OptOutFacts[];
}

type GatewayJson = {
  id: number;
  name: string;
  provider: ProviderId;
  senderName: string | null;
  destinationNumber: string | null;
  replacePolishDiacritics: boolean;
  allowedCountries: string[];
};

const GATEWAY_JSON = `json_build_object('id', g.id, 'name', g.name, 'provider', g.provider, 'senderName', g.sender_name,
  'destinationNumber', g.destination_number, 'replacePolishDiacritics', g.replace_polish_diacritics, 'allowedCountries', g.allowed_countries)`;
const CUSTOMER_JSON = `json_build_object('id', c.id, 'name', c.name, 'phoneNumbers', c.phone_numbers)`;

const sendingGateway = (g: GatewayJson): SendingGateway => ({
  ...g,
  senderName: g.senderName ?? undefined,
  destinationNumber: g.destinationNumber ?? undefined,
});

/** sendSms's reads in one statement (outside the write transaction: nothing is written when a check fails). */
const SEND_FACTS = prepared(
  'outbound_send_facts',
  ['int', 'int', 'int', 'int', 'text', 'text', 'int'],
  `with s as (select (select default_sms_gateway_id from settings where id = 1) as default_id)
   select (select ${GATEWAY_JSON} from gateway g where g.id = coalesce(?, s.default_id)) as gateway,
          case when ? is null and s.default_id is null then (select json_agg(${GATEWAY_JSON} order by g.name) from gateway g) end as candidates,
          case when ? is not null then (select ${CUSTOMER_JSON} from customer c where c.id = ?)
               else ${CARD_FOR_NUMBER_JSON}
          end as customer,
          active_rules() as rules,
          (select json_agg(${OPT_OUT_FACTS_JSON}) from opt_out o
            where o.opted_out and o.phone_number = any(array[?] || coalesce((select c.phone_numbers from customer c where c.id = ?), '{}'))) as opt_outs
     from s`,
);

/** sendSms's reads in one statement (outside the write transaction: nothing is written when a check fails). */
async function sendFacts(
  em: EntityManager,
  q: { gatewayId?: number; customerId?: number; phone?: string; to?: string },
): Promise<SendFacts> {
  const [[row]] = await roundTrip(em, [
    [
      SEND_FACTS,
      [
        q.gatewayId ?? null,
        q.gatewayId ?? null,
        q.customerId ?? null,
        q.customerId ?? null,
        q.phone ?? null,
        q.to ?? null,
        q.customerId ?? null,
      ],
    ],
  ]);
  return {
    gateway: row.gateway ? sendingGateway(row.gateway) : null,
    candidates: row.candidates ? (row.candidates as GatewayJson[]).map(sendingGateway) : null,
    customer: row.customer,
    rules: rulesOfRows(row.rules as RuleRow[]),
    optOuts: (row.opt_outs as OptOutFacts[] | null) ?? [],
  };
}

/** src/db/functions/outbound_file.sql: the card, the open ticket and the message, QUEUED. */
const OUTBOUND_FILE = dbFunction<
  {
    /** The card; null: the card for `to`, made when there is none. */
    customerId: number | null;
    /** The rules' queue; null: the default queue, made when missing. */
    queueId: number | null;
    defaultQueue: string;
    gatewayId: number;
    from: string;
    to: string;
    text: string;
    parts: number;
    encoding: 'GSM7' | 'UCS2';
    authorId: number;
  },
  { message_id: number; ticket_id: number; queue_id: number }
>('outbound_file', {
  customerId: 'p_customer_id int',
  queueId: 'p_queue_id int',
  defaultQueue: 'p_default_queue text',
  gatewayId: 'p_gateway_id int',
  from: 'p_from text',
  to: 'p_to text',
  text: 'p_text text',
  parts: 'p_parts int',
  encoding: 'p_encoding sms_encoding',
  authorId: 'p_author_id int',
}).prepare('outbound_file');

/**
 * A new message of a conversation from the customer card, in one round trip: BEGIN, the write, the rows
 * of the answer, COMMIT (see src/db/raw-sql.ts). The write is `outbound_file`: the card for a new number
 * (`customer_for_number`, under the number's advisory lock as on the inbound path), the customer's open
 * ticket on the mailbox and queue (race-free) and the message, due at once.
 */
async function queueNew(
  em: EntityManager,
  m: {
    gateway: SendingGateway;
    queueId: number | null;
    customerId?: number;
    to: string;
    prepared: PreparedText;
    authorId: number;
  },
): Promise<QueuedNew> {
  const write = OUTBOUND_FILE.with({
    customerId: m.customerId ?? null,
    queueId: m.queueId,
    defaultQueue: DEFAULT_QUEUE_NAME,
    gatewayId: m.gateway.id,
    from: senderOf(m.gateway),
    to: m.to,
    text: m.prepared.text,
    parts: m.prepared.seg.parts,
    encoding: m.prepared.seg.encoding,
    authorId: m.authorId,
  });
  const [
    [row],
    [
      {
        message: messageRow,
        ticket: ticketRow,
        queue: queueRow,
        customer: customerRow,
        gateway: gatewayRow,
        author: authorRow,
      },
    ],
  ] = await roundTrip(em, [write, messageRows(em, m.gateway.id, m.authorId)], { transaction: true });
  return {
    messageId: Number(row.message_id),
    ticketId: Number(row.ticket_id),
    queueId: Number(row.queue_id),
    // The rows as MESSAGE_POPULATE would load them: relations first, so that the message's references
    // resolve to these (the identity map), then the message itself.
    message: (into) => {
      // Neither validated (our own rows, just read) nor cascaded (each relation is mapped here itself):
      // em.map's defaults would double the cost of this answer.
      const fork = into.fork();
      const map = <T extends object>(entity: EntityName<T>, row: Record<string, unknown>) =>
        fork.map(entity, row as never, { validate: false, cascade: false } as never) as T;
      map(Gateway, gatewayRow);
      map(Queue, queueRow);
      map(Customer, customerRow);
      if (authorRow) map(User, authorRow);
      map(Ticket, ticketRow);
      return map(Message, messageRow);
    },
  };
}

/**
 * The answer's rows, read back in the write's own round trip (after the write, before COMMIT: each
 * statement has its own snapshot and sees the rows written before it) instead of a query through the
 * ORM afterwards; one statement, each row as JSON under its column names (what `em.map` takes).
 * `currval` is this session's last message id: the one just inserted.
 */
function messageRows(em: EntityManager, gatewayId: number, authorId: number): Statement {
  const row = (entity: EntityName<object>, from: string) =>
    `(select row_to_json(x) from (select ${columnsOf(em, entity, 'r')} from ${from}) x)`;
  messageRowsStatement ??= prepared(
    'outbound_message_rows',
    ['int', 'int'],
    // A sub-select for the id: evaluated once, so the primary key index is used (a volatile call in the WHERE would scan).
    `with k as (select m.id, m.ticket_id, t.queue_id, t.customer_id from message m join ticket t on t.id = m.ticket_id
                 where m.id = (select currval(pg_get_serial_sequence('message', 'id'))))
     select ${row(Message, 'message r where r.id = (select id from k)')} as message,
            ${row(Ticket, 'ticket r where r.id = (select ticket_id from k)')} as ticket,
            ${row(Queue, 'queue r where r.id = (select queue_id from k)')} as queue,
            ${row(Customer, 'customer r where r.id = (select customer_id from k)')} as customer,
            ${row(Gateway, 'gateway r where r.id = ?')} as gateway,
            ${row(User, 'app_user r where r.id = ?')} as author`,
  );
  return [messageRowsStatement, [gatewayId, authorId]];
}

/** Built on first use: its column lists come from the ORM's metadata. */
let messageRowsStatement: Prepared | undefined;

const columnLists = new Map<EntityName<object>, string[]>();

/** The columns the ORM itself selects for an entity: its stored properties, without lazy ones (a user's password hash). */
function columnsOf(em: EntityManager, entity: EntityName<object>, alias: string): string {
  let cols = columnLists.get(entity);
  if (!cols) {
    const kinds: string[] = [ReferenceKind.SCALAR, ReferenceKind.MANY_TO_ONE];
    cols = em
      .getMetadata()
      .get(entity)
      .props.filter(
        (p) =>
          !p.lazy &&
          p.persist !== false &&
          !p.formula &&
          (kinds.includes(p.kind) || (p.kind === ReferenceKind.ONE_TO_ONE && p.owner)),
      )
      .flatMap((p) => p.fieldNames);
    columnLists.set(entity, cols);
  }
  return cols.map((c) => `${alias}."${c}"`).join(', ');
}
