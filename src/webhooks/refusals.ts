import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
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

  constructor(points: number, windowSeconds: number) {
    this.limiter = new RateLimiterMemory({ points, duration: windowSeconds });
  }

  /**
   * Counts a request of `ip` as a refusal before it is handled (so that concurrent requests cannot all pass
   * while none has been counted yet): the seconds until its refusals are logged again when it is over its
   * budget, else null. A request that turns out not to be refused gives its point back (`giveBack`).
   */
  async take(ip: string): Promise<number | null> {
    try {
      await this.limiter.consume(ipBucket(ip), 1);
      return null;
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      return Math.max(1, Math.ceil(e.msBeforeNext / 1000));
    }
  }

  /** Gives back the point `take` counted for a request that was not refused. */
  async giveBack(ip: string): Promise<void> {
    await this.limiter.reward(ipBucket(ip), 1);
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
