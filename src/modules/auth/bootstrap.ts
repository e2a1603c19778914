import crypto from 'node:crypto';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../../config';
import type { AuthService } from './auth.service';
import { Role, User } from './user.entity';

export interface BootstrapResult {
  email: string;
  /** Set only when the password was generated here: print it once, it is stored nowhere in clear. */
  generatedPassword?: string;
}

/** On an empty database, creates the first admin (from ADMIN_EMAIL/ADMIN_PASSWORD, or generated). */
export async function ensureAdmin(orm: MikroORM, config: Config, auth: AuthService): Promise<BootstrapResult | null> {
  return orm.em.fork().transactional(async (em) => {
    // Two instances starting on one empty database must not both create an admin.
    await em.execute('select pg_advisory_xact_lock(7735002)');
    if ((await em.count(User)) > 0) return null;
    const email = config.adminEmail ?? 'admin@smsdesk.local';
    const generatedPassword = config.adminPassword ? undefined : crypto.randomBytes(12).toString('base64url');
    await auth.createUser(em, {
      email,
      name: 'Administrator',
      password: config.adminPassword ?? generatedPassword!,
      role: Role.ADMIN,
    });
    return { email, generatedPassword };
  });
}
