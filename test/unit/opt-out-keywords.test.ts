import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_OPT_IN_KEYWORDS,
  DEFAULT_OPT_OUT_KEYWORDS,
  KeywordMatcher,
  keywordListProblems,
  normaliseKeyword,
} from '../../src/modules/optouts/keywords';

const defaults = new KeywordMatcher(DEFAULT_OPT_OUT_KEYWORDS, DEFAULT_OPT_IN_KEYWORDS);

describe('opt-out keywords', () => {
  it.each([
    ['STOP', true, 'STOP'],
    ['stop', true, 'STOP'],
    ['  Stop!  ', true, 'STOP'],
    ['STOP.', true, 'STOP'],
    ['stop?!…', true, 'STOP'],
    ['stop  all', true, 'STOP ALL'],
    ['Stop\tAll!', true, 'STOP ALL'],
    ['REZYGNUJĘ', true, 'REZYGNUJĘ'],
    ['rezygnuje', true, 'REZYGNUJĘ'],
    ['Rezygnuję.', true, 'REZYGNUJĘ'],
    ['wypisz', true, 'WYPISZ'],
    ['unsubscribe', true, 'UNSUBSCRIBE'],
    ['S\u200bTOP', true, 'STOP'],
    ['start', false, 'START'],
    ['Subscribe!', false, 'SUBSCRIBE'],
  ])('%j is the keyword (opt-out: %s)', (text, optedOut, keyword) => {
    expect(defaults.match(text)).toEqual({ optedOut, keyword });
  });

  it.each([
    'stop calling me at work',
    'Nie',
    'please stop',
    'STOPP',
    '.STOP',
    'START STOP',
    '',
    '   ',
    'STOP'.repeat(40),
  ])('%j is an ordinary message', (text) => {
    expect(defaults.match(text)).toBeNull();
  });

  it('ignores case, Polish letters and trailing punctuation in both the text and the list', () => {
    const m = new KeywordMatcher(['Wyłącz SMS'], ['Włącz']);
    expect(m.match('WYLACZ sms!!')).toEqual({ optedOut: true, keyword: 'Wyłącz SMS' });
    expect(m.match('włącz')).toEqual({ optedOut: false, keyword: 'Włącz' });
  });

  it('matches every keyword whatever the case, padding and trailing punctuation (property)', () => {
    const keyword = fc.constantFrom(...DEFAULT_OPT_OUT_KEYWORDS, ...DEFAULT_OPT_IN_KEYWORDS);
    const recase = (s: string, flips: boolean[]) =>
      [...s].map((c, i) => (flips[i % Math.max(1, flips.length)] ? c.toLowerCase() : c)).join('');
    fc.assert(
      fc.property(
        keyword,
        fc.array(fc.boolean(), { maxLength: 12 }),
        fc.stringMatching(/^[ \t\n]{0,3}$/),
        fc.stringMatching(/^[ .!?,;:…]{0,4}$/),
        (k, flips, pad, tail) => {
          const hit = defaults.match(`${pad}${recase(k, flips)}${tail}`);
          expect(hit?.keyword).toBe(k);
        },
      ),
    );
  });

  it('never takes a text with a word around a keyword for the keyword (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...DEFAULT_OPT_OUT_KEYWORDS),
        fc.stringMatching(/^[A-Za-z0-9]{1,8}$/),
        fc.boolean(),
        (k, word, before) => {
          expect(defaults.match(before ? `${word} ${k}` : `${k} ${word}`)?.keyword ?? null).not.toBe(
            // "STOP ALL" is itself a keyword: "STOP" + " ALL" is that one, not "STOP".
            k,
          );
        },
      ),
    );
  });

  it('normalises any text without throwing, and idempotently (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
        const n = normaliseKeyword(s);
        expect(normaliseKeyword(n)).toBe(n);
      }),
    );
  });
});

describe('keyword lists (settings)', () => {
  const problems = (optOutKeywords: string[], optInKeywords: string[]) =>
    keywordListProblems({ optOutKeywords, optInKeywords }).map((p) => [p.field, p.rule]);

  it('accepts the defaults', () => {
    expect(problems([...DEFAULT_OPT_OUT_KEYWORDS], [...DEFAULT_OPT_IN_KEYWORDS])).toEqual([]);
  });

  it('refuses empty entries and lists, duplicates, overlaps and oversize lists, naming the entry', () => {
    expect(problems(['STOP', ' !! '], ['START'])).toEqual([['input.optOutKeywords[1]', 'required']]);
    expect(problems([], ['START'])).toEqual([['input.optOutKeywords', 'required']]);
    expect(problems(['STOP', 'stop!'], ['START'])).toEqual([['input.optOutKeywords[1]', 'duplicate']]);
    expect(problems(['STOP', 'REZYGNUJĘ'], ['START', 'rezygnuje'])).toEqual([['input.optInKeywords[1]', 'overlap']]);
    expect(problems(['x'.repeat(41)], ['START'])).toEqual([['input.optOutKeywords[0]', 'maxLength']]);
    expect(
      problems(
        Array.from({ length: 21 }, (_, i) => `K${i}`),
        ['START'],
      ),
    ).toEqual([['input.optOutKeywords', 'maxSize']]);
  });
});
