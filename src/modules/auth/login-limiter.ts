import { DomainError } from '../../common/errors';

/** Limits of the login limiter (config: LOGIN_MAX_ATTEMPTS, LOGIN_MAX_ATTEMPTS_PER_IP, LOGIN_WINDOW_SECONDS). */
export interface LoginLimits {
  /** Attempts per e-mail address per window; a successful login clears that address's count. */
  perEmail: number;
  /** Attempts per client IP per window, whatever the address (password spraying). */
  perIp: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perEmail: 10, perIp: 50, windowMs: 15 * 60_000 };

/** Thrown when a login (or a password change) is refused before the password is checked. */
export class LoginRateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED' as const;
  readonly details: { retryAfterSeconds: number };
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many login attempts; try again in ${retryAfterSeconds} s`);
    this.details = { retryAfterSeconds };
  }
}

/**
 * Fixed-window counters per e-mail and per IP, in this process's memory. Every attempt counts when it starts
 * (not when its argon2 check fails), so a burst of parallel guesses cannot slip in before the first failure.
 * Per instance: N instances allow N times the budget. That is acceptable here because argon2id already makes
 * each guess cost ~50 ms of CPU, and it keeps a database write off every login; a shared counter table would
 * be the next step if the instance count grows.
 */
export class LoginLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  /** Bound on remembered keys, so that a flood of distinct e-mails cannot grow memory without limit. */
  private static readonly MAX_KEYS = 100_000;

  constructor(readonly limits: LoginLimits = DEFAULT_LOGIN_LIMITS) {}

  /** Counts an attempt; throws LoginRateLimitedError when the e-mail or the IP is over its limit. */
  attempt(email: string, ip: string | undefined, now = Date.now()): void {
    const byEmail = this.hit(`e:${email}`, now);
    const byIp = ip ? this.hit(`i:${ip}`, now) : undefined;
    const over = [byEmail.count > this.limits.perEmail ? byEmail : undefined, byIp && byIp.count > this.limits.perIp ? byIp : undefined].filter(Boolean);
    if (over.length) throw new LoginRateLimitedError(Math.max(1, Math.ceil((Math.max(...over.map((w) => w!.resetAt)) - now) / 1000)));
  }

  /** A successful login: the address starts afresh (its owner may have mistyped a few times). */
  succeeded(email: string): void {
    this.windows.delete(`e:${email}`);
  }

  private hit(key: string, now: number): { count: number; resetAt: number } {
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      if (w) this.windows.delete(key);
      if (this.windows.size >= LoginLimiter.MAX_KEYS) this.prune(now);
      w = { count: 0, resetAt: now + this.limits.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return w;
  }

  private prune(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    // Still full: drop the oldest windows (Map keeps insertion order).
    for (const k of this.windows.keys()) {
      if (this.windows.size < LoginLimiter.MAX_KEYS * 0.9) break;
      this.windows.delete(k);
    }
  }
}
