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
  @Field({ nullable: true }) @IsOptional() @MaxLength(200) name?: string;
  @Field(() => [String], {
    nullable: true,
    description: 'Any format; stored as E.164 (numbers without a country code are Polish).',
  })
  @IsOptional()
  @ArrayMaxSize(20)
  @MaxLength(32, { each: true })
  phoneNumbers?: string[];
  @Field({ nullable: true }) @IsOptional() @MaxLength(254) email?: string;
}

export const CustomerConnection = ConnectionType(Customer, 'Customer');

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized()
  @Query(() => CustomerConnection)
  customers(
    @Ctx() ctx: Context,
    @Arg('search', { nullable: true, ...lengthLimit('search', 200) }) search?: string,
    @Arg('first', () => Int, { defaultValue: 20 }) first = 20,
    @Arg('after', { nullable: true, ...lengthLimit('after', 200) }) after?: string,
  ): Promise<Connection<Customer>> {
    return ctx.services.customers.list(ctx.em, search?.slice(0, 200), pageSize(first), after);
  }

  @Authorized()
  @Query(() => Customer)
  async customer(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Customer> {
    const c = await ctx.em.findOne(Customer, { id: idOf(id, 'Customer') });
    if (!c) throw new NotFoundError('Customer', id);
    return c;
  }

  @Authorized()
  @Mutation(() => Customer)
  createCustomer(@Arg('input') input: CustomerInput, @Ctx() ctx: Context): Promise<Customer> {
    return ctx.services.customers.create(ctx.em, input);
  }

  @Authorized()
  @Mutation(() => Customer)
  updateCustomer(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: CustomerInput,
    @Ctx() ctx: Context,
  ): Promise<Customer> {
    return ctx.services.customers.update(ctx.em, idOf(id, 'Customer'), input);
  }
}
