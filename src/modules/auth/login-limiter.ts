import crypto from 'node:crypto';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../../common/errors';
import { ipBucket } from '../../common/ip';

/** Limits of the login limiter (config: LOGIN_MAX_ATTEMPTS, LOGIN_MAX_ATTEMPTS_PER_IP, LOGIN_WINDOW_SECONDS). */
export interface LoginLimits {
  /** Attempts per e-mail address per window; a successful login clears that address's count. */
  perEmail: number;
  /** Failed attempts per client IP per window, whatever the address (password spraying). */
  perIp: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perEmail: 10, perIp: 50, windowMs: 15 * 60_000 };

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

/** How often (at most) a login sweeps counters an hour past their window; no timer, so nothing outlives the app. */
const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * Fixed-window counters per e-mail and per client IP, kept in PostgreSQL (rate-limiter-flexible's
 * RateLimiterPostgres on MikroORM's pool), so every instance on one database shares one budget: with
 * counters in each process's memory, N instances behind a load balancer allowed N times the guesses.
 * - Every attempt counts when it starts (an atomic upsert), not when its argon2 check fails, so a burst
 *   of parallel guesses cannot slip in before the first failure.
 * - A successful login clears its address's count and gives its IP's point back: an office whose agents
 *   all log in from one address at nine o'clock is not locked out; only failures use up an IP's budget.
 * - The database is the only judge: no instance keeps a key blocked in its own memory, which another
 *   instance's successful login could not lift. A refused guess costs one upsert and no argon2.
 * - When the database fails, the attempt fails (it is not let through uncounted).
 */
export class LoginLimiter {
  private readonly byEmail: RateLimiterPostgres;
  private readonly byIp: RateLimiterPostgres;
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
    this.byEmail = new RateLimiterPostgres({ ...common, keyPrefix: 'email', points: limits.perEmail });
    this.byIp = new RateLimiterPostgres({ ...common, keyPrefix: 'ip', points: limits.perIp });
  }

  /** Counts an attempt; throws LoginRateLimitedError when the e-mail or the IP is over its limit. */
  async attempt(email: string, ip: string | undefined): Promise<void> {
    this.sweep();
    const results = await Promise.allSettled([
      this.byEmail.consume(keyOf(email)),
      ...(ip ? [this.byIp.consume(keyOf(ipBucket(ip)))] : []),
    ]);
    const refusals: RateLimiterRes[] = [];
    for (const r of results) {
      if (r.status === 'fulfilled') continue;
      // A store failure (database down) is not a refusal: the login fails as any database call would.
      if (!(r.reason instanceof RateLimiterRes)) throw r.reason;
      refusals.push(r.reason);
    }
    if (refusals.length)
      throw new LoginRateLimitedError(Math.max(1, Math.ceil(Math.max(...refusals.map((r) => r.msBeforeNext)) / 1000)));
  }

  /** A successful login: the address starts afresh (its owner may have mistyped a few times), the IP gets its point back. */
  async succeeded(email: string, ip: string | undefined): Promise<void> {
    await Promise.all([this.byEmail.delete(keyOf(email)), ...(ip ? [this.byIp.reward(keyOf(ipBucket(ip)), 1)] : [])]);
  }

  /** Deletes counters an hour past their window, at most every few minutes, in the background (never fails a login). */
  private sweep(now = Date.now()): void {
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    // The library's own sweep (public, untyped in its declarations; it never rejects): one DELETE by `expire`.
    void (this.byEmail as unknown as { clearExpired(before: number): Promise<void> }).clearExpired(now - 3600_000);
  }
}
