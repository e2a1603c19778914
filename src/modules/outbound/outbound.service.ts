import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError, Violations } from '../../common/errors';
import { toE164 } from '../../common/phone';
import { publishInTransaction } from '../../graphql/pubsub';
import { findOrCreateCustomerByPhone } from '../customers/customer.service';
import { Customer } from '../customers/customer.entity';
import { Gateway } from '../gateways/gateway.entity';
import { catalogEntry } from '../providers/catalog';
import { adapterFor } from '../providers/registry';
import { loadSettings } from '../settings/settings.resolver';
import { Message, MessageStatus } from '../tickets/message.entity';
import { Ticket, TicketStatus } from '../tickets/ticket.entity';
import type { TicketService } from '../tickets/ticket.service';
import { addJob, SEND_TASK, sendJobKey } from './jobs';
import type { OutboundSettings } from './outbound.settings';
import { replacePolishDiacritics, segments, type SegmentInfo } from './segments';

/** Longest text accepted before counting parts (the providers' own limits are far lower). */
const MAX_TEXT_CHARS = 5000;

export interface SendSmsRequest {
  customerId?: number;
  to?: string;
  text: string;
  gatewayId?: number;
}

/** A text ready to queue on one mailbox: what is sent, its encoding and parts. */
export interface PreparedText {
  text: string;
  seg: SegmentInfo;
}

/**
 * Sending from the customer card and replying on tickets: validation, the choice of mailbox, the
 * conversation the message joins, and queueing. The message row, its send job and the QUEUED event
 * are written in one transaction: a job exists if and only if its message does.
 */
export class OutboundService {
  constructor(
    readonly settings: OutboundSettings,
    private readonly tickets: TicketService,
  ) {}

  async sendSms(em: EntityManager, authorId: number, input: SendSmsRequest): Promise<Message> {
    const v = new Violations();
    checkText(input.text, v);
    let to: string | undefined;
    if (input.to != null && input.to.trim() !== '') {
      const r = toE164(input.to);
      if (r.ok) to = r.e164;
      else v.add('to', 'phoneNumber', `"${input.to}" ${r.reason}`);
    }
    let customer: Customer | null = null;
    if (input.customerId != null) {
      customer = await em.findOne(Customer, { id: input.customerId });
      if (!customer) v.add('customerId', 'exists', `customer ${input.customerId} does not exist`);
      else if (to && !customer.phoneNumbers.includes(to)) {
        v.add('to', 'customerNumber', `${to} is not a number on the card of "${customer.name}"; add it to the card first, so that the answer joins the conversation`);
      } else if (!to && customer.phoneNumbers.length === 0) {
        v.add('customerId', 'phoneNumber', `the card of "${customer.name}" has no phone number`);
      }
      to ??= customer?.phoneNumbers[0];
    } else if (!to && !v.any) {
      v.add('to', 'required', 'give customerId (send to the card\'s number) or to (a phone number)');
    }
    const gateway = await this.chooseGateway(em, input.gatewayId, v);
    const prepared = gateway && input.text ? this.prepare(gateway, input.text, v) : undefined;
    v.throwIfAny();

    const messageId = await em.transactional(async (tem) => {
      // A number with no card gets one, so the conversation shows on a customer card.
      const customerId = customer?.id ?? (await findOrCreateCustomerByPhone(tem, to!)).id;
      // The queue the customer's answer will be routed to, so that it lands in this same ticket.
      const { queueId } = await this.tickets.routeFor(tem, { gatewayId: gateway!.id, from: to!, text: prepared!.text });
      const ticket = await this.tickets.findOrOpen(tem, customerId, gateway!.id, queueId);
      return this.queue(tem, { gateway: gateway!, ticketId: ticket.id, queueId, customerId, to: to!, prepared: prepared!, authorId });
    });
    return this.load(em, messageId);
  }

  async replyToTicket(em: EntityManager, authorId: number, ticketId: number, text: string): Promise<Message> {
    const ticket = await em.findOne(Ticket, { id: ticketId }, { populate: ['gateway', 'customer', 'queue'] });
    if (!ticket) throw new NotFoundError('Ticket', ticketId);
    const v = new Violations();
    checkText(text, v);
    if (ticket.status !== TicketStatus.OPEN) v.add('ticketId', 'closed', 'the ticket is closed; send from the customer card to start a new conversation');
    const gateway = ticket.gateway;
    if (!gateway) v.add('ticketId', 'mailbox', "the ticket's mailbox was deleted; send from the customer card through another mailbox");
    const to = await this.conversationNumber(em, ticket);
    if (!to) v.add('ticketId', 'phoneNumber', `the customer "${ticket.customer.name}" has no phone number`);
    if (gateway) {
      const adapter = adapterFor(gateway.provider);
      if (!adapter.sending.supported) v.add('ticketId', 'cannotSend', `replies go through the ticket's mailbox "${gateway.name}": ${adapter.sending.reason}`);
      else this.checkSender(gateway, v, 'ticketId');
    }
    const prepared = gateway && text && adapterFor(gateway.provider).sending.supported ? this.prepare(gateway, text, v) : undefined;
    v.throwIfAny();
    const messageId = await em.transactional(async (tem) => {
      await tem.execute(`update ticket set last_message_at = now(), updated_at = now() where id = ?`, [ticket.id]);
      return this.queue(tem, { gateway: gateway!, ticketId: ticket.id, queueId: ticket.queue.id, customerId: ticket.customer.id, to: to!, prepared: prepared!, authorId });
    });
    return this.load(em, messageId);
  }

  /** The text as it will be sent on this mailbox, or violations (encoding rules, part limit). */
  prepare(gateway: Gateway, raw: string, v: Violations): PreparedText {
    const adapter = adapterFor(gateway.provider);
    const provider = catalogEntry(gateway.provider).displayName;
    // Replacing Polish letters keeps the text in GSM-7 (160/153 a part instead of 70/67).
    const text = gateway.replacePolishDiacritics ? replacePolishDiacritics(raw) : raw;
    const seg = segments(text);
    const problem = adapter.textProblem?.({ senderName: gateway.senderName }, seg.encoding);
    if (problem) v.add('text', 'encoding', problem);
    if (adapter.sending.supported && seg.parts > adapter.maxParts) {
      const why = seg.encoding === 'UCS2' ? `UCS-2, 70/67 characters a part, because of ${seg.nonGsmChars.slice(0, 5).map((c) => `"${c}"`).join(' ')}` : 'GSM-7, 160/153 characters a part';
      v.add('text', 'maxParts', `is ${seg.parts} SMS parts long (${seg.units} ${seg.encoding === 'UCS2' ? 'UTF-16 units' : 'GSM-7 characters'}, ${why}); ${provider} sends at most ${adapter.maxParts} (${adapter.maxPartsSource})`);
    }
    return { text, seg };
  }

  /** Given mailbox, else the default SMS mailbox from settings, else the only one that can send. */
  private async chooseGateway(em: EntityManager, gatewayId: number | undefined, v: Violations): Promise<Gateway | null> {
    let g: Gateway | null = null;
    if (gatewayId != null) {
      g = await em.findOne(Gateway, { id: gatewayId });
      if (!g) {
        v.add('gatewayId', 'exists', `mailbox ${gatewayId} does not exist`);
        return null;
      }
    } else {
      g = (await loadSettings(em)).defaultSmsGateway ?? null;
      if (!g) {
        const senders = (await em.find(Gateway, {}, { orderBy: { name: 'asc' } })).filter((x) => adapterFor(x.provider).sending.supported);
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
    }
    const adapter = adapterFor(g.provider);
    if (!adapter.sending.supported) {
      v.add('gatewayId', 'cannotSend', `mailbox "${g.name}": ${adapter.sending.reason}`);
      return null;
    }
    this.checkSender(g, v, 'gatewayId');
    return g;
  }

  private checkSender(g: Gateway, v: Violations, field: string): void {
    const problem = adapterFor(g.provider).senderProblem(g.senderName);
    if (problem) v.add(field, 'senderName', `mailbox "${g.name}": ${problem}`);
  }

  /** The number the conversation is with: the customer's last inbound number on this ticket, else the card's first. */
  private async conversationNumber(em: EntityManager, ticket: Ticket): Promise<string | undefined> {
    const [last] = await em.execute<{ n: string }[]>(
      `select case when direction = 'INBOUND' then from_address else to_address end as n
         from message where ticket_id = ?
        order by case when direction = 'INBOUND' then 0 else 1 end, created_at desc, id desc limit 1`,
      [ticket.id],
    );
    const n = last?.n ? toE164(last.n) : undefined;
    return n?.ok ? n.e164 : ticket.customer.phoneNumbers[0];
  }

  private async queue(
    em: EntityManager,
    m: { gateway: Gateway; ticketId: number; queueId: number; customerId: number; to: string; prepared: PreparedText; authorId: number },
  ): Promise<number> {
    const [row] = await em.execute<{ id: number }[]>(
      `insert into message (direction, status, kind, from_address, to_address, text, parts, encoding, attempts,
                            gateway_id, ticket_id, customer_id, author_id, created_at, updated_at)
       values ('OUTBOUND', 'QUEUED', 'SMS', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, now(), now()) returning id`,
      [
        (m.gateway.senderName ?? m.gateway.destinationNumber ?? '').slice(0, 32),
        m.to,
        m.prepared.text,
        m.prepared.seg.parts,
        m.prepared.seg.encoding,
        m.gateway.id,
        m.ticketId,
        m.customerId,
        m.authorId,
      ],
    );
    await addJob(em, SEND_TASK, { messageId: row.id }, { jobKey: sendJobKey(row.id) });
    await publishInTransaction(em, 'MESSAGE_STATUS_CHANGED', { messageId: row.id, ticketId: m.ticketId, status: MessageStatus.QUEUED });
    await publishInTransaction(em, 'TICKET_UPDATED', { ticketId: m.ticketId, queueId: m.queueId });
    return row.id;
  }

  private async load(em: EntityManager, id: number): Promise<Message> {
    return em.fork().findOneOrFail(Message, { id }, { populate: ['gateway', 'ticket', 'ticket.queue', 'ticket.customer', 'ticket.gateway', 'author'] });
  }
}

function checkText(text: string, v: Violations): void {
  if (!text || text.trim() === '') v.add('text', 'required', 'must not be empty');
  else if (text.length > MAX_TEXT_CHARS) v.add('text', 'maxLength', `is ${text.length} characters long; at most ${MAX_TEXT_CHARS}`);
}
