import { RateLimiterMemory } from 'rate-limiter-flexible';
import { ipBucket } from '../common/ip';

/**
 * Refused webhook requests counted per client IP. Each refusal costs an inbound event row and a sealed raw
 * form, so a client that keeps sending requests we refuse could fill the database and keep the pool busy;
 * once an IP has used up its refusals for the window, its further refusals are answered 429 and not logged.
 * Only refusals count, and a request that is accepted is never held back, so a provider whose traffic is
 * right keeps delivering from an address an attacker shares. IPv6 clients count per /64. Counted in
 * memory, per instance: the limit bounds the work of one instance, which is what it protects.
 */
export class RefusalLimiter {
  private readonly limiter: RateLimiterMemory;
  /** IPs already reported as over their budget in their current window (one warning a window, not one a request). */
  private readonly warned = new Map<string, number>();

  constructor(
    private readonly points: number,
    windowSeconds: number,
  ) {
    this.limiter = new RateLimiterMemory({ points, duration: windowSeconds });
  }

  /** Seconds until `ip` may be refused with a log entry again, or null while it has refusals left. */
  async exhausted(ip: string): Promise<number | null> {
    const res = await this.limiter.get(ipBucket(ip));
    if (!res || res.consumedPoints < this.points) return null;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  /** Counts one refusal of `ip`. */
  async refused(ip: string): Promise<void> {
    await this.limiter.penalty(ipBucket(ip), 1);
  }

  /** True once per window and IP: whether to write the one log line that says the IP is being limited. */
  firstOverLimit(ip: string, retryAfterSeconds: number): boolean {
    const now = Date.now();
    for (const [k, until] of this.warned) if (until <= now) this.warned.delete(k);
    const key = ipBucket(ip);
    if (this.warned.has(key)) return false;
    this.warned.set(key, now + retryAfterSeconds * 1000);
    return true;
  }
}
