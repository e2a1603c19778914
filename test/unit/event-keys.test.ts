import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/common/secret-box';
import { eventKeys, messageKey, phoneNumbersIn, searchKeys } from '../../src/modules/inbound/event-keys';

describe('phoneNumbersIn', () => {
  it('finds a number in any usual form, at any depth, as a string or a JSON number', () => {
    const found = phoneNumbersIn([
      { sms_from: '48601987123' },
      { nested: [{ from: '+48 602-111-222' }, { msisdn: 48603444555 }] },
      { text: 'Mój drugi numer to 0048 604 555 666, proszę dzwonić' },
      'sms_from=48605666777&sms_to=48732123456',
      { national: '606 777 888' },
    ]);
    expect([...found].sort()).toEqual([
      '+48601987123',
      '+48602111222',
      '+48603444555',
      '+48604555666',
      '+48605666777',
      '+48606777888',
      '+48732123456',
    ]);
  });

  it('takes no timestamp, date, short code or id for a number', () => {
    const found = phoneNumbersIn([
      { sms_date: '1717001234', when: '2026-12-05 15:30', code: '7136', MsgId: 'MSG-123456', points: 0.16 },
    ]);
    expect([...found]).toEqual([]);
  });
});

describe('event keys', () => {
  const a = crypto.randomBytes(32);
  const b = crypto.randomBytes(32);

  it('are fingerprints, not numbers, stable under one key and different under another', () => {
    const keys = eventKeys(new SecretBox(a), [{ from: '48601987123' }], [7]);
    expect(keys).toHaveLength(2);
    expect(keys.join()).not.toContain('601987123');
    expect(keys).toContain(messageKey(7));
    expect(eventKeys(new SecretBox(a), [{ from: '+48 601 987 123' }])).toEqual([keys[0]]);
    expect(eventKeys(new SecretBox(b), [{ from: '48601987123' }])).not.toContain(keys[0]);
  });

  it('are searched for under the current and the previous key while keys rotate', () => {
    const underA = eventKeys(new SecretBox(a), [{ from: '48601987123' }])[0];
    const rotated = new SecretBox(b, { previous: a });
    expect(searchKeys(rotated, ['+48601987123'], [])).toContain(underA);
    expect(searchKeys(rotated, ['+48601987123'], [3])).toContain('m:3');
  });
});
