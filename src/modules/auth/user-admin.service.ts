import crypto from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError } from '../../common/errors';
import { ApiToken, TokenKind } from './api-token.entity';
import type { AuthService } from './auth.service';
import { Role, User } from './user.entity';

/**
 * Serialises the changes that could leave no active admin (deactivation, demotion), across instances: two
 * admins demoting each other at once must not both succeed.
 */
const ADMIN_CHANGE_LOCK = 7735003;

/**
 * Offboarding and account care, for admins: deactivate and reactivate users, change roles, reset passwords.
 * The service always keeps one active admin, so nobody can lock everyone out of the configuration.
 */
export class UserAdminService {
  constructor(private readonly auth: AuthService) {}

  /**
   * Deactivates a user: no more logins, and every token of theirs is revoked now (authentication also
   * refuses a deactivated user's tokens, so one issued in a race does not work either). Reactivating does
   * not bring the tokens back. Idempotent.
   */
  deactivate(em: EntityManager, id: number): Promise<User> {
    return em.transactional(async (tem) => {
      const user = await this.lockedUser(tem, id);
      if (user.deactivatedAt) return user;
      if (user.role === Role.ADMIN) await this.refuseIfLastAdmin(tem, user, 'id', 'deactivated');
      user.deactivatedAt = new Date();
      await tem.flush();
      await tem.nativeUpdate(ApiToken, { user: user.id, revokedAt: null }, { revokedAt: new Date() });
      return user;
    });
  }

  /** Lets a deactivated user log in again (their old tokens stay revoked). Idempotent. */
  async reactivate(em: EntityManager, id: number): Promise<User> {
    const user = await em.findOne(User, { id });
    if (!user) throw new NotFoundError('User', id);
    user.deactivatedAt = undefined;
    await em.flush();
    return user;
  }

  /** Changes a user's role; it takes effect at their next request (sockets opened as the old role close). */
  setRole(em: EntityManager, id: number, role: Role): Promise<User> {
    return em.transactional(async (tem) => {
      const user = await this.lockedUser(tem, id);
      if (user.role === Role.ADMIN && role !== Role.ADMIN && !user.deactivatedAt)
        await this.refuseIfLastAdmin(tem, user, 'role', 'demoted');
      user.role = role;
      await tem.flush();
      return user;
    });
  }

  /**
   * Gives a user a new generated password, returned once (it is stored only as a hash), ends their login
   * sessions (API tokens stay: revoke those with revokeApiToken), and clears the address's failed-login
   * counters so the new password works at once.
   */
  async resetPassword(em: EntityManager, id: number): Promise<{ user: User; password: string }> {
    // 18 random bytes: 24 URL-safe characters, 144 bits; typed once, then changed with changePassword.
    const password = crypto.randomBytes(18).toString('base64url');
    const passwordHash = await this.auth.hashPassword(password);
    const user = await em.transactional(async (tem) => {
      const u = await tem.findOne(User, { id });
      if (!u) throw new NotFoundError('User', id);
      u.passwordHash = passwordHash;
      await tem.flush();
      await tem.nativeUpdate(
        ApiToken,
        { user: id, kind: TokenKind.SESSION, revokedAt: null },
        { revokedAt: new Date() },
      );
      return u;
    });
    await this.auth.forgetLoginFailures(user.email);
    return { user, password };
  }

  private async lockedUser(em: EntityManager, id: number): Promise<User> {
    await em.execute(`select pg_advisory_xact_lock(${ADMIN_CHANGE_LOCK})`);
    const user = await em.findOne(User, { id });
    if (!user) throw new NotFoundError('User', id);
    return user;
  }

  private async refuseIfLastAdmin(em: EntityManager, user: User, field: string, verb: string): Promise<void> {
    const others = await em.count(User, { role: Role.ADMIN, deactivatedAt: null, id: { $ne: user.id } });
    if (!others) {
      throw ValidationError.single(
        field,
        'lastActiveAdmin',
        `user ${user.id} is the last active ADMIN and cannot be ${verb}; make another user an ADMIN first`,
      );
    }
  }
}
