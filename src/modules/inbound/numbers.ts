import { LRUCache } from 'lru-cache';
import { toE164 } from '../../common/phone';

/** Short numbers (premium, service numbers) have no E.164 form; they are compared as their digits. */
const SHORT_NUMBER_RE = /^[0-9]{3,8}$/;

/**
 * The longest number text worth parsing. A phone number written with spaces, dashes, brackets, a `00` or
 * `+` and a provider prefix stays well under it; anything longer is no number, and refusing it before
 * parsing keeps attacker-sized values out of the parser and the cache.
 */
export const MAX_NUMBER_TEXT = 64;

/**
 * Parsing numbers is the costliest pure step of a webhook and the same few numbers come again and again,
 * so results are cached; the cache is bounded by entries and by the characters of its keys, because its
 * keys come from requests that anyone can send.
 */
function memo<A extends unknown[], R extends string | null>(fn: (...a: A) => R): (...a: A) => R {
  const cache = new LRUCache<string, { r: R }>({
    max: 10_000,
    maxSize: 2_000_000,
    sizeCalculation: (_v, key) => key.length + 1,
  });
  return (...a: A) => {
    const key = JSON.stringify(a);
    const hit = cache.get(key);
    if (hit) return hit.r;
    const r = fn(...a);
    cache.set(key, { r });
    return r;
  };
}

/** Text longer than MAX_NUMBER_TEXT gets `tooLong`'s answer without being parsed or cached. */
function bounded<F extends (raw: string, ...rest: never[]) => string | null>(
  fn: F,
  tooLong: (raw: string) => ReturnType<F>,
): F {
  return ((raw: string, ...rest: never[]) => (raw.length > MAX_NUMBER_TEXT ? tooLong(raw) : fn(raw, ...rest))) as F;
}

function compact(raw: string): string {
  return raw.trim().replace(/[\s\-()./]/g, '');
}

/** E.164 of a digit string written with or without its country code ("48500600700" or "500600700"). */
function fromDigits(digits: string): string | null {
  // 11+ digits are read as carrying a country code first: "48500600700" is +48 500 600 700, not an
  // (invalid) 11-digit Polish national number. Shorter ones are national numbers.
  if (digits.length >= 11) {
    const intl = toE164(`+${digits}`);
    if (intl.ok) return intl.e164;
  }
  const national = toE164(digits);
  return national.ok ? national.e164 : null;
}

/**
 * Our own (destination) number as a provider wrote it, in the form mailboxes store: the mailbox's
 * prefixes removed (longest first, at most one), then E.164 (Polish when without country code); a short
 * number stays its digits. Null when it is neither.
 */
export const normaliseDestination = bounded(memo(normaliseDestinationUncached), () => null);

function normaliseDestinationUncached(raw: string, prefixesToRemove: readonly string[] = []): string | null {
  let s = compact(raw);
  if (!s) return null;
  for (const p of [...prefixesToRemove].sort((a, b) => b.length - a.length)) {
    if (p && s.startsWith(p) && s.length > p.length) {
      s = s.slice(p.length);
      break;
    }
  }
  if (/^(\+|00)/.test(s)) {
    const r = toE164(s);
    return r.ok ? r.e164 : null;
  }
  if (/^[0-9]+$/.test(s)) {
    const e164 = fromDigits(s);
    if (e164) return e164;
    return SHORT_NUMBER_RE.test(s) ? s : null;
  }
  return null;
}

/** A mailbox's stored destination number in the same canonical form (E.164, or a short number's digits). */
export function canonicalDestination(stored: string | null | undefined): string | null {
  return stored ? normaliseDestination(stored) : null;
}

/**
 * The sender as we store it: E.164 when it is a phone number in any usual form (+48…, 0048…, 48…,
 * national digits), otherwise the provider's text as is (an alphanumeric sender such as "INFO"), cut to
 * the column's 32 characters.
 */
export const normaliseSender = bounded(memo(normaliseSenderUncached), (raw) => raw.trim().slice(0, 32) || '?');

function normaliseSenderUncached(raw: string): string {
  const s = compact(raw);
  if (/^(\+|00)[0-9]+$/.test(s)) {
    const r = toE164(s);
    if (r.ok) return r.e164;
  } else if (/^[0-9]+$/.test(s)) {
    const e164 = fromDigits(s);
    if (e164) return e164;
  }
  return (raw.trim() || '?').slice(0, 32);
}

/** A sender that is a phone number (customer cards hold E.164 numbers). */
export function isPhoneNumber(sender: string): boolean {
  return /^\+[1-9][0-9]{6,15}$/.test(sender);
}
