/**
 * A value from a request as it may be quoted in a refusal reason, a log line or an error: whole when short,
 * else its start and its length. Reasons are stored and shown to admins, and a request can carry values of
 * any size.
 */
export function clip(value: string, max = 40): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length} characters)`;
}

/**
 * What PostgreSQL text and jsonb cannot hold: NUL, and UTF-16 surrogates without their pair (from `%00`,
 * `\u0000` or `\ud800` in a request).
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this pattern is for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Whether `s` holds a character PostgreSQL cannot store. */
export function isUnstorable(s: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return UNSTORABLE.test(s);
}

/** `s` with every character PostgreSQL cannot store replaced by U+FFFD. */
export function storableText(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}

/** A phone number written in a text: seven or more digits, with spaces, dashes or a leading + between them. */
const PHONE_NUMBER_IN_TEXT = /\+?\d(?:[\s-]?\d){6,}/g;

/**
 * `s` with every phone number in it replaced by "[number]". For texts kept apart from the messages they are
 * about (alerts, a mailbox's last test result): the right to erasure finds a customer's number in the rows
 * that belong to the customer, not in every sentence quoted elsewhere.
 */
export function withoutPhoneNumbers(s: string): string {
  return s.replace(PHONE_NUMBER_IN_TEXT, '[number]');
}
