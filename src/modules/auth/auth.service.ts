import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ForbiddenError, UnauthenticatedError, ValidationError, Violations } from '../../common/errors';
import { ApiToken, TokenKind } from './api-token.entity';
import { Role, User } from './user.entity';
import { DEFAULT_LOGIN_LIMITS, LoginLimiter, type LoginLimits } from './login-limiter';

/** Who is calling: what guards and resolvers need, without holding an entity across requests. */
export interface AuthUser {
  id: number;
  role: Role;
  email: string;
  name: string;
  tokenId: number;
}

/** How long tokens live (config: SESSION_TTL_HOURS, API_TOKEN_MAX_DAYS). */
export interface TokenLifetimes {
  sessionTtlHours: number;
  /** The longest an API token may live, and how long one made without an expiry lives. */
  apiTokenMaxDays: number;
}

const TOKEN_PREFIX = 'smsd_';
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// A fixed hash to verify against when the e-mail is unknown, so both answers take as long.
let dummyHash: Promise<string> | undefined;

export class AuthService {
  private readonly loginLimiter: LoginLimiter;

  /** `knex`: the database the login counters live in (MikroORM's; see LoginLimiter). */
  constructor(
    private readonly lifetimes: TokenLifetimes,
    knex: unknown,
    loginLimits: LoginLimits = DEFAULT_LOGIN_LIMITS,
  ) {
    this.loginLimiter = new LoginLimiter(knex, loginLimits);
  }

  hashPassword(password: string): Promise<string> {
    // argon2id with the library's defaults (19 MiB, t=2): OWASP's recommended floor.
    return hash(password);
  }

  async createUser(
    em: EntityManager,
    input: { email: string; name: string; password: string; role: Role },
  ): Promise<User> {
    const email = input.email.trim().toLowerCase();
    const v = new Violations();
    if (!EMAIL_RE.test(email)) v.add('email', 'email', 'must be an e-mail address such as agent@example.com');
    if (!input.name.trim()) v.add('name', 'required', 'must not be empty');
    if (input.password.length < 8) v.add('password', 'minLength', 'must be at least 8 characters');
    if (!v.any && (await em.count(User, { email })))
      v.add('email', 'unique', `a user with e-mail ${email} already exists`);
    v.throwIfAny();
    const user = em.create(User, {
      email,
      name: input.name.trim(),
      role: input.role,
      passwordHash: await this.hashPassword(input.password),
    });
    await em.flush();
    return user;
  }

  /** Throws LoginRateLimitedError (before any password check) when the client IP, this client at this address, or the address tried too often. */
  async login(
    em: EntityManager,
    emailRaw: string,
    password: string,
    ip?: string,
  ): Promise<{ token: string; user: User }> {
    const email = emailRaw.trim().toLowerCase();
    await this.loginLimiter.attempt(email, ip);
    const user = await em.findOne(User, { email }, { populate: ['passwordHash'] });
    dummyHash ??= hash('not a real password');
    const ok = user ? await verify(user.passwordHash, password) : (await verify(await dummyHash, password), false);
    if (!user || !ok) throw new UnauthenticatedError('Wrong e-mail or password');
    // Said only to whoever knows the password; counted like a failure, as no token is issued.
    if (user.deactivatedAt) throw new UnauthenticatedError('This account is deactivated; ask an administrator');
    await this.loginLimiter.succeeded(email, ip);
    const token = await this.issue(
      em,
      user,
      TokenKind.SESSION,
      'login',
      new Date(Date.now() + this.lifetimes.sessionTtlHours * 3600_000),
    );
    return { token, user };
  }

  /**
   * Changes the caller's password; other login sessions end, API tokens stay. The current password is a
   * guess like a login's (someone holding a stolen token could try passwords here): it counts against the
   * same limits as a login from this client, before the check.
   */
  async changePassword(
    em: EntityManager,
    caller: AuthUser,
    current: string,
    next: string,
    ip?: string,
  ): Promise<boolean> {
    const user = await em.findOneOrFail(User, { id: caller.id }, { populate: ['passwordHash'] });
    await this.loginLimiter.attempt(user.email, ip);
    if (!(await verify(user.passwordHash, current)))
      throw ValidationError.single('currentPassword', 'matches', 'is not your current password');
    await this.loginLimiter.succeeded(user.email, ip);
    if (next.length < 8) throw ValidationError.single('newPassword', 'minLength', 'must be at least 8 characters');
    user.passwordHash = await this.hashPassword(next);
    await em.flush();
    await em.nativeUpdate(
      ApiToken,
      { user: user.id, kind: TokenKind.SESSION, revokedAt: null, id: { $ne: caller.tokenId } },
      { revokedAt: new Date() },
    );
    return true;
  }

  async createApiToken(
    em: EntityManager,
    userId: number,
    name: string,
    expiresInDays?: number | null,
  ): Promise<{ token: string; apiToken: ApiToken }> {
    const v = new Violations();
    const maxDays = this.lifetimes.apiTokenMaxDays;
    if (!name.trim()) v.add('name', 'required', 'must not be empty');
    // A longer wish is refused rather than cut short, so the caller knows when the token stops working.
    if (expiresInDays != null && (!Number.isInteger(expiresInDays) || expiresInDays < 1 || expiresInDays > maxDays)) {
      v.add(
        'expiresInDays',
        'range',
        `must be a whole number of days from 1 to ${maxDays} (the longest an API token may live)`,
      );
    }
    v.throwIfAny();
    const user = em.getReference(User, userId);
    const expires = new Date(Date.now() + (expiresInDays ?? maxDays) * 86400_000);
    const token = await this.issue(em, user, TokenKind.API, name.trim(), expires);
    const apiToken = await em.findOneOrFail(ApiToken, { tokenHash: sha256(token) });
    return { token, apiToken };
  }

  /** Revokes a token of the caller's, or (admins) anyone's. */
  async revokeToken(em: EntityManager, caller: AuthUser, id: number): Promise<boolean> {
    const t = await em.findOne(ApiToken, { id, ...(caller.role === Role.ADMIN ? {} : { user: caller.id }) });
    if (!t) throw ValidationError.single('id', 'exists', `you have no token ${id}`);
    t.revokedAt ??= new Date();
    await em.flush();
    return true;
  }

  /** Revokes the token the caller is using (open sockets with it close at their next re-check). */
  async logout(em: EntityManager, caller: AuthUser): Promise<boolean> {
    await em.nativeUpdate(ApiToken, { id: caller.tokenId, revokedAt: null }, { revokedAt: new Date() });
    return true;
  }

  /**
   * A user's tokens, newest first: login sessions and API tokens; only those that still work unless
   * `includeInactive`. Agents may list only their own (FORBIDDEN otherwise); the secrets are not stored.
   */
  async listTokens(em: EntityManager, caller: AuthUser, userId: number, includeInactive: boolean): Promise<ApiToken[]> {
    if (userId !== caller.id && caller.role !== Role.ADMIN)
      throw new ForbiddenError('Only ADMIN users may list the tokens of another user');
    const now = new Date();
    const live = includeInactive ? {} : { revokedAt: null, $or: [{ expiresAt: null }, { expiresAt: { $gt: now } }] };
    return em.find(ApiToken, { user: userId, ...live }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  }

  /** Makes the address start afresh at the login form (its failure counters from every client go). */
  forgetLoginFailures(email: string): Promise<void> {
    return this.loginLimiter.forget(email);
  }

  /** Resolves a bearer token to its user; null when unknown, expired, revoked, or the user is deactivated. */
  async authenticate(em: EntityManager, token: string): Promise<AuthUser | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 100) return null;
    // Read on every request (no cache), so a deactivation or revocation holds at once on every instance.
    const rows = await em
      .getConnection()
      .execute<{ id: number; user_id: number; role: Role; email: string; name: string }[]>(
        `select t.id, t.user_id, u.role, u.email, u.name
         from api_token t join app_user u on u.id = t.user_id
        where t.token_hash = ? and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
          and u.deactivated_at is null`,
        [sha256(token)],
      );
    const r = rows[0];
    return r ? { id: r.user_id, role: r.role, email: r.email, name: r.name, tokenId: r.id } : null;
  }

  /** Parses `Bearer <token>`; returns undefined when there is no header, throws when it is malformed. */
  static bearer(header: string | undefined | null): string | undefined {
    if (!header) return undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!m) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>"');
    return m[1];
  }

  private async issue(em: EntityManager, user: User, kind: TokenKind, name: string, expiresAt?: Date): Promise<string> {
    const token = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    em.create(ApiToken, { user, kind, name, tokenHash: sha256(token), expiresAt });
    await em.flush();
    return token;
  }
}
