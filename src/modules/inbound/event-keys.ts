import type { SecretBox } from '../../common/secret-box';
import { isPhoneNumber, MAX_NUMBER_TEXT, normaliseSender } from './numbers';

/**
 * What an erasure finds inbound events by (`inbound_event.erasure_keys`, GIN-indexed): a keyed fingerprint
 * of every phone number a request carries anywhere (a field, a header, a number inside a text) and `m:<id>`
 * of every message it stored or found. The raw request of a refused one is sealed and its payload is free
 * JSON, so neither can be searched by SQL; the keys are written with the row instead.
 */
export const NUMBER_PURPOSE = 'inbound_event.erasure_keys';

/** The key of a message an event stored or found. */
export const messageKey = (id: number) => `m:${id}`;

/**
 * A run of digits that may be a phone number as people and providers write it: `+48 500-600-700`,
 * `0048500600700`, `(500) 600 700`, `48500600700`.
 */
const DIGIT_RUN = /\+?\d[\d\s\-()./]{5,40}\d/g;

/** The longest string read for numbers: a kept raw form is at most a few KB; a long body is cut in the log too. */
const MAX_SCAN_CHARS = 256 * 1024;

/** Every phone number (E.164) found in the strings and numbers of `values`, at any depth. */
export function phoneNumbersIn(values: unknown[]): Set<string> {
  const found = new Set<string>();
  const stack: unknown[] = [...values];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'number' && Number.isInteger(v)) scan(String(v), found);
    else if (typeof v === 'string') scan(v, found);
    else if (Buffer.isBuffer(v)) continue;
    else if (Array.isArray(v)) stack.push(...v);
    else if (v !== null && typeof v === 'object') stack.push(...Object.values(v));
  }
  return found;
}

function scan(text: string, found: Set<string>): void {
  for (const m of text.slice(0, MAX_SCAN_CHARS).matchAll(DIGIT_RUN)) {
    if (m[0].length > MAX_NUMBER_TEXT) continue;
    const n = normaliseSender(m[0]);
    if (isPhoneNumber(n)) found.add(n);
  }
}

/** An event's keys: the fingerprints of the numbers in `values` and the keys of its messages. */
export function eventKeys(box: SecretBox, values: unknown[], messageIds: readonly number[] = []): string[] {
  const keys = [...phoneNumbersIn(values)].map((n) => box.fingerprint(n, NUMBER_PURPOSE));
  return [...keys, ...messageIds.filter((id) => id > 0).map(messageKey)];
}

/** The keys to look for to find the events of these numbers and messages (under every key the box opens with). */
export function searchKeys(box: SecretBox, numbers: readonly string[], messageIds: readonly number[]): string[] {
  return [...numbers.flatMap((n) => box.fingerprints(n, NUMBER_PURPOSE)), ...messageIds.map(messageKey)];
}
