import { parsePhoneNumberWithError, ParseError, type CountryCode } from 'libphonenumber-js/max';

export const DEFAULT_REGION: CountryCode = 'PL';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

const REASONS: Record<string, string> = {
  NOT_A_NUMBER: 'is not a phone number',
  INVALID_COUNTRY: 'has an unknown country calling code',
  TOO_SHORT: 'is too short to be a phone number',
  TOO_LONG: 'is too long to be a phone number',
  INVALID_LENGTH: 'has the wrong number of digits',
};

/**
 * Normalises a phone number to E.164 (libphonenumber-js with full metadata, so validity is checked
 * against real numbering plans). Numbers without a country code are read as Polish.
 * A `00` international prefix is accepted as `+`.
 */
export function toE164(raw: string, region: CountryCode = DEFAULT_REGION): PhoneResult {
  const text = raw.trim().replace(/^00(?=[1-9])/, '+');
  if (!text) return { ok: false, reason: 'must not be empty' };
  try {
    const n = parsePhoneNumberWithError(text, region);
    if (!n.isValid()) {
      return {
        ok: false,
        reason: `is not a valid number in ${n.country ?? `+${n.countryCallingCode}`} (wrong length or unassigned range)`,
      };
    }
    return { ok: true, e164: n.number };
  } catch (e) {
    const code = e instanceof ParseError ? e.message : 'NOT_A_NUMBER';
    return { ok: false, reason: REASONS[code] ?? 'is not a phone number' };
  }
}

/**
 * A mailbox's own number: E.164 for a phone number, or a short code of 3–8 digits kept as digits
 * (premium-SMS and shared short numbers such as Dotpay's 7xxx have no E.164 form).
 */
export function toOwnNumber(raw: string): PhoneResult {
  const digits = raw.trim();
  if (/^[0-9]{3,8}$/.test(digits)) return { ok: true, e164: digits };
  return toE164(raw);
}
