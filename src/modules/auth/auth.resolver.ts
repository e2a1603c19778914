import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { idOf } from '../../graphql/ids';
import { lengthLimit } from '../../graphql/limits';
import { CreateApiTokenInput, CreateUserInput, CreatedApiToken, LoginResult } from './auth.input';
import { Role, User } from './user.entity';

@Resolver()
export class AuthResolver {
  @Authorized()
  @Query(() => User, { description: 'The logged-in user.' })
  me(@Ctx() ctx: Context): Promise<User> {
    return ctx.em.findOneOrFail(User, { id: ctx.user!.id });
  }

  @Authorized(Role.ADMIN)
  @Query(() => [User], { description: 'All users (to pick queue members).' })
  users(@Ctx() ctx: Context): Promise<User[]> {
    return ctx.em.find(User, {}, { orderBy: { name: 'asc', id: 'asc' } });
  }

  @Mutation(() => LoginResult)
  login(
    @Arg('email', lengthLimit('email', 254)) email: string,
    @Arg('password', lengthLimit('password', 200)) password: string,
    @Ctx() ctx: Context,
  ): Promise<LoginResult> {
    return ctx.services.auth.login(ctx.em, email, password, ctx.ip);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User)
  createUser(@Arg('input') input: CreateUserInput, @Ctx() ctx: Context): Promise<User> {
    return ctx.services.auth.createUser(ctx.em, input);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Changes your password; your other login sessions end.' })
  changePassword(
    @Arg('currentPassword', lengthLimit('currentPassword', 200)) current: string,
    @Arg('newPassword', lengthLimit('newPassword', 200)) next: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.auth.changePassword(ctx.em, ctx.user!, current, next, ctx.ip);
  }

  @Authorized()
  @Mutation(() => CreatedApiToken, { description: 'A long-lived token for an integration, acting as the caller.' })
  createApiToken(@Arg('input') input: CreateApiTokenInput, @Ctx() ctx: Context): Promise<CreatedApiToken> {
    return ctx.services.auth.createApiToken(ctx.em, ctx.user!.id, input.name, input.expiresInDays);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Revokes one of your tokens (admins: any token).' })
  revokeApiToken(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.auth.revokeToken(ctx.em, ctx.user!, idOf(id, 'ApiToken'));
  }
}
