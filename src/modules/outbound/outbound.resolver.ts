import { Arg, Authorized, Ctx, Field, ID, InputType, Mutation, Resolver, Root, Subscription } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { ValidationError } from '../../common/errors';
import type { Context } from '../../graphql/context';
import { lengthLimit } from '../../graphql/limits';
import { idOf } from '../../graphql/ids';
import type { EventPayloads } from '../../graphql/pubsub';
import { Message, MessageStatus } from '../tickets/message.entity';
import { ALLOWED_FROM, FINAL_STATUSES, type OutboundTarget } from './status';

@InputType({ description: 'An SMS from the customer card: to the customer (customerId) or to a number (to); the mailbox is optional.' })
export class SendSmsInput {
  @Field(() => ID, { nullable: true, description: "The customer card; without `to`, its first number is used." })
  customerId?: string;

  @Field({ nullable: true, description: 'A phone number (any format; sent to as E.164). Without customerId, a card is created for it if none holds it.' })
  @IsOptional() @MaxLength(32)
  to?: string;

  @Field()
  @MaxLength(5000, { message: 'must be at most 5000 characters' })
  text!: string;

  @Field(() => ID, { nullable: true, description: 'The mailbox to send through; default: the default SMS mailbox in settings, else the only one.' })
  gatewayId?: string;
}

/** An ID in an input object: a bad one is a BAD_USER_INPUT naming the field (not a NOT_FOUND of the operation). */
function inputId(value: string | undefined | null, field: string): number | undefined {
  if (value == null || value === '') return undefined;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) <= 0) throw ValidationError.single(field, 'exists', `"${value}" is not an id this API gave out`);
  return Number(value);
}

type StatusEvent = EventPayloads['MESSAGE_STATUS_CHANGED'];

@Resolver()
export class OutboundResolver {
  @Authorized()
  @Mutation(() => Message, { description: 'Queues an SMS from the customer card; it joins the customer\'s open ticket on the mailbox, or opens one.' })
  sendSms(@Arg('input') input: SendSmsInput, @Ctx() ctx: Context): Promise<Message> {
    return ctx.services.outbound.sendSms(ctx.em, ctx.user!.id, {
      customerId: inputId(input.customerId, 'customerId'),
      to: input.to,
      text: input.text,
      gatewayId: inputId(input.gatewayId, 'gatewayId'),
    });
  }

  @Authorized()
  @Mutation(() => Message, { description: 'Queues a reply on a ticket, through the mailbox the conversation came in on.' })
  replyToTicket(@Arg('ticketId', () => ID) ticketId: string, @Arg('text', lengthLimit('text', 5000)) text: string, @Ctx() ctx: Context): Promise<Message> {
    return ctx.services.outbound.replyToTicket(ctx.em, ctx.user!.id, idOf(ticketId, 'Ticket'), text);
  }

  @Authorized()
  @Subscription(() => Message, {
    topics: 'MESSAGE_STATUS_CHANGED',
    filter: ({ payload, args }: { payload: StatusEvent; args: { ticketId: string } }) => payload.ticketId !== null && String(payload.ticketId) === args.ticketId,
    description: "Every status change of the ticket's messages (QUEUED, SENT, DELIVERED, FAILED…), in order.",
  })
  async messageStatusChanged(@Root() event: StatusEvent, @Arg('ticketId', () => ID) _ticketId: string, @Ctx() ctx: Context): Promise<Message> {
    // A fresh fork per event: the operation's identity map would otherwise serve the first state forever.
    const m = await ctx.em.fork().findOneOrFail(Message, { id: event.messageId }, { populate: ['gateway', 'ticket', 'ticket.queue', 'ticket.customer', 'ticket.gateway', 'author'] });
    // The event's own status: by the time it is delivered the row may already be one step further. But
    // not behind a final status the row has: on another instance a message's QUEUED and SENT (announced
    // after their commits) can arrive after its FAILED or report (NOTIFYed inside their transactions),
    // and the last push must not show a failed or delivered message as queued.
    const step = event.status as MessageStatus;
    const final = FINAL_STATUSES.includes(m.status) && ALLOWED_FROM[m.status as OutboundTarget].includes(step);
    m.status = final ? m.status : step;
    return m;
  }
}
