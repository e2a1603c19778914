/**
 * Opt-out and start keywords: which inbound texts change a number's consent. Pure functions; the lists
 * come from the settings (`OptOutService.keywords` keeps a copy per instance).
 */

export const DEFAULT_OPT_OUT_KEYWORDS = ['STOP', 'STOP ALL', 'UNSUBSCRIBE', 'REZYGNUJĘ', 'WYPISZ'] as const;
export const DEFAULT_OPT_IN_KEYWORDS = ['START', 'SUBSCRIBE'] as const;

/** Bounds of the admin's lists (settings): entries per list and characters per entry. */
export const MAX_KEYWORDS = 20;
export const MAX_KEYWORD_CHARS = 40;

/** Letters that carry their mark in the letter itself, so Unicode decomposition leaves them as they are. */
const UNDECOMPOSED: Record<string, string> = { ł: 'l', Ł: 'L', ø: 'o', Ø: 'O', đ: 'd', Đ: 'D', ß: 'ss' };

/**
 * The form two texts are compared in: diacritics removed (REZYGNUJĘ and rezygnuje are one word), upper
 * case, inner white space as one space, invisible format characters dropped, and without leading white
 * space or trailing white space and punctuation ("Stop!", "stop." and " STOP " are STOP).
 */
export function normaliseKeyword(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cf}]/gu, '')
    .replace(/[łŁøØđĐß]/g, (c) => UNDECOMPOSED[c])
    .toUpperCase()
    .replace(/[\s\p{P}]+$/u, '')
    .replace(/\s+/gu, ' ')
    .trim();
}

export type KeywordMatch = { optedOut: boolean; keyword: string };

/**
 * Both lists, ready to match a whole inbound text. Only a whole-message match counts: "stop calling me at
 * work" or "Nie" is an ordinary message. A text far longer than the longest keyword is not normalised at
 * all, so ordinary messages cost a length comparison.
 */
export class KeywordMatcher {
  private readonly byForm = new Map<string, KeywordMatch>();
  private readonly longest: number;

  constructor(optOut: readonly string[], optIn: readonly string[]) {
    // An entry in both lists (the settings refuse that) counts as opt-out: the safer reading.
    for (const k of optIn) this.byForm.set(normaliseKeyword(k), { optedOut: false, keyword: k });
    for (const k of optOut) this.byForm.set(normaliseKeyword(k), { optedOut: true, keyword: k });
    this.longest = Math.max(0, ...[...optOut, ...optIn].map((k) => k.length));
  }

  /** The keyword the whole text is, or null. */
  match(text: string): KeywordMatch | null {
    // Slack for white space, punctuation and combining marks around and inside a keyword.
    if (!text || text.length > this.longest * 3 + 20) return null;
    return this.byForm.get(normaliseKeyword(text)) ?? null;
  }
}

/** What is wrong with the two lists an admin gives, as (field, rule, message); empty when nothing. */
export function keywordListProblems(
  lists: { optOutKeywords: readonly string[]; optInKeywords: readonly string[] },
  prefix = 'input',
): { field: string; rule: string; message: string }[] {
  const out: { field: string; rule: string; message: string }[] = [];
  const seen = new Map<string, string>();
  for (const name of ['optOutKeywords', 'optInKeywords'] as const) {
    const list = lists[name];
    if (list.length === 0)
      out.push({ field: `${prefix}.${name}`, rule: 'required', message: 'needs at least one keyword' });
    if (list.length > MAX_KEYWORDS)
      out.push({ field: `${prefix}.${name}`, rule: 'maxSize', message: `holds at most ${MAX_KEYWORDS} keywords` });
    list.forEach((k, i) => {
      const field = `${prefix}.${name}[${i}]`;
      const form = normaliseKeyword(k);
      if (!form)
        out.push({ field, rule: 'required', message: 'must hold a letter or digit, not only spaces or punctuation' });
      else if (k.trim().length > MAX_KEYWORD_CHARS)
        out.push({ field, rule: 'maxLength', message: `is longer than ${MAX_KEYWORD_CHARS} characters` });
      else if (seen.has(form))
        out.push({
          field,
          rule: seen.get(form) === name ? 'duplicate' : 'overlap',
          message:
            seen.get(form) === name
              ? `"${k}" is already in the list (case, diacritics and trailing punctuation are ignored)`
              : `"${k}" is also an ${name === 'optInKeywords' ? 'opt-out' : 'opt-in'} keyword; a keyword can mean only one thing`,
        });
      else seen.set(form, name);
    });
  }
  return out;
}
