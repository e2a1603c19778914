import crypto from 'node:crypto';

/**
 * Whether a webhook token a request carried is the mailbox's, in time that does not depend on where the two
 * differ (both are hashed first, so their lengths do not leak either).
 */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const x = crypto.createHash('sha256').update(given).digest();
  const y = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(x, y);
}
