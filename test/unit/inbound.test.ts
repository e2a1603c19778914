import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  normaliseDestination,
  normaliseSender,
  canonicalDestination,
  MAX_NUMBER_TEXT,
} from '../../src/modules/inbound/numbers';
import { exposedGc } from '../support/gc';
import { clientIp } from '../../src/webhooks/client-ip';
import { maskDeep, secretMatcher } from '../../src/webhooks/masking';
import { decodeForm, flatFields } from '../../src/webhooks/body';
import { dedupeKeys, DEDUPE_WINDOW_MS } from '../../src/modules/inbound/store';
import { backoffMs } from '../../src/modules/inbound/tasks';
import { notificationTitle } from '../../src/modules/notifications/notification.service';
import { NotificationKind } from '../../src/modules/notifications/notification.entity';
import {
  unixTime,
  warsawDate,
  warsawDateTime,
  warsawDateTimeText,
  splitMmsParts,
  type WebhookRequest,
  type InboundFile,
} from '../../src/modules/providers/adapter-inbound';
import { inbound as smsapi } from '../../src/modules/providers/smsapi/inbound';
import { inbound as serwersms, pulledItem, serwersmsTemplateUrl } from '../../src/modules/providers/serwersms/inbound';
import { inbound as dotpay, dotpaySignature } from '../../src/modules/providers/dotpay/inbound';
import { inbound as peoplefone } from '../../src/modules/providers/peoplefone/inbound';
import { inbound as generic, lookup } from '../../src/modules/providers/generic-http/inbound';
import { replyItem } from '../../src/modules/providers/justsend/inbound';
import { parseGetsms } from '../../src/modules/providers/multiinfo/inbound';
import type { Mailbox } from '../../src/modules/providers/adapter';
import { ProviderId } from '../../src/modules/providers/catalog.types';

const req = (fields: Record<string, string>, o: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: 'POST',
  variant: 'sms',
  query: {},
  body: fields,
  fields,
  files: [],
  ...o,
});

describe('number normalisation', () => {
  it('removes the mailbox prefix (longest first, once) and writes our number in E.164', () => {
    expect(normaliseDestination('48732123456', ['48'])).toBe('+48732123456');
    expect(normaliseDestination('+48732123456', ['+48', '48'])).toBe('+48732123456');
    expect(normaliseDestination('0048732123456', ['0048', '+48', '48'])).toBe('+48732123456');
    expect(normaliseDestination('0048732123456', [])).toBe('+48732123456');
    expect(normaliseDestination('732 123 456', [])).toBe('+48732123456');
    expect(normaliseDestination('48732123456', [])).toBe('+48732123456');
    expect(normaliseDestination('+41 44 123 45 67', [])).toBe('+41441234567');
    // Prefix order does not matter: the longest matching one is removed.
    expect(normaliseDestination('0048732123456', ['48', '0048'])).toBe('+48732123456');
  });

  it('keeps a short (premium/service) number as its digits, and refuses garbage', () => {
    expect(normaliseDestination('7255', [])).toBe('7255');
    expect(normaliseDestination('7968', ['48'])).toBe('7968');
    expect(normaliseDestination('abc', [])).toBeNull();
    expect(normaliseDestination('', [])).toBeNull();
    expect(canonicalDestination('+48732123456')).toBe('+48732123456');
    expect(canonicalDestination(null)).toBeNull();
  });

  it('refuses number text over a sane length without parsing it, and keeps no memory of attacker-sized values', () => {
    const gc = exposedGc();
    const long = (i: number) => `48${String(i).padStart(6, '0')}${'7'.repeat(100_000)}`;
    expect(normaliseDestination(long(0), ['48'])).toBeNull();
    expect(normaliseSender(`+48${'5'.repeat(5000)}`)).toBe(`+48${'5'.repeat(29)}`);
    expect(normaliseDestination(`  +48 732 123 456  `.padEnd(MAX_NUMBER_TEXT, ' '), [])).toBe('+48732123456');
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 300; i++) {
      normaliseDestination(long(i), ['48']);
      normaliseSender(long(i));
    }
    gc();
    // 300 distinct 100 KB values of each kind: 60 MB had they been kept as cache keys.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('writes senders in E.164 in every usual form, and keeps an alphanumeric sender as sent', () => {
    for (const s of ['48500600700', '+48500600700', '0048500600700', '500600700', '500-600-700', '+48 500 600 700']) {
      expect(normaliseSender(s), s).toBe('+48500600700');
    }
    // A Radom landline (national 48…) is not taken for a country code.
    expect(normaliseSender('483456789')).toBe('+48483456789');
    expect(normaliseSender('4915112345678')).toBe('+4915112345678');
    expect(normaliseSender('INFO')).toBe('INFO');
  });
});

describe('client IP and trusted proxies', () => {
  const trusted = new BlockList();
  trusted.addSubnet('10.0.0.0', 8, 'ipv4');
  trusted.addAddress('127.0.0.1');

  it('ignores X-Forwarded-For from a peer that is not trusted', () => {
    expect(clientIp('203.0.113.9', '198.51.100.1', trusted)).toBe('203.0.113.9');
    expect(clientIp('::ffff:203.0.113.9', undefined, trusted)).toBe('203.0.113.9');
  });

  it('takes the first untrusted hop from the right when the peer is a trusted proxy', () => {
    expect(clientIp('10.1.2.3', '198.51.100.1', trusted)).toBe('198.51.100.1');
    expect(clientIp('10.1.2.3', '203.0.113.7, 198.51.100.1, 10.9.9.9', trusted)).toBe('198.51.100.1');
    expect(clientIp('127.0.0.1', ['203.0.113.7', '10.0.0.5'], trusted)).toBe('203.0.113.7');
    expect(clientIp('10.1.2.3', '10.0.0.4', trusted)).toBe('10.0.0.4');
    expect(clientIp('10.1.2.3', 'garbage', trusted)).toBe('garbage');
    expect(clientIp('10.1.2.3', '', trusted)).toBe('10.1.2.3');
  });
});

describe('request decoding and masking', () => {
  it('decodes forms in UTF-8 and in ISO-8859-2 as the content type says', () => {
    expect(decodeForm('sms_text=Dzi%C4%99kuj%C4%99+bardzo&a=1&a=2')).toEqual({
      sms_text: 'Dziękuję bardzo',
      a: ['1', '2'],
    });
    // "ę" is 0xEA in ISO-8859-2.
    expect(decodeForm('t=Dzi%EAkuj%EA', 'iso-8859-2')).toEqual({ t: 'Dziękuję' });
    expect(decodeForm('__proto__=x&ok=1')).toEqual({ ok: '1' });
    expect(flatFields({ a: ['1', '2'], n: 5 }, { b: 'x', o: { nested: 1 } })).toEqual({ a: '1', n: '5', b: 'x' });
  });

  it('masks secret fields at any depth', () => {
    const isSecret = secretMatcher(['md5']);
    expect(
      maskDeep({ token: 't', MD5: 'abc', a: { Password: 'p', keep: 1 }, list: [{ api_key: 'k' }] }, isSecret),
    ).toEqual({
      token: '***',
      MD5: '***',
      a: { Password: '***', keep: 1 },
      list: [{ api_key: '***' }],
    });
  });
});

describe('time helpers', () => {
  it('reads Polish wall-clock times in Europe/Warsaw, summer and winter', () => {
    expect(warsawDateTime('2024-05-29 12:20:34')!.toISOString()).toBe('2024-05-29T10:20:34.000Z');
    expect(warsawDateTime('2024-01-15 12:00:00')!.toISOString()).toBe('2024-01-15T11:00:00.000Z');
    expect(warsawDateTime('2024-01-15T12:00:00Z')!.toISOString()).toBe('2024-01-15T12:00:00.000Z');
    expect(warsawDateTime('yesterday')).toBeUndefined();
    expect(warsawDateTimeText(new Date('2024-05-29T10:20:34Z'))).toBe('2024-05-29 12:20:34');
    expect(warsawDate(new Date('2024-05-29T23:30:00Z'))).toBe('2024-05-30');
    expect(unixTime('1717001234')!.toISOString()).toBe('2024-05-29T16:47:14.000Z');
    expect(unixTime('soon')).toBeUndefined();
  });
});

describe('SMSAPI parser', () => {
  it('reads the SMS callback fields', () => {
    const r = smsapi.webhook!.parse(
      req({
        sms_to: '48732123456',
        sms_from: '48500600700',
        sms_text: 'Hej',
        sms_date: '1717001234',
        MsgId: 'X1',
        username: 'u',
      }),
    );
    expect(r).toEqual({
      ok: true,
      messages: [
        {
          kind: 'SMS',
          from: '48500600700',
          to: '48732123456',
          text: 'Hej',
          providerMessageId: 'X1',
          providerIdShared: true,
          dedupeMaterial: '1717001234',
          repliesTo: 'X1',
          providerTimestamp: new Date(1717001234000),
        },
      ],
    });
  });
  it('without MsgId, leaves the message to the hash of sender, text and date', () => {
    const r = smsapi.webhook!.parse(req({ sms_to: '48732123456', sms_from: '48500600700', sms_text: 'Hej' }));
    expect(r.ok && r.messages[0]).toEqual({ kind: 'SMS', from: '48500600700', to: '48732123456', text: 'Hej' });
  });
  it('names the missing fields', () => {
    expect(smsapi.webhook!.parse(req({ sms_to: '1' }))).toEqual({ ok: false, reason: 'missing sms_from, sms_text' });
  });
  it('reads the MMS callback: text parts become the text, SMIL is dropped, the rest are attachments', () => {
    const file = (contentType: string, data: string): InboundFile => ({
      field: 'f',
      contentType,
      data: Buffer.from(data),
      truncated: false,
      size: data.length,
    });
    const r = smsapi.webhook!.parse(
      req(
        { mms_to: '48732123456', mms_from: '48500600700', mms_subject: 'S', mms_date: '1717001234' },
        {
          variant: 'mms',
          files: [file('text/plain', 'Hi'), file('application/smil', '<smil/>'), file('image/png', 'PNG')],
        },
      ),
    );
    expect(r.ok && r.messages[0]).toMatchObject({ kind: 'MMS', text: 'Hi', subject: 'S' });
    expect(r.ok && r.messages[0].attachments!.map((a) => a.contentType)).toEqual(['image/png']);
    expect(splitMmsParts([]).text).toBe('');
  });
});

describe('SerwerSMS', () => {
  it('builds the URL template with our number fixed and fixed values before placeholders', () => {
    expect(serwersmsTemplateUrl('https://h/panel/tickets/incoming/serwersms', '+48732123456', undefined)).toBe(
      'https://h/panel/tickets/incoming/serwersms?ournumber=48732123456&numer=#NUMER#&wiadomosc=#WIADOMOSC#&data=#DATA#&id=#ID#',
    );
    expect(serwersmsTemplateUrl('https://h/x', '+48732123456', 'tok-3n_X')).toContain(
      '?ournumber=48732123456&token=tok-3n_X&numer=',
    );
  });
  it('parses a template pasted with the Premium names and treats an unfilled placeholder as absent', () => {
    const r = serwersms.webhook!.parse(
      req({ ournumber: '48732123456', numer: '48500600700', tresc: 'Ok', data: '2024-05-29 12:20:34', id: '#IDSMS#' }),
    );
    expect(r).toEqual({
      ok: true,
      messages: [
        {
          kind: 'SMS',
          from: '48500600700',
          to: '48732123456',
          text: 'Ok',
          providerMessageId: undefined,
          providerTimestamp: new Date('2024-05-29T10:20:34Z'),
          dedupeByContent: true,
        },
      ],
    });
    expect(serwersms.webhook!.parse(req({ numer: '1', tresc: 'x' })).ok).toBe(false);
  });
  it('parses the ND/NDI template as shown, and the parameter names of a third-party template', () => {
    const nd = serwersms.webhook!.parse(
      req({ ournumber: '48732123456', numer: '48500600700', wiadomosc: 'Ok', data: '2024-05-29 12:20:34', id: '77' }),
    );
    expect(nd.ok && nd.messages[0]).toMatchObject({ from: '48500600700', text: 'Ok', providerMessageId: '77' });
    const premium = serwersms.webhook!.parse(
      req({ ournumber: '48732123456', z_numeru: '48500600700', wiadomosc: '', idsms: '303023', data: '#DATA#' }),
    );
    expect(premium.ok && premium.messages[0]).toMatchObject({
      from: '48500600700',
      text: '',
      providerMessageId: '303023',
    });
    expect(premium.ok && premium.messages[0].providerTimestamp).toBeUndefined();
    // An unencoded "+" arrives as a space.
    const plus = serwersms.webhook!.parse(req({ ournumber: '48732123456', numer: ' 48500600700', wiadomosc: 'x' }));
    expect(plus.ok && plus.messages[0].from).toBe('+48500600700');
    expect(serwersms.webhook!.parse(req({ ournumber: '1', numer: '#NUMER#', wiadomosc: 'x' })).ok).toBe(false);
  });
  it('reads the outgoing message an ECO+ reply answers (message_id)', () => {
    const eco = { id: 9, type: 'eco', phone: '+48500600700', recived: '2024-05-29 12:20:34', text: 'Tak' };
    expect(pulledItem({ ...eco, message_id: 'aca3944055' })?.repliesTo).toBe('aca3944055');
    expect(pulledItem(eco)?.repliesTo).toBeUndefined();
  });
  it('reads items of the messages/recived answer, MMS attachments included', () => {
    expect(
      pulledItem({ id: 2204974, type: 'ndi', phone: '+48500600700', recived: '2024-05-29 12:20:34', text: 'Dziękuję' }),
    ).toMatchObject({
      kind: 'SMS',
      from: '+48500600700',
      text: 'Dziękuję',
      providerMessageId: '2204974',
      providerTimestamp: new Date('2024-05-29T10:20:34Z'),
    });
    const mms = pulledItem({
      id: 5,
      type: 'mms',
      phone: '+48500600700',
      title: 'T',
      attachments: [{ name: 'a.jpg', content_type: 'image/jpeg', data: Buffer.from('JPG').toString('base64') }],
    })!;
    expect(mms).toMatchObject({ kind: 'MMS', subject: 'T' });
    expect(mms.attachments![0].data.toString()).toBe('JPG');
    expect(pulledItem({ text: 'no id' })).toBeNull();
  });
});

describe('Dotpay', () => {
  const f = {
    fulltext: 'AP.ACME Hej',
    text: 'Hej',
    ident: '1',
    service: 'ACME',
    number: '7255',
    sender: '48600000001',
    code: 'ACME',
    date: '2014-05-10 12:30:00',
  };
  const mailbox = { login: '123456', password: 'PIN' } as Mailbox;
  it('verifies the md5 over merchant id, PIN and the fields in order', () => {
    const md5 = dotpaySignature(f, '123456', 'PIN');
    expect(md5).toMatch(/^[0-9a-f]{32}$/);
    expect(dotpay.webhook!.verify!(req({ ...f, md5 }), mailbox)).toBeNull();
    expect(dotpay.webhook!.verify!(req({ ...f, md5: md5.toUpperCase() }), mailbox)).toBeNull();
    expect(dotpay.webhook!.verify!(req({ ...f, md5 }), { ...mailbox, password: 'OTHER' })).toMatch(/does not match/);
    expect(dotpay.webhook!.verify!(req(f), mailbox)).toMatch(/missing/);
  });
  it('keeps what the subscriber typed (fulltext)', () => {
    const r = dotpay.webhook!.parse(req(f));
    expect(r.ok && r.messages[0]).toMatchObject({
      from: '48600000001',
      to: '7255',
      text: 'AP.ACME Hej',
      providerMessageId: '1',
    });
  });
});

describe('Peoplefone and generic HTTP', () => {
  it('reads the placeholder JSON callback', () => {
    const body = { from: '+41791234567', to: '+41441234567', text: 'Danke', receivedAt: '2026-01-15T09:14:00Z' };
    const r = peoplefone.webhook!.parse(req({}, { body }));
    expect(r.ok && r.messages[0]).toMatchObject({
      from: '+41791234567',
      text: 'Danke',
      providerTimestamp: new Date('2026-01-15T09:14:00Z'),
    });
  });
  it('maps fields by name or dot path as the mailbox says', () => {
    const m = {
      genericHttp: {
        method: 'POST',
        urlTemplate: 'x',
        headers: [],
        inboundFromField: 'a.from',
        inboundToField: 'to',
        inboundTextField: 'a.b.text',
        inboundIdField: 'id',
      },
    } as unknown as Mailbox;
    const r = generic.webhook!.parse(
      req({ to: '48732123456', id: '9' }, { body: { a: { from: 500600700, b: { text: 'T' } } } }),
      m,
    );
    expect(r.ok && r.messages[0]).toMatchObject({
      from: '500600700',
      to: '48732123456',
      text: 'T',
      providerMessageId: '9',
    });
    expect(generic.webhook!.parse(req({}), undefined).ok).toBe(false);
    expect(lookup(req({}, { body: { x: [1] } }), 'x.0')).toBe('1');
    expect(generic.webhook!.accepted({ ...m, genericHttp: { ...m.genericHttp!, inboundReplyBody: 'ACK' } }).body).toBe(
      'ACK',
    );
  });
});

describe('polled providers', () => {
  it('JustSend: a reply without id is recognised by its createDate exactly as sent', () => {
    expect(
      replyItem({
        prefix: 'POMOC',
        msisdn: '48500600700',
        message: 'POMOC drukarka',
        createDate: '2024-05-29 12:20:34',
      }),
    ).toMatchObject({
      from: '48500600700',
      text: 'POMOC drukarka',
      dedupeMaterial: '2024-05-29 12:20:34',
      providerTimestamp: new Date('2024-05-29T10:20:34Z'),
    });
    expect(replyItem({ message: 'no sender' })).toBeNull();
  });
  it('MultiInfo: getsms lines, empty queue, legacy and API 6.1 dates, errors', () => {
    const body =
      '0\n64031847\n48600000002\n7968\n1\nDzi%C4%99kuj%C4%99%2C+problem+rozwi%C4%85zany\n0\n8\n24138\n60199\n20260829091400\n';
    expect(parseGetsms(body)).toEqual({
      kind: 'message',
      smsId: '64031847',
      sms: {
        kind: 'SMS',
        from: '48600000002',
        to: '7968',
        text: 'Dziękuję, problem rozwiązany',
        providerMessageId: '64031847',
        providerTimestamp: new Date('2026-08-29T07:14:00Z'),
      },
    });
    expect(parseGetsms('0\r\n-1\r\n')).toEqual({ kind: 'empty' });
    const legacy = parseGetsms('0\n1\n48600000002\n7968\n1\nA\n0\n0\n1\n2\n050214174507');
    expect(legacy.kind === 'message' && legacy.sms.providerTimestamp!.toISOString()).toBe('2014-02-05T16:45:07.000Z');
    expect(parseGetsms('-24\nUsługa nie jest aktywna')).toEqual({
      kind: 'error',
      code: -24,
      text: 'Usługa nie jest aktywna',
    });
  });
});

describe('dedupe, titles, backoff', () => {
  const sms = { kind: 'SMS' as const, from: '+48500600700', text: 'x' };
  it('hashes (mailbox, sender, text, provider time); without a time it uses a window and its predecessor', () => {
    const now = new Date();
    const a = dedupeKeys(1, '+48500600700', { ...sms, providerTimestamp: new Date(1e12) }, now);
    expect(a.previous).toBeUndefined();
    expect(
      dedupeKeys(1, '+48500600700', { ...sms, providerTimestamp: new Date(1e12) }, new Date(now.getTime() + 3600e3))
        .key,
    ).toBe(a.key);
    expect(dedupeKeys(2, '+48500600700', { ...sms, providerTimestamp: new Date(1e12) }, now).key).not.toBe(a.key);
    const w = dedupeKeys(1, '+48500600700', sms, now);
    const next = dedupeKeys(1, '+48500600700', sms, new Date(now.getTime() + DEDUPE_WINDOW_MS));
    expect(next.previous).toBe(w.key);
    expect(dedupeKeys(1, '+48500600700', { ...sms, dedupeMaterial: 'd' }, now).previous).toBeUndefined();
  });
  it('a shared provider id joins the hash: the same callback again is a retry, another text or date is not', () => {
    const now = new Date();
    const reply = { ...sms, providerMessageId: 'M1', providerIdShared: true, dedupeMaterial: '1717001234' };
    const a = dedupeKeys(1, '+48500600700', { ...reply, providerTimestamp: new Date(1717001234000) }, now);
    expect(a.previous).toBeUndefined();
    const later = new Date(now.getTime() + 3600e3);
    expect(dedupeKeys(1, '+48500600700', { ...reply, providerTimestamp: new Date(1717001234000) }, later).key).toBe(
      a.key,
    );
    const others = [
      { ...reply, text: 'y' },
      { ...reply, dedupeMaterial: '1717001235' },
      { ...reply, providerMessageId: 'M2' },
      { ...reply, providerIdShared: undefined },
    ];
    for (const o of others) expect(dedupeKeys(1, '+48500600700', o, now).key).not.toBe(a.key);
    expect(dedupeKeys(1, '+48500600701', reply, now).key).not.toBe(dedupeKeys(1, '+48500600700', reply, now).key);
  });
  it('titles notifications [SMS]/[MMS] with the start of the text', () => {
    expect(notificationTitle(NotificationKind.SMS, 'Jan Kowalski', 'Dzień   dobry\nproszę o kontakt')).toBe(
      '[SMS] Jan Kowalski: Dzień dobry proszę o kontakt',
    );
    const long = notificationTitle(NotificationKind.MMS, '+48500600700', 'a'.repeat(100));
    expect(long).toBe(`[MMS] +48500600700: ${'a'.repeat(59)}…`);
    expect(notificationTitle(NotificationKind.MMS, 'X', '', 'Subject')).toBe('[MMS] X: Subject');
  });
  it('backs off exponentially with a cap, longer for configuration errors', () => {
    expect(backoffMs(1, true)).toBeLessThanOrEqual(6_000);
    expect(backoffMs(3, true)).toBeGreaterThanOrEqual(16_000);
    expect(backoffMs(30, true)).toBeLessThanOrEqual(6 * 60_000);
    expect(backoffMs(1, false)).toBeGreaterThanOrEqual(48_000);
    expect(backoffMs(30, false)).toBeLessThanOrEqual(36 * 60_000);
  });
});

it('keeps ProviderId importable for adapters (sanity)', () => {
  expect(ProviderId.SMSAPI).toBe('SMSAPI');
});
