/**
 * A value from a request as it may be quoted in a refusal reason, a log line or an error: whole when short,
 * else its start and its length. Reasons are stored and shown to admins, and a request can carry values of
 * any size.
 */
export function clip(value: string, max = 40): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters)`;
}
