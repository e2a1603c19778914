/**
 * SMS encoding and part counting (3GPP TS 23.038 / 23.040).
 *
 * GSM-7: 160 septets in a single SMS, 153 per part of a concatenated one (the 7-septet UDH takes the
 * rest); characters of the extension table are sent as ESC + char and cost two septets, and that pair
 * is never split across parts. UCS-2: 70 UTF-16 code units in a single SMS, 67 per part; a character
 * outside the BMP (most emoji) is a surrogate pair, costs two units, and is never split either.
 * One character outside GSM-7 (a Polish letter such as "ą" or "ó", an emoji) makes the whole text UCS-2.
 */

/** The GSM 03.38 default alphabet (ESC excluded: it is not a character a user can type). */
const GSM7_BASIC = new Set(
  Array.from(
    '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
  ),
);
/** The extension table: each costs ESC + the character, two septets. */
const GSM7_EXTENSION = new Set(Array.from('\f^{}\\[~]|€'));

export type Encoding = 'GSM7' | 'UCS2';

export interface SegmentInfo {
  encoding: Encoding;
  /** Number of SMS parts (1 for an empty text: providers still bill one). */
  parts: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text. */
  units: number;
  /** Capacity of one part for this text: 160/70 when it fits one SMS, else 153/67. */
  perPart: number;
  /** Characters of the first offending kind, for messages such as "ą forces UCS-2". */
  nonGsmChars: string[];
}

export const LIMITS = { GSM7: { single: 160, multi: 153 }, UCS2: { single: 70, multi: 67 } } as const;

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch)) return false;
  return true;
}

/** Characters of the text that are not in GSM-7 (unique, in order of appearance). */
export function nonGsm7Chars(text: string): string[] {
  const out: string[] = [];
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch) && !out.includes(ch)) out.push(ch);
  return out;
}

/** Splits costs into parts of `size`, never splitting one character's units across two parts. */
function countParts(costs: number[], single: number, size: number): number {
  const total = costs.reduce((a, b) => a + b, 0);
  if (total <= single) return 1;
  let parts = 1;
  let used = 0;
  for (const c of costs) {
    if (used + c > size) {
      parts++;
      used = 0;
    }
    used += c;
  }
  return parts;
}

export function segments(text: string): SegmentInfo {
  const chars = Array.from(text); // code points: a surrogate pair stays one element
  const nonGsm = nonGsm7Chars(text);
  if (nonGsm.length === 0) {
    const costs = chars.map((ch) => (GSM7_EXTENSION.has(ch) ? 2 : 1));
    const units = costs.reduce((a, b) => a + b, 0);
    const parts = countParts(costs, LIMITS.GSM7.single, LIMITS.GSM7.multi);
    return {
      encoding: 'GSM7',
      parts,
      units,
      perPart: parts === 1 ? LIMITS.GSM7.single : LIMITS.GSM7.multi,
      nonGsmChars: [],
    };
  }
  const costs = chars.map((ch) => ch.length); // UTF-16 code units: 2 for astral characters
  const units = costs.reduce((a, b) => a + b, 0);
  const parts = countParts(costs, LIMITS.UCS2.single, LIMITS.UCS2.multi);
  return {
    encoding: 'UCS2',
    parts,
    units,
    perPart: parts === 1 ? LIMITS.UCS2.single : LIMITS.UCS2.multi,
    nonGsmChars: nonGsm,
  };
}

const POLISH: Record<string, string> = {
  ą: 'a',
  ć: 'c',
  ę: 'e',
  ł: 'l',
  ń: 'n',
  ó: 'o',
  ś: 's',
  ź: 'z',
  ż: 'z',
  Ą: 'A',
  Ć: 'C',
  Ę: 'E',
  Ł: 'L',
  Ń: 'N',
  Ó: 'O',
  Ś: 'S',
  Ź: 'Z',
  Ż: 'Z',
};

/** Replaces the nine Polish letters (both cases) with Latin ones; other characters are kept. */
export function replacePolishDiacritics(text: string): string {
  return text.replace(/[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]/g, (c) => POLISH[c]);
}

/**
 * A text as a mailbox sends it, with its parts: Polish letters replaced where the mailbox asks for it, which
 * keeps the text in GSM-7 (160/153 characters a part instead of 70/67).
 */
export function asSent(raw: string, replacePolish: boolean): { text: string; seg: SegmentInfo } {
  const text = replacePolish ? replacePolishDiacritics(raw) : raw;
  return { text, seg: segments(text) };
}
