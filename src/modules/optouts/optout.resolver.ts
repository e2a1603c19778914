import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { lengthLimit } from '../../graphql/limits';
import { pageSize } from '../../graphql/connection';
import { Customer } from '../customers/customer.entity';
import { Ticket } from '../tickets/ticket.entity';
import { OptOut, OptOutChange } from './optout.entity';
import { MAX_REASON_CHARS, ticketOptOut } from './optout.service';

/** Changes of a number shown when `first` is not given. */
export const OPT_OUT_HISTORY_PAGE = 50;

@Resolver()
export class OptOutResolver {
  @Authorized()
  @Query(() => [OptOutChange], {
    description:
      "Every change of a number's opt-out state (keyword, provider report, manual), newest first: the latest `first` (at most 100). BAD_USER_INPUT when the number is not a phone number.",
  })
  optOutHistory(
    @Arg('phoneNumber', {
      description: 'The number, best in E.164 (+48500600700); without a country code it is read as Polish.',
      ...lengthLimit('phoneNumber', 32),
    })
    phoneNumber: string,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { defaultValue: OPT_OUT_HISTORY_PAGE, description: 'How many changes, at most 100.' })
    first: number,
  ): Promise<OptOutChange[]> {
    return ctx.services.optOuts.history(ctx.em, phoneNumber, pageSize(first));
  }

  @Authorized()
  @Mutation(() => OptOut, {
    description:
      'Opts a number out of every SMS from us (optedOut true) or back in (false), by hand, with a reason; kept in optOutHistory. Agents and admins. BAD_USER_INPUT for a number that is not a phone number or a missing reason.',
  })
  setOptOut(
    @Arg('phoneNumber', { description: 'The number, best in E.164 (+48500600700).', ...lengthLimit('phoneNumber', 32) })
    phoneNumber: string,
    @Arg('optedOut', { description: 'True: no SMS goes to the number any more; false: it may be texted again.' })
    optedOut: boolean,
    @Arg('reason', {
      description: 'Why (e.g. "asked by phone on 5 Dec"); required.',
      ...lengthLimit('reason', MAX_REASON_CHARS),
    })
    reason: string,
    @Ctx() ctx: Context,
  ): Promise<OptOut> {
    return ctx.services.optOuts.set(ctx.em, ctx.user!.id, { phoneNumber, optedOut, reason });
  }
}

@Resolver(() => Customer)
export class CustomerOptOutsResolver {
  @FieldResolver(() => [OptOut], {
    description:
      "The card's numbers that opted out of our SMS, with when and how; empty when every number may be texted.",
  })
  optOuts(@Root() c: Customer, @Ctx() ctx: Context): Promise<OptOut[]> {
    return ctx.services.optOuts.optedOut(ctx.em.fork(), c.phoneNumbers);
  }
}

@Resolver(() => Ticket)
export class TicketOptOutResolver {
  @FieldResolver(() => OptOut, {
    nullable: true,
    description:
      'The opt-out of the number replies on this ticket go to, while that number is opted out (replyToTicket then answers OPTED_OUT); null when it may be texted.',
  })
  optOut(@Root() t: Ticket, @Ctx() ctx: Context): Promise<OptOut | null> {
    // A fork: over graphql-ws, ctx.em lives as long as the subscription.
    return ticketOptOut(ctx.em.fork(), t.id);
  }
}
