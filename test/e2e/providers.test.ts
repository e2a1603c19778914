import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailbox } from '../../src/modules/providers/adapter';
import { ProviderFailure, type OutboundSms } from '../../src/modules/providers/adapter-outbound';
import { ProviderId } from '../../src/modules/providers/catalog.types';
import { adapterFor } from '../../src/modules/providers/registry';
import type { HttpOptions } from '../../src/modules/providers/outbound-http';
import { PasswordForm } from '../../src/modules/gateways/gateway.entity';
import { segments } from '../../src/modules/outbound/segments';
import { pem } from '../fakes/base';
import { mailbox } from '../fakes/entry';
import { FAKES } from '../fakes';
import { FakeSmsapi } from '../fakes/smsapi';
import { FakeSerwersms } from '../fakes/serwersms';
import { FakeJustsend } from '../fakes/justsend';
import { FakeMultiInfo } from '../fakes/multiinfo';
import { FakeMobitex } from '../fakes/mobitex';
import { FakePeoplefone } from '../fakes/peoplefone';
import { FakeDotpay } from '../fakes/dotpay';
import { FakeGenericProvider, genericMailbox } from '../fakes/generic';

/*
 * One parameterised suite: every adapter against its fake provider, over real HTTP(S). The same cases
 * for each: a send in the provider's format, wrong credentials, 5xx, 429, a hang (timeout), a closed
 * port, the verify call, and delivery reports where the provider has them. The fakes and what each
 * expects on the wire come from test/fakes (FAKES).
 */

const CA = [pem('ca.pem')];
// The fakes run on 127.0.0.1.
const HTTP: HttpOptions = { timeoutMs: 2000, extraCa: CA, allowPrivateAddresses: true };
const SHORT: HttpOptions = { timeoutMs: 300, extraCa: CA, allowPrivateAddresses: true };

let seq = 1;
function sms(text = 'Zgłoszenie #812 zamknięte', to = '+48500600700'): OutboundSms {
  const id = seq++;
  const s = segments(text);
  return {
    messageId: id,
    idempotencyKey: `sd${id}x${Date.now().toString(36)}`,
    to,
    text,
    encoding: s.encoding,
    parts: s.parts,
    resumed: false,
  };
}

async function failure(p: Promise<unknown>): Promise<ProviderFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProviderFailure) return e;
    throw e;
  }
  throw new Error('expected a ProviderFailure');
}

describe.each(FAKES)('$provider adapter against its fake', (c) => {
  const adapter = adapterFor(c.provider);
  const fake = c.create();
  beforeAll(async () => {
    await fake.start();
  });
  afterAll(() => fake.stop());

  it('sends in the provider format and returns its message id', async () => {
    const s = sms();
    const r = await adapter.send(c.mailbox(fake), s, HTTP);
    c.checkRequest(fake, s, expect);
    expect(c.sentCount(fake)).toBe(1);
    if (c.returnsMessageId) expect(r.providerMessageId).toBeTruthy();
  });

  it('turns wrong credentials into a permanent auth failure naming the provider code', async () => {
    const before = c.sentCount(fake);
    const f = await failure(adapter.send(c.badAuth(fake), sms(), HTTP));
    expect(f).toMatchObject({ kind: 'permanent', category: 'auth' });
    expect(f.reason).toMatch(/wrong|refused|credentials|login|key/i);
    expect(c.sentCount(fake)).toBe(before);
  });

  it('treats a 5xx and a 429 as retryable, with nothing sent', async () => {
    const before = c.sentCount(fake);
    fake.failNext({ kind: '5xx', status: 502 });
    expect(await failure(adapter.send(c.mailbox(fake), sms(), HTTP))).toMatchObject({
      kind: 'retryable',
      category: 'server',
      code: 'HTTP 502',
    });
    fake.failNext({ kind: '429' });
    expect(await failure(adapter.send(c.mailbox(fake), sms(), HTTP))).toMatchObject({
      kind: 'retryable',
      category: 'rate',
      code: 'HTTP 429',
    });
    expect(c.sentCount(fake)).toBe(before);
  });

  it('reports a hang as an unknown outcome after the timeout', async () => {
    fake.failNext({ kind: 'hang', processed: true });
    const t0 = Date.now();
    const f = await failure(adapter.send(c.mailbox(fake), sms(), SHORT));
    expect(f).toMatchObject({ kind: 'unknown', category: 'timeout', code: 'TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(1500);
    fake.releaseHeld();
  });

  it('reports a reset connection after the request as an unknown outcome', async () => {
    fake.failNext({ kind: 'reset' });
    expect((await failure(adapter.send(c.mailbox(fake), sms(), HTTP))).kind).toBe('unknown');
  });

  it('verifies credentials without sending, and reports bad ones as a failed check', async () => {
    const before = c.sentCount(fake);
    const good = await adapter.verify(c.mailbox(fake), HTTP);
    const bad = await adapter.verify(c.badAuth(fake), HTTP);
    expect(c.sentCount(fake)).toBe(before);
    if (!c.verifies) {
      // No verify call is known: the adapter says so instead of claiming success.
      expect(good.checks.some((x) => !x.ok && /not checked/.test(x.detail))).toBe(true);
      return;
    }
    expect(good.checks.every((x) => x.ok)).toBe(true);
    if (c.balance) expect(good.balance).toBe(c.balance(fake));
    expect(bad.checks.some((x) => !x.ok)).toBe(true);
  });

  it('reports a refused connection (closed port) as retryable "host unreachable"', async () => {
    const closed = c.create();
    await closed.start();
    const mb = c.mailbox(closed);
    await closed.stop();
    const f = await failure(adapter.send(mb, sms(), HTTP));
    expect(f).toMatchObject({ kind: 'retryable', category: 'unreachable', code: 'ECONNREFUSED' });
    expect(f.reason).toMatch(/host unreachable/);
    const v = await adapter.verify(mb, HTTP);
    if (c.verifies)
      expect(v.checks.find((x) => !x.ok)).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/host unreachable/),
      });
  });
});

describe('provider-specific behaviour', () => {
  it('SMSAPI: a reused idx with check_idx=1 is error 53, which the adapter reports as a duplicate, not a new SMS', async () => {
    const f = await new FakeSmsapi().start();
    try {
      const mb = mailbox(ProviderId.SMSAPI, {
        baseUrl: f.url,
        login: f.username,
        password: f.passwordMd5,
        passwordForm: PasswordForm.MD5_GIVEN,
      });
      const s = sms('Hello');
      const first = await adapterFor(ProviderId.SMSAPI).send(mb, s, HTTP);
      expect(f.calls('/sms.do')[0].fields).toMatchObject({ username: f.username, password: f.passwordMd5 });
      const again = await adapterFor(ProviderId.SMSAPI).send(mb, { ...s, resumed: true }, HTTP);
      expect(first.duplicate).toBeUndefined();
      expect(again.duplicate).toBe(true);
      expect(again.providerMessageId).toBeUndefined();
      expect(f.sent).toHaveLength(1);
      // test=1 answers like a send and sends nothing.
      await adapterFor(ProviderId.SMSAPI).send(mb, { ...sms('x'), test: true }, HTTP);
      expect(f.sent).toHaveLength(1);
      expect(f.testSends).toHaveLength(1);
      // Errors come with HTTP 200: not enough points, IP filter.
      f.points = 0;
      expect(await failure(adapterFor(ProviderId.SMSAPI).send(mb, sms('x'), HTTP))).toMatchObject({
        kind: 'permanent',
        category: 'funds',
        code: '103',
      });
      f.ipFilter = ['10.0.0.1'];
      const ip = await failure(adapterFor(ProviderId.SMSAPI).send(mb, sms('x'), HTTP));
      expect(ip).toMatchObject({ category: 'ip', code: '105' });
      expect(ip.reason).toMatch(/IP address is not on the SMSAPI account's API IP filter/);
    } finally {
      await f.stop();
    }
  });

  it('SMSAPI: parses up to five comma-separated DLRs with numeric statuses', () => {
    const r = adapterFor(ProviderId.SMSAPI).parseDeliveryReports!({
      method: 'GET',
      query: {
        MsgId: '1,2,3,4,5',
        status: '404,405,402,403,409',
        donedate: '1717000100,1717000200,1717000300,1717000400,1717000500',
        username: 'a,a,a,a,a',
      },
      body: undefined,
      headers: {},
    });
    expect(r.map((x) => [x.providerMessageId, x.status])).toEqual([
      ['1', 'DELIVERED'],
      ['2', 'UNDELIVERED'],
      ['3', 'EXPIRED'],
      ['4', 'SENT'],
      ['5', null],
    ]);
    expect(r[0].at).toEqual(new Date(1717000100 * 1000));
    expect(adapterFor(ProviderId.SMSAPI).deliveryReportReply!()).toMatchObject({ status: 200, body: 'OK' });
  });

  it('SerwerSMS: a resumed send asks messages/view by unique_id and does not send again', async () => {
    const f = await new FakeSerwersms().start();
    try {
      const mb = mailbox(ProviderId.SERWERSMS, { baseUrl: f.url, password: f.token, senderName: 'HELPDESK' });
      const s = sms('Hello');
      const first = await adapterFor(ProviderId.SERWERSMS).send(mb, s, HTTP);
      expect(f.calls('/messages/send_sms')[0].headers.authorization).toBe(`Bearer ${f.token}`);
      const again = await adapterFor(ProviderId.SERWERSMS).send(mb, { ...s, resumed: true }, HTTP);
      expect(again).toMatchObject({ duplicate: true, providerMessageId: first.providerMessageId });
      expect(f.sent).toHaveLength(1);
      // A resumed send whose first attempt never arrived: the lookup finds nothing, so it sends.
      const other = await adapterFor(ProviderId.SERWERSMS).send(mb, { ...sms('Second'), resumed: true }, HTTP);
      expect(other.duplicate).toBeUndefined();
      expect(f.sent).toHaveLength(2);
      // The fake does not deduplicate unique_id (the spec never says SerwerSMS does): a blind resend would duplicate.
      await adapterFor(ProviderId.SERWERSMS).send(mb, s, HTTP);
      expect(f.sent.filter((m) => m.uniqueId === s.idempotencyKey)).toHaveLength(2);
      // Reports are polled.
      f.setStatus(first.providerMessageId!, 'delivered');
      expect(
        await adapterFor(ProviderId.SERWERSMS).pollDeliveryReport!(mb, first.providerMessageId!, HTTP),
      ).toMatchObject({ status: 'DELIVERED', final: true });
      f.setStatus(first.providerMessageId!, 'undelivered', 'message_expired');
      expect(
        await adapterFor(ProviderId.SERWERSMS).pollDeliveryReport!(mb, first.providerMessageId!, HTTP),
      ).toMatchObject({ status: 'EXPIRED' });
      // ECO+ (no sender) cannot carry UCS-2: refused before queueing.
      expect(adapterFor(ProviderId.SERWERSMS).textProblem!({ senderName: undefined }, 'UCS2')).toMatch(/ECO\+/);
      // An unapproved sender comes back as an unsent item.
      const bad = await failure(adapterFor(ProviderId.SERWERSMS).send({ ...mb, senderName: 'OTHER' }, sms('x'), HTTP));
      expect(bad).toMatchObject({ kind: 'permanent', category: 'sender' });
    } finally {
      await f.stop();
    }
  });

  it('SerwerSMS: a resumed send whose lookup gets any answer but the assumed "no such id" is unknown, never resent', async () => {
    const f = await new FakeSerwersms().start();
    try {
      const mb = mailbox(ProviderId.SERWERSMS, { baseUrl: f.url, password: f.token, senderName: 'HELPDESK' });
      const json = (body: unknown, status = 200) => ({
        status,
        body: JSON.stringify(body),
        contentType: 'application/json',
      });
      const shapes = [
        json({ error: { code: 1006, type: 'InvalidData', message: 'Message not found' } }),
        json({ error: 'No such message' }),
        json({ success: false }),
        json({ items: [] }),
        { status: 404, body: 'Not Found', contentType: 'text/plain' },
      ];
      for (const answer of shapes) {
        f.viewNotFound = answer;
        const e = await failure(adapterFor(ProviderId.SERWERSMS).send(mb, { ...sms('Hello'), resumed: true }, HTTP));
        expect(e.kind, answer.body).toBe('unknown');
        expect(e.reason).toMatch(/could not check with SerwerSMS/);
      }
      expect(f.calls('/messages/view')).toHaveLength(shapes.length);
      expect(f.calls('/messages/send_sms')).toHaveLength(0);
      expect(f.sent).toHaveLength(0);
    } finally {
      await f.stop();
    }
  });

  it('JustSend: polls the per-message report counters', async () => {
    const f = await new FakeJustsend().start();
    try {
      const mb = mailbox(ProviderId.JUSTSEND, { baseUrl: `${f.url}/api/rest`, password: f.appKey });
      const r = await adapterFor(ProviderId.JUSTSEND).send(mb, sms('Hello'), HTTP);
      expect(f.calls('/v2/message/send')[0].json).toMatchObject({ bulkVariant: 'ECO', from: '' });
      expect(await adapterFor(ProviderId.JUSTSEND).pollDeliveryReport!(mb, r.providerMessageId!, HTTP)).toMatchObject({
        status: null,
      });
      f.setState(r.providerMessageId!, 'delivered');
      expect(await adapterFor(ProviderId.JUSTSEND).pollDeliveryReport!(mb, r.providerMessageId!, HTTP)).toMatchObject({
        status: 'DELIVERED',
        final: true,
      });
      f.points = 0;
      expect(await failure(adapterFor(ProviderId.JUSTSEND).send(mb, sms('x'), HTTP))).toMatchObject({
        category: 'funds',
        code: '106 NO_SUFFICIENT_POINTS',
      });
    } finally {
      await f.stop();
    }
  });

  describe('MultiInfo', () => {
    let f: FakeMultiInfo;
    beforeAll(async () => {
      f = await new FakeMultiInfo().start();
    });
    afterAll(() => f.stop());
    const mb = (extra: Partial<Mailbox> = {}) =>
      mailbox(ProviderId.MULTIINFO, {
        baseUrl: `${f.url}/Api61`,
        login: f.login,
        password: f.password,
        serviceId: f.serviceId,
        certificatePem: pem('client-bundle.pem'),
        ...extra,
      });

    it('sends long texts through sendsmslong with one id per part, on both path styles', async () => {
      const long = await adapterFor(ProviderId.MULTIINFO).send(mb(), sms('a'.repeat(200)), HTTP);
      expect(long.providerMessageId!.split(',')).toHaveLength(2);
      expect(f.calls('/sendsmslong.aspx').at(-1)!.path).toBe('/Api61/sendsmslong.aspx');
      await adapterFor(ProviderId.MULTIINFO).send(mb({ baseUrl: f.url }), sms('legacy root path'), HTTP);
      expect(f.calls('/sendsms.aspx').at(-1)!.path).toBe('/sendsms.aspx');
    });

    it('polls infosms, API 6.1 and legacy layouts, a message as good as its worst part', async () => {
      const a = adapterFor(ProviderId.MULTIINFO);
      const r = await a.send(mb(), sms('b'.repeat(200)), HTTP);
      expect(await a.pollDeliveryReport!(mb(), r.providerMessageId!, HTTP)).toMatchObject({
        status: null,
        final: false,
      });
      f.setStatus(r.providerMessageId!, 21, 1);
      expect(await a.pollDeliveryReport!(mb(), r.providerMessageId!, HTTP)).toMatchObject({
        status: 'DELIVERED',
        final: true,
      });
      expect(await a.pollDeliveryReport!(mb({ baseUrl: f.url }), r.providerMessageId!, HTTP)).toMatchObject({
        status: 'DELIVERED',
      });
      f.setStatus(r.providerMessageId!, 11, 2);
      expect(await a.pollDeliveryReport!(mb(), r.providerMessageId!, HTTP)).toMatchObject({
        status: 'UNDELIVERED',
        final: true,
      });
    });

    it('maps -14 for a sender not activated, -24 for an unknown service, -85 for a CN that is not the login', async () => {
      const a = adapterFor(ProviderId.MULTIINFO);
      expect(await failure(a.send(mb({ senderName: 'NOTALLOWED' }), sms('x'), HTTP))).toMatchObject({
        category: 'sender',
        code: '-14',
      });
      expect(await failure(a.send(mb({ serviceId: 1 }), sms('x'), HTTP))).toMatchObject({
        category: 'config',
        code: '-24',
      });
      f.login = 'someone-else';
      try {
        expect(await failure(a.send(mb({ login: 'someone-else' }), sms('x'), HTTP))).toMatchObject({
          category: 'certificate',
          code: '-85',
        });
      } finally {
        f.login = 'smsdesk-test';
      }
    });

    it('fails the handshake without a client certificate, or with an expired one', async () => {
      const a = adapterFor(ProviderId.MULTIINFO);
      const noCert = await a.verify(mb({ certificatePem: undefined }), HTTP);
      expect(noCert.checks[0]).toMatchObject({ name: 'Certificate', ok: false });
      const expired = await a.verify(mb({ certificatePem: pem('expired-bundle.pem') }), HTTP);
      expect(expired.checks[0]).toMatchObject({
        name: 'Certificate',
        ok: false,
        detail: expect.stringMatching(/expired on 2021-01-01/),
      });
      expect(expired.checks[1]).toMatchObject({
        name: 'TLS handshake',
        ok: false,
        detail: expect.stringMatching(/rejected the client certificate/),
      });
      const f2 = await failure(a.send(mb({ certificatePem: pem('expired-bundle.pem') }), sms('x'), HTTP));
      expect(f2).toMatchObject({ kind: 'permanent', category: 'certificate' });
      // Without our test CA the fake's server certificate is not trusted: a configuration error, said so.
      const untrusted = await failure(a.send(mb(), sms('x'), { timeoutMs: 2000, allowPrivateAddresses: true }));
      expect(untrusted).toMatchObject({ kind: 'permanent', category: 'certificate' });
      expect(untrusted.reason).toMatch(/server certificate .* is not trusted/);
    });

    it('verify: TLS handshake plus infosms?smsId=0 answering -31', async () => {
      const v = await adapterFor(ProviderId.MULTIINFO).verify(mb(), HTTP);
      expect(v.checks.map((c) => [c.name, c.ok])).toEqual([
        ['Certificate', true],
        ['TLS handshake', true],
        ['Credentials', true],
      ]);
      expect(f.calls('/infosms.aspx').at(-1)!.fields.smsId).toBe('0');
      const bad = await adapterFor(ProviderId.MULTIINFO).verify(mb({ password: 'x' }), HTTP);
      expect(bad.checks[2]).toMatchObject({
        ok: false,
        detail: expect.stringMatching(/wrong MultiInfo API login or password \(-1\)/),
      });
    });
  });

  it('Mobitex: sender not approved (114), text too long for its type (105), GSM types for plain text', async () => {
    const f = await new FakeMobitex().start();
    try {
      const a = adapterFor(ProviderId.MOBITEX);
      const mb = mailbox(ProviderId.MOBITEX, {
        baseUrl: f.url,
        login: f.user,
        password: f.passMd5,
        senderName: 'ACME',
      });
      await a.send(mb, sms('a'.repeat(200)), HTTP);
      expect(f.sent.at(-1)).toMatchObject({ type: 'concat' });
      expect(await failure(a.send({ ...mb, senderName: 'OTHER' }, sms('x'), HTTP))).toMatchObject({
        category: 'sender',
        code: '114',
      });
      expect(a.senderProblem(undefined)).toMatch(/needs a sender name/);
      f.balance = 0;
      expect(await failure(a.send(mb, sms('x'), HTTP))).toMatchObject({ category: 'funds', code: '202' });
    } finally {
      await f.stop();
    }
  });

  it('Peoplefone: passes the DLR callbackUrl and parses the (placeholder) status callback', async () => {
    const f = await new FakePeoplefone().start();
    try {
      const a = adapterFor(ProviderId.PEOPLEFONE);
      const mb = mailbox(ProviderId.PEOPLEFONE, { baseUrl: `${f.url}/customer/sms/v1`, password: f.apiKey });
      const r = await a.send(
        mb,
        { ...sms('x'), notifyUrl: 'https://desk.example.com/panel/tickets/incoming/peoplefone/dlr' },
        HTTP,
      );
      expect(f.sent[0].callbackUrl).toBe('https://desk.example.com/panel/tickets/incoming/peoplefone/dlr');
      expect(
        a.parseDeliveryReports!({
          method: 'POST',
          query: {},
          body: { messageId: r.providerMessageId, status: 'delivered' },
          headers: {},
        }),
      ).toEqual([
        { providerMessageId: r.providerMessageId, status: 'DELIVERED', providerStatus: 'delivered', reason: undefined },
      ]);
      f.ipWhitelisted = false;
      const ip = await failure(a.send(mb, sms('x'), HTTP));
      expect(ip).toMatchObject({ kind: 'permanent', category: 'ip', code: 'HTTP 403' });
      expect(a.senderProblem('ACME')).toMatch(/no sender field/);
    } finally {
      await f.stop();
    }
  });

  it('Dotpay: cannot send, and says why; its check only proves the host answers', async () => {
    const f = await new FakeDotpay().start();
    try {
      const a = adapterFor(ProviderId.DOTPAY);
      expect(a.sending).toMatchObject({ supported: false, reason: expect.stringMatching(/Premium SMS only/) });
      expect(await failure(a.send(mailbox(ProviderId.DOTPAY, { baseUrl: f.url }), sms('x'), HTTP))).toMatchObject({
        kind: 'permanent',
        category: 'unsupported',
      });
      const v = await a.verify(mailbox(ProviderId.DOTPAY, { baseUrl: f.url, login: '123456' }), HTTP);
      expect(v.checks).toEqual([
        { name: 'Sending', ok: false, detail: expect.stringMatching(/no API to send/) },
        { name: 'Connection', ok: true, detail: expect.stringMatching(/no call that checks the account/) },
      ]);
      expect(f.requests).toHaveLength(1);
      expect(f.requests[0].path).toBe('/check_code.php');
    } finally {
      await f.stop();
    }
  });

  it('Tide uses the generic adapter and its template', async () => {
    const f = await new FakeGenericProvider().start();
    try {
      const p = ProviderId.TIDE;
      const r = await adapterFor(p).send({ ...genericMailbox(f, f.apiKey), provider: p }, sms('Cześć'), HTTP);
      expect(r.providerMessageId).toMatch(/^g-/);
      expect(f.sent.map((s) => s.text)).toEqual(['Cześć']);
      // A body that does not match the success rule is a refusal, with the answer quoted.
      const bad = await failure(
        adapterFor(ProviderId.TIDE).send(
          { ...genericMailbox(f, f.apiKey), provider: ProviderId.TIDE },
          sms('x', '+1'),
          HTTP,
        ),
      );
      expect(bad).toMatchObject({ kind: 'permanent', code: 'HTTP 400' });
      expect(bad.reason).toMatch(/bad number/);
    } finally {
      await f.stop();
    }
  });
});
