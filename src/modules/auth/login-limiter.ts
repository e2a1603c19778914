import crypto from 'node:crypto';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../../common/errors';
import { ipBucket } from '../../common/ip';
import { LoginSlowdown, type RawSql } from './login-slowdown';

/**
 * Limits of the login limiter (config: LOGIN_MAX_ATTEMPTS, LOGIN_MAX_ATTEMPTS_PER_IP,
 * LOGIN_MAX_ATTEMPTS_PER_ADDRESS, LOGIN_WINDOW_SECONDS).
 */
export interface LoginLimits {
  /** Attempts one client IP may make at one address before each further one waits longer (the slowdown). */
  perAddressAndIp: number;
  /** Attempts per client IP per window, whatever the address (password spraying); a success gives its one back. */
  perIp: number;
  /**
   * Attempts per address per window from all clients together: a ceiling only a distributed attack reaches
   * (one IP is slowed down long before). Only attempts the slowdown let through count; a success gives its one back.
   */
  perAddress: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAddressAndIp: 5,
  perIp: 50,
  perAddress: 100,
  windowMs: 15 * 60_000,
};

/** The counters' table (Migration20261124230000_login_attempts), in the layout rate-limiter-flexible expects. */
const LOGIN_ATTEMPT_TABLE = 'login_attempt';

/** Thrown when a login (or a password change) is refused before the password is checked. */
export class LoginRateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED' as const;
  readonly details: { retryAfterSeconds: number };
  constructor(retryAfterSeconds: number) {
    super(`Too many login attempts; try again in ${retryAfterSeconds} s`);
    this.details = { retryAfterSeconds };
  }
}

/** Keys are hashes: the table holds no e-mail address or IP, and every key fits its varchar(255). */
const keyOf = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');

/** How often (at most) a login sweeps counters past their time; no timer, so nothing outlives the app. */
const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * Who may try a password, judged in PostgreSQL so every instance on one database shares one budget (with
 * counters in each process's memory, N instances behind a load balancer allowed N times the guesses):
 * 1. the client IP's budget (fixed window; every attempt counts, refused ones too);
 * 2. the slowdown of this client at this address (LoginSlowdown): a few attempts at once, then a growing
 *    wait. A client that keeps failing is slowed down; the owner logging in from another client is not;
 * 3. the address's ceiling (fixed window), counting only what the slowdown let through, so one client
 *    cannot exhaust it: only many clients together, and then the address is refused for the window.
 * - Every attempt counts when it starts (atomic upserts), not when its argon2 check fails, so a burst of
 *   parallel guesses cannot slip in before the first failure.
 * - A success clears its client's slowdown and gives the IP and the address their attempt back: an office
 *   whose agents all log in from one address at nine o'clock is not locked out.
 * - The database is the only judge: no instance keeps a key blocked in its own memory, which another
 *   instance's successful login could not lift. A refused guess costs a statement or two and no argon2.
 * - When the database fails, the attempt fails (it is not let through uncounted).
 */
export class LoginLimiter {
  private readonly byIp: RateLimiterPostgres;
  private readonly byAddress: RateLimiterPostgres;
  private readonly slowdown: LoginSlowdown;
  private lastSweep = Date.now();

  /** `knex`: MikroORM's (`orm.em.getConnection().getKnex()`); its pool serves the counters' statements. */
  constructor(knex: unknown, limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {
    const common = {
      storeClient: knex,
      storeType: 'knex',
      tableName: LOGIN_ATTEMPT_TABLE,
      // Made by a migration, like every other table.
      tableCreated: true,
      // The library's own sweep is a timer per limiter that nothing stops; `sweep` below replaces it.
      clearExpiredByTimeout: false,
      duration: Math.max(1, Math.round(limits.windowMs / 1000)),
    };
    this.byIp = new RateLimiterPostgres({ ...common, keyPrefix: 'ip', points: limits.perIp });
    this.byAddress = new RateLimiterPostgres({ ...common, keyPrefix: 'address', points: limits.perAddress });
    this.slowdown = new LoginSlowdown(knex as RawSql, limits.perAddressAndIp);
  }

  /** Counts an attempt; throws LoginRateLimitedError when the IP, this client at this address, or the address is over its limit. */
  async attempt(email: string, ip: string | undefined): Promise<void> {
    this.sweep();
    if (ip) await refuseIfOver(this.byIp.consume(keyOf(ipBucket(ip))));
    const waitMs = await this.slowdown.attempt(pairKey(email, ip));
    if (waitMs !== null) throw new LoginRateLimitedError(Math.ceil(waitMs / 1000));
    await refuseIfOver(this.byAddress.consume(keyOf(email)));
  }

  /** A successful login: this client starts afresh at this address (its owner may have mistyped), the IP and the address get their attempt back. */
  async succeeded(email: string, ip: string | undefined): Promise<void> {
    await Promise.all([
      this.slowdown.clear(pairKey(email, ip)),
      this.byAddress.reward(keyOf(email), 1),
      ...(ip ? [this.byIp.reward(keyOf(ipBucket(ip)), 1)] : []),
    ]);
  }

  /** Forgets the address's counts, from every client (an admin reset its password): its owner starts afresh. */
  async forget(email: string): Promise<void> {
    await Promise.all([this.byAddress.delete(keyOf(email)), this.slowdown.clearPrefix(`${keyOf(email)}:`)]);
  }

  /** Deletes counters past their time, at most every few minutes, in the background (never fails a login). */
  private sweep(now = Date.now()): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    // The library's own sweep (public, untyped in its declarations; it never rejects): one DELETE by `expire`,
    // an hour past the window.
    void (this.byIp as unknown as { clearExpired(before: number): Promise<void> }).clearExpired(now - 3600_000);
    this.slowdown.sweep().catch(() => {});
  }
}

/** One client at one address: hashes of both, the address's first, so all of an address's keys share a prefix. */
const pairKey = (email: string, ip: string | undefined) => `${keyOf(email)}:${keyOf(ip ? ipBucket(ip) : '')}`;

/** Awaits a counter; a refusal becomes LoginRateLimitedError, a store failure (database down) is thrown as it is. */
async function refuseIfOver(consumed: Promise<RateLimiterRes>): Promise<void> {
  try {
    await consumed;
  } catch (e) {
    if (e instanceof RateLimiterRes) throw new LoginRateLimitedError(Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
    throw e;
  }
}
