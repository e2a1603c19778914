import type { AuthChecker } from 'type-graphql';
import { ForbiddenError, UnauthenticatedError } from '../common/errors';
import type { Role } from '../modules/auth/user.entity';
import type { Context } from './context';

/**
 * `@Authorized()` needs a logged-in user; `@Authorized(Role.ADMIN)` needs that role.
 * Throws our own typed errors so that the answer is UNAUTHENTICATED vs FORBIDDEN, mapped in one place.
 */
export const authChecker: AuthChecker<Context, Role> = ({ context }, roles) => {
  if (!context.user) throw new UnauthenticatedError();
  if (roles.length && !roles.includes(context.user.role)) {
    throw new ForbiddenError(`Only ${roles.join(' or ')} users may do this`);
  }
  return true;
};
