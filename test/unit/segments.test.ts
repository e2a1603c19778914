import { describe, expect, it } from 'vitest';
import { isGsm7, replacePolishDiacritics, segments } from '../../src/modules/outbound/segments';

describe('segment counter', () => {
  it('counts plain GSM-7 text: 160 in one part, then 153 a part', () => {
    expect(segments('')).toMatchObject({ encoding: 'GSM7', parts: 1, units: 0 });
    expect(segments('a'.repeat(160))).toMatchObject({ encoding: 'GSM7', parts: 1, units: 160, perPart: 160 });
    expect(segments('a'.repeat(161))).toMatchObject({ encoding: 'GSM7', parts: 2, units: 161, perPart: 153 });
    expect(segments('a'.repeat(306))).toMatchObject({ parts: 2 });
    expect(segments('a'.repeat(307))).toMatchObject({ parts: 3 });
    expect(segments('a'.repeat(459))).toMatchObject({ parts: 3 });
  });

  it('keeps GSM-7 letters outside ASCII (é, ü, Ø, Δ, £) in GSM-7', () => {
    expect(segments('Café Øre Δ £5 über à')).toMatchObject({ encoding: 'GSM7', units: 20 });
  });

  it('counts every extension-table character (€ [ ] { } ^ ~ \\ |) as two septets', () => {
    for (const ch of ['€', '[', ']', '{', '}', '^', '~', '\\', '|']) {
      expect(isGsm7(ch)).toBe(true);
      expect(segments(ch)).toMatchObject({ encoding: 'GSM7', units: 2 });
    }
    expect(segments('€'.repeat(80))).toMatchObject({ encoding: 'GSM7', parts: 1, units: 160 });
    expect(segments('€'.repeat(81))).toMatchObject({ parts: 2, units: 162 });
  });

  it('never splits an escape pair across parts', () => {
    // 152 plain + "€": the pair would need septets 153–154, so the € starts part 2.
    expect(segments('a'.repeat(152) + '€' + 'b'.repeat(10))).toMatchObject({ parts: 2, units: 164 });
    // 153 × 2 septets exactly fill two parts; 152 + € + 152 + € does not (each € moves to the next part).
    expect(segments('a'.repeat(152) + '€' + 'a'.repeat(152) + '€')).toMatchObject({ units: 308, parts: 3 });
  });

  it('makes Polish text UCS-2: 70 in one part, then 67 a part', () => {
    const pl = 'Zażółć gęślą jaźń';
    expect(segments(pl)).toMatchObject({ encoding: 'UCS2', parts: 1, units: 17, perPart: 70 });
    expect(segments(pl).nonGsmChars).toEqual(['ż', 'ó', 'ł', 'ć', 'ę', 'ś', 'ą', 'ź', 'ń']);
    expect(segments('ą'.repeat(70))).toMatchObject({ parts: 1 });
    expect(segments('ą'.repeat(71))).toMatchObject({ parts: 2, perPart: 67 });
    expect(segments('ą'.repeat(134))).toMatchObject({ parts: 2 });
    expect(segments('ą'.repeat(135))).toMatchObject({ parts: 3 });
    // One Polish letter in a long text turns all of it into UCS-2.
    expect(segments('a'.repeat(100) + 'ó')).toMatchObject({ encoding: 'UCS2', parts: 2 });
  });

  it('counts an emoji as two UTF-16 units and never splits its surrogate pair', () => {
    expect(segments('😀')).toMatchObject({ encoding: 'UCS2', units: 2, parts: 1 });
    expect(segments('😀'.repeat(35))).toMatchObject({ units: 70, parts: 1 });
    expect(segments('😀'.repeat(36))).toMatchObject({ units: 72, parts: 2 });
    // 66 units + one emoji: the pair cannot take units 67–68, so it opens part 2.
    expect(segments('x'.repeat(66) + '😀' + 'y'.repeat(10))).toMatchObject({ units: 78, parts: 2 });
    expect(segments('x'.repeat(133) + '😀')).toMatchObject({ units: 135, parts: 3 });
    // Extension characters cost one unit in UCS-2 like any other.
    expect(segments('€😀')).toMatchObject({ encoding: 'UCS2', units: 3 });
  });

  it('replaces Polish diacritics so that the text stays GSM-7', () => {
    const text = 'Zażółć gęślą jaźń. ZAŻÓŁĆ GĘŚLĄ JAŹŃ';
    const plain = replacePolishDiacritics(text);
    expect(plain).toBe('Zazolc gesla jazn. ZAZOLC GESLA JAZN');
    expect(segments(plain)).toMatchObject({ encoding: 'GSM7', units: text.length });
    // Other non-GSM characters stay, and keep the text UCS-2.
    expect(segments(replacePolishDiacritics('ąę 😀')).encoding).toBe('UCS2');
  });
});
