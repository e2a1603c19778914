import {
  Arg,
  Authorized,
  Ctx,
  Extensions,
  Field,
  ID,
  InputType,
  Mutation,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { filter, pipe } from '@graphql-yoga/subscription';
import { NotFoundError, ValidationError } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { lengthLimit, SEND_COST } from '../../graphql/limits';
import { idOf } from '../../graphql/ids';
import { streamOrRefusal, type EventPayloads } from '../../graphql/pubsub';
import { Message, MessageStatus } from '../tickets/message.entity';
import { scopeOf } from '../tickets/queue-access';
import { Ticket } from '../tickets/ticket.entity';

@InputType({
  description:
    'An SMS from the customer card: to the customer (customerId) or to a number (to); the mailbox is optional.',
})
export class SendSmsInput {
  @Field(() => ID, { nullable: true, description: 'The customer card; without `to`, its first number is used.' })
  customerId?: string;

  @Field({
    nullable: true,
    description:
      'A phone number (any format; sent to as E.164). Without customerId, a card is created for it if none holds it.',
  })
  @IsOptional()
  @MaxLength(32)
  to?: string;

  @Field({
    description:
      'The text, at most 5000 characters; it is split into SMS parts (GSM-7: 160, or 153 a part; with any other character UCS-2: 70, or 67 a part), up to what the provider sends.',
  })
  @MaxLength(5000, { message: 'must be at most 5000 characters' })
  text!: string;

  @Field(() => ID, {
    nullable: true,
    description: 'The mailbox to send through; default: the default SMS mailbox in settings, else the only one.',
  })
  gatewayId?: string;

  @Field({
    nullable: true,
    description:
      "Replace Polish letters (ą→a, ł→l…) for this message, which keeps it in GSM-7; default: the mailbox's replacePolishDiacritics.",
  })
  replacePolishDiacritics?: boolean;
}

/** An ID in an input object: a bad one is a BAD_USER_INPUT naming the field (not a NOT_FOUND of the operation). */
function inputId(value: string | undefined | null, field: string): number | undefined {
  if (value == null || value === '') return undefined;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) <= 0)
    throw ValidationError.single(field, 'exists', `"${value}" is not an id this API gave out`);
  return Number(value);
}

type StatusEvent = EventPayloads['MESSAGE_STATUS_CHANGED'];

@Resolver()
export class OutboundResolver {
  @Extensions({ cost: SEND_COST })
  @Authorized()
  @Mutation(() => Message, {
    description:
      "Queues an SMS from the customer card; it joins the customer's open ticket on the mailbox, or opens one, and is returned QUEUED (follow it with messageStatusChanged). Any logged-in user. Refusals: BAD_USER_INPUT with violations (a number that is not one or is in a country the mailbox may not send to, empty text, more parts than the provider takes, no mailbox chosen and no default, a mailbox that cannot send or whose sender name the provider refuses), OPTED_OUT when the number opted out, RATE_LIMITED over the send rate. Costs a tenth of the query cost limit.",
  })
  sendSms(
    @Arg('input', { description: 'Who to send to, what, and through which mailbox.' }) input: SendSmsInput,
    @Ctx() ctx: Context,
  ): Promise<Message> {
    return ctx.services.outbound.sendSms(ctx.em, ctx.user!.id, {
      customerId: inputId(input.customerId, 'customerId'),
      to: input.to,
      text: input.text,
      gatewayId: inputId(input.gatewayId, 'gatewayId'),
      replacePolishDiacritics: input.replacePolishDiacritics ?? undefined,
    });
  }

  @Authorized()
  @Extensions({ cost: SEND_COST })
  @Mutation(() => Message, {
    description:
      "Queues a reply on a ticket, through the mailbox the conversation came in on, to the customer's number of the conversation; returned QUEUED. NOT_FOUND for a ticket you may not see; BAD_USER_INPUT with violations (empty or too long text, a closed ticket, a deleted mailbox, a number in a country the mailbox may not send to); OPTED_OUT when the number opted out; RATE_LIMITED over the send rate.",
  })
  async replyToTicket(
    @Arg('ticketId', () => ID, { description: 'The ticket to reply on.' }) ticketId: string,
    @Arg('text', { ...lengthLimit('text', 5000), description: 'The reply, at most 5000 characters.' }) text: string,
    @Ctx() ctx: Context,
  ): Promise<Message> {
    return ctx.services.outbound.replyToTicket(
      ctx.em,
      ctx.user!.id,
      idOf(ticketId, 'Ticket'),
      text,
      await scopeOf(ctx),
    );
  }

  /** A ticket of a queue you may not see is NOT_FOUND; the events stop when you no longer may see it (queue-access.ts). */
  @Authorized()
  @Subscription(() => Message, {
    subscribe: ({ args, context }) =>
      streamOrRefusal(async () => {
        const ctx = context as Context;
        const ticketId = idOf(String(args.ticketId), 'Ticket');
        const ticket = await ctx.em
          .fork()
          .findOne(Ticket, { $and: [{ id: ticketId }, (await scopeOf(ctx)).tickets()] }, { fields: ['queue'] });
        if (!ticket) throw new NotFoundError('Ticket', String(args.ticketId));
        const queueId = ticket.queue.id;
        return pipe(
          ctx.events.subscribe('MESSAGE_STATUS_CHANGED'),
          filter(async (e: StatusEvent) => e.ticketId === ticketId && (await scopeOf(ctx)).allows(queueId)),
        );
      }),
    description:
      "Every status change of the ticket's messages (QUEUED, SENT, DELIVERED, FAILED…), in order, as the message now is. NOT_FOUND for a ticket you may not see; the events stop when you no longer may.",
  })
  async messageStatusChanged(
    @Root() event: StatusEvent,
    @Arg('ticketId', () => ID, { description: 'The ticket whose messages to follow.' }) _ticketId: string,
    @Ctx() ctx: Context,
  ): Promise<Message> {
    // A fresh fork per event: the operation's identity map would otherwise serve the first state forever.
    const em = ctx.em.fork();
    const m = await em.findOneOrFail(
      Message,
      { id: event.messageId },
      { populate: ['gateway', 'ticket', 'ticket.queue', 'ticket.customer', 'ticket.gateway', 'author'] },
    );
    // The step as announced, as the status machine shows it against the row as it is now.
    const [shown] = await em.execute<{ status: MessageStatus }[]>(
      `select message_status_shown(?::message_status, ?::message_status) as status`,
      [event.status, m.status],
    );
    m.status = shown.status;
    return m;
  }
}
