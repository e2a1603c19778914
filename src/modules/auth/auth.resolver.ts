import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { ApiToken } from './api-token.entity';
import type { Context } from '../../graphql/context';
import { idOf } from '../../graphql/ids';
import { lengthLimit } from '../../graphql/limits';
import { CreateApiTokenInput, CreateUserInput, CreatedApiToken, LoginResult, PasswordReset } from './auth.input';
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

  @Mutation(() => LoginResult, {
    description:
      'Exchanges an e-mail address and password for a session token (valid SESSION_TTL_HOURS, 12 by default); needs no token. UNAUTHENTICATED for a wrong e-mail or password or a deactivated account; RATE_LIMITED after too many failed attempts (extensions.retryAfterSeconds).',
  })
  login(
    @Arg('email', {
      ...lengthLimit('email', 254),
      description: "The user's e-mail address (case and surrounding spaces do not matter), at most 254 characters.",
    })
    email: string,
    @Arg('password', { ...lengthLimit('password', 200), description: "The user's password, at most 200 characters." })
    password: string,
    @Ctx() ctx: Context,
  ): Promise<LoginResult> {
    return ctx.services.auth.login(ctx.em, email, password, ctx.ip);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, {
    description:
      'Admins: creates an administrator or agent who can log in at once. BAD_USER_INPUT with violations (e-mail format or already taken, empty name, password shorter than 8).',
  })
  createUser(
    @Arg('input', { description: 'The new user.' }) input: CreateUserInput,
    @Ctx() ctx: Context,
  ): Promise<User> {
    return ctx.services.auth.createUser(ctx.em, input);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Changes your password; your other login sessions end.' })
  changePassword(
    @Arg('currentPassword', {
      ...lengthLimit('currentPassword', 200),
      description: 'Your password now; BAD_USER_INPUT (rule matches) when it is wrong.',
    })
    current: string,
    @Arg('newPassword', { ...lengthLimit('newPassword', 200), description: 'The new password, at least 8 characters.' })
    next: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.auth.changePassword(ctx.em, ctx.user!, current, next, ctx.ip);
  }

  @Authorized()
  @Mutation(() => CreatedApiToken, { description: 'A long-lived token for an integration, acting as the caller.' })
  createApiToken(
    @Arg('input', { description: 'What the token is for and how long it lives.' }) input: CreateApiTokenInput,
    @Ctx() ctx: Context,
  ): Promise<CreatedApiToken> {
    return ctx.services.auth.createApiToken(ctx.em, ctx.user!.id, input.name, input.expiresInDays);
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Revokes one of your tokens (admins: any token).' })
  revokeApiToken(
    @Arg('id', () => ID, {
      description: "The token's id (ApiToken.id); BAD_USER_INPUT (rule exists) when it is not one you may revoke.",
    })
    id: string,
    @Ctx() ctx: Context,
  ): Promise<boolean> {
    return ctx.services.auth.revokeToken(ctx.em, ctx.user!, idOf(id, 'ApiToken'));
  }

  @Authorized()
  @Query(() => [ApiToken], {
    description:
      "A user's login sessions and API tokens, newest first (never the token itself). Yours by default; admins: anyone's.",
  })
  apiTokens(
    @Ctx() ctx: Context,
    @Arg('userId', () => ID, {
      nullable: true,
      description: "Whose tokens: yours when omitted; another user's for admins only (FORBIDDEN otherwise).",
    })
    userId?: string,
    @Arg('includeInactive', () => Boolean, { defaultValue: false, description: 'Also revoked and expired ones.' })
    includeInactive = false,
  ): Promise<ApiToken[]> {
    return ctx.services.auth.listTokens(
      ctx.em,
      ctx.user!,
      userId == null ? ctx.user!.id : idOf(userId, 'User'),
      includeInactive,
    );
  }

  @Authorized()
  @Mutation(() => Boolean, { description: 'Revokes the token of this request (log out).' })
  logout(@Ctx() ctx: Context): Promise<boolean> {
    return ctx.services.auth.logout(ctx.em, ctx.user!);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, {
    description:
      'Offboards a user: no more logins, every token revoked, open sockets closed. Not the last active ADMIN.',
  })
  deactivateUser(
    @Arg('id', () => ID, { description: 'The user to offboard; NOT_FOUND when there is none.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<User> {
    return ctx.services.users.deactivate(ctx.em, idOf(id, 'User'));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, { description: 'Lets a deactivated user log in again (their old tokens stay revoked).' })
  reactivateUser(
    @Arg('id', () => ID, { description: 'The user to let in again; NOT_FOUND when there is none.' }) id: string,
    @Ctx() ctx: Context,
  ): Promise<User> {
    return ctx.services.users.reactivate(ctx.em, idOf(id, 'User'));
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => User, { description: "Changes a user's role; the last active ADMIN cannot be demoted." })
  setUserRole(
    @Arg('id', () => ID, { description: 'The user whose role changes; NOT_FOUND when there is none.' }) id: string,
    @Arg('role', () => Role, { description: 'The new role.' }) role: Role,
    @Ctx() ctx: Context,
  ): Promise<User> {
    return ctx.services.users.setRole(ctx.em, idOf(id, 'User'), role);
  }

  @Authorized(Role.ADMIN)
  @Mutation(() => PasswordReset, {
    description: 'Gives a user a new generated password (shown once) and ends their login sessions.',
  })
  resetUserPassword(
    @Arg('id', () => ID, { description: 'The user who forgot their password; NOT_FOUND when there is none.' })
    id: string,
    @Ctx() ctx: Context,
  ): Promise<PasswordReset> {
    return ctx.services.users.resetPassword(ctx.em, idOf(id, 'User'));
  }
}
