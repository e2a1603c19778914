import { Arg, Authorized, Ctx, Field, ID, InputType, Int, Mutation, Query, Resolver } from 'type-graphql';
import { ArrayMaxSize, IsOptional, MaxLength } from 'class-validator';
import { NotFoundError } from '../../common/errors';
import { ConnectionType, pageSize, type Connection } from '../../graphql/connection';
import type { Context } from '../../graphql/context';
import { idOf } from '../../graphql/ids';
import { lengthLimit } from '../../graphql/limits';
import { Customer } from './customer.entity';

@InputType({ description: 'A customer card. On update, fields not given stay as they are.' })
export class CustomerInput {
  @Field({ nullable: true, description: "The customer's name, at most 200 characters; required on create." })
  @IsOptional()
  @MaxLength(200)
  name?: string;
  @Field(() => [String], {
    nullable: true,
    description:
      'At most 20, any format; stored as E.164 (numbers without a country code are Polish), duplicates dropped. On update the list replaces the stored one.',
  })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(32, { each: true })
  phoneNumbers?: string[];
  @Field({ nullable: true, description: 'An e-mail address, at most 254 characters; an empty string clears it.' })
  @IsOptional()
  @MaxLength(254)
  email?: string;
}

export const CustomerConnection = ConnectionType(Customer, 'Customer');

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized()
  @Query(() => CustomerConnection, {
    description:
      'Customer cards by name (then id). BAD_USER_INPUT for a `first` outside 1–100 or a cursor this API did not give out.',
  })
  customers(
    @Ctx() ctx: Context,
    @Arg('search', {
      nullable: true,
      ...lengthLimit('search', 200),
      description:
        'Part of the name or e-mail (case-insensitive), or a phone number in any format (also 3 or more of its digits); at most 200 characters.',
    })
    search?: string,
    @Arg('first', () => Int, { defaultValue: 20, description: 'How many cards to return: 1–100.' }) first = 20,
    @Arg('after', {
      nullable: true,
      ...lengthLimit('after', 200),
      description: 'The `cursor` of the last card you have; the page starts after it.',
    })
    after?: string,
  ): Promise<Connection<Customer>> {
    return ctx.services.customers.list(ctx.em, search?.slice(0, 200), pageSize(first), after);
  }

  @Authorized()
  @Query(() => Customer, { description: 'One customer card; NOT_FOUND when there is none with this id.' })
  async customer(
    @Arg('id', () => ID, { description: "The card's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<Customer> {
    const c = await ctx.em.findOne(Customer, { id: idOf(id, 'Customer') });
    if (!c) throw new NotFoundError('Customer', id);
    return c;
  }

  @Authorized()
  @Mutation(() => Customer, {
    description:
      'Creates a customer card. BAD_USER_INPUT with violations (empty name, a phone number that is not one, an e-mail address that is not one).',
  })
  createCustomer(
    @Arg('input', { description: 'The new card; name is required.' }) input: CustomerInput,
    @Ctx() ctx: Context,
  ): Promise<Customer> {
    return ctx.services.customers.create(ctx.em, input);
  }

  @Authorized()
  @Mutation(() => Customer, {
    description:
      'Changes a customer card; fields not given stay as they are. BAD_USER_INPUT with violations, NOT_FOUND for an unknown id.',
  })
  updateCustomer(
    @Arg('id', () => ID, { description: 'The card to change.' }) id: string,
    @Arg('input', { description: 'The fields to change; phoneNumbers replaces the whole list.' }) input: CustomerInput,
    @Ctx() ctx: Context,
  ): Promise<Customer> {
    return ctx.services.customers.update(ctx.em, idOf(id, 'Customer'), input);
  }
}
