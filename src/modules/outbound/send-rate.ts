import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError } from '../../common/errors';

/** Thrown when a user queues more SMS than the send rate allows. */
export class SendRateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED' as const;
  readonly details: { retryAfterSeconds: number };
  constructor(limit: number, windowSeconds: number, retryAfterSeconds: number) {
    super(`You may send ${limit} SMS per ${windowSeconds} s; try again in ${retryAfterSeconds} s`);
    this.details = { retryAfterSeconds };
  }
}

/**
 * SMS one user may queue per window (sendSms and replyToTicket alike). A stolen token or a script must not
 * be able to pump thousands of paid SMS; an agent answering customers stays far below it. Counted in
 * memory, per instance: the check costs no round trip on the send path, and N instances allow at most N
 * times the rate.
 */
export class SendRate {
  private readonly limiter: RateLimiterMemory;

  constructor(
    private readonly limit: number,
    private readonly windowSeconds: number,
  ) {
    this.limiter = new RateLimiterMemory({ points: limit, duration: windowSeconds });
  }

  /** Counts one SMS of `userId`; throws SendRateLimitedError when the user is over the rate. */
  async take(userId: number): Promise<void> {
    try {
      await this.limiter.consume(String(userId));
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      throw new SendRateLimitedError(this.limit, this.windowSeconds, Math.max(1, Math.ceil(e.msBeforeNext / 1000)));
    }
  }
}
