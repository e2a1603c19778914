import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderFailure, type OutboundSms } from '../../src/modules/providers/adapter-outbound';
import { ProviderId } from '../../src/modules/providers/catalog.types';
import type { HttpOptions } from '../../src/modules/providers/outbound-http';
import { adapterFor } from '../../src/modules/providers/registry';
import { forgetSessions } from '../../src/modules/providers/three-s/outbound';
import { SPEC } from '../../src/modules/providers/three-s/spec';
import { parseSoap, soapRequest } from '../../src/modules/providers/three-s/soap';
import { FakeThreeS, threeSMailbox } from '../fakes/threes';

/*
 * The 3S SOAP adapter against its fake: one login reused by later sends, a fresh login when the platform
 * ends the session, and faults sorted into permanent, retryable and unknown.
 */

const HTTP: HttpOptions = { timeoutMs: 2000, allowPrivateAddresses: true };
const adapter = adapterFor(ProviderId.THREE_S);

let seq = 1;
function sms(text = 'Zgłoszenie #812 zamknięte', to = '+48500600700'): OutboundSms {
  const id = seq++;
  return { messageId: id, idempotencyKey: `t${id}`, to, text, encoding: 'UCS2', parts: 1, resumed: false };
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

const ops = (f: FakeThreeS) =>
  f.requests.map((r) => {
    const a = parseSoap(r.rawBody);
    return a.kind === 'body' ? a.element : '?';
  });

describe('3S SOAP adapter', () => {
  const f = new FakeThreeS();
  beforeAll(() => f.start());
  afterAll(() => f.stop());
  afterEach(() => {
    forgetSessions();
    f.requests.length = 0;
    f.expireSessions();
  });

  it('logs in once and reuses the session cookie for the next send', async () => {
    const a = await adapter.send(threeSMailbox(f), sms('pierwsza <&> "x"'), HTTP);
    const b = await adapter.send(threeSMailbox(f), sms('druga'), HTTP);
    expect(ops(f)).toEqual(['login', 'smsSend', 'smsSend']);
    expect(f.logins).toHaveLength(1);
    expect(a.providerMessageId).toBeTruthy();
    expect(b.providerMessageId).not.toBe(a.providerMessageId);
    expect(f.sent.slice(-2).map((s) => [s.message, s.session])).toEqual([
      ['pierwsza <&> "x"', f.logins[0]],
      ['druga', f.logins[0]],
    ]);
    for (const r of f.requests) expect(r.headers['content-type']).toMatch(/^application\/soap\+xml; charset=utf-8/);
  });

  it('shares one login between sends that start together', async () => {
    await Promise.all([1, 2, 3].map(() => adapter.send(threeSMailbox(f), sms(), HTTP)));
    expect(ops(f).filter((o) => o === 'login')).toHaveLength(1);
  });

  it('logs in again when the platform has ended the session, and sends once', async () => {
    await adapter.send(threeSMailbox(f), sms('a'), HTTP);
    const sent = f.sent.length;
    f.expireSessions();
    const r = await adapter.send(threeSMailbox(f), sms('b'), HTTP);
    expect(r.providerMessageId).toBeTruthy();
    expect(ops(f)).toEqual(['login', 'smsSend', 'smsSend', 'login', 'smsSend']);
    expect(f.sent.length).toBe(sent + 1);
    expect(f.sent.at(-1)!.session).toBe(f.logins.at(-1));
  });

  it('fails bad credentials permanently, naming the login, and sends nothing', async () => {
    const sent = f.sent.length;
    const e = await failure(adapter.send(threeSMailbox(f, 'wrong'), sms(), HTTP));
    expect(e).toMatchObject({ kind: 'permanent', category: 'auth', code: 'SOAP Sender' });
    expect(e.reason).toMatch(/3S refused the login: wrong login or password \("Invalid login or password"\)/);
    expect(f.sent.length).toBe(sent);
    // A failed login is not remembered: the next send asks again.
    await failure(adapter.send(threeSMailbox(f, 'wrong'), sms(), HTTP));
    expect(ops(f)).toEqual(['login', 'login']);
  });

  it('retries a "busy" Receiver fault, and refuses a number too short before calling', async () => {
    f.busyTimes = 1;
    const busy = await failure(adapter.send(threeSMailbox(f), sms(), HTTP));
    expect(busy).toMatchObject({ kind: 'retryable', category: 'server', code: 'SOAP Receiver' });
    expect(busy.reason).toMatch(/busy/);
    expect((await adapter.send(threeSMailbox(f), sms(), HTTP)).providerMessageId).toBeTruthy();

    // A number that cannot be one never reaches the platform.
    const nr = await failure(adapter.send(threeSMailbox(f), sms('x', '+4850060'), HTTP));
    expect(nr).toMatchObject({ kind: 'permanent', category: 'number', code: 'BAD_DST' });
  });

  it('sorts a platform fault about the number as permanent, and one it does not know as unknown', async () => {
    f.sendFaults.push(
      { code: 'Sender', reason: 'Invalid destination number (dst)' },
      { code: 'Receiver', subcode: 'env:DbError', reason: 'Internal error 17' },
    );
    const results = [
      await failure(adapter.send(threeSMailbox(f), sms(), HTTP)),
      await failure(adapter.send(threeSMailbox(f), sms(), HTTP)),
    ];
    expect(results[0]).toMatchObject({ kind: 'permanent', category: 'number', code: 'SOAP Sender' });
    expect(results[0].reason).toMatch(/refused the recipient number \("Invalid destination number \(dst\)"\)/);
    expect(results[1]).toMatchObject({ kind: 'unknown', code: 'SOAP Receiver/DbError' });
    expect(results[1].reason).toMatch(/may or may not have gone out/);
  });

  it('retries a login whose answer was lost: it sent nothing', async () => {
    f.failNext({ kind: 'hang', processed: true });
    const e = await failure(adapter.send(threeSMailbox(f), sms(), { ...HTTP, timeoutMs: 300 }));
    f.releaseHeld();
    expect(e).toMatchObject({ kind: 'retryable', code: 'TIMEOUT' });
    expect(e.reason).toMatch(/no answer to the login/);
    expect((await adapter.send(threeSMailbox(f), sms(), HTTP)).providerMessageId).toBeTruthy();
  });

  it('checks the credentials with a login, without sending', async () => {
    const sent = f.sent.length;
    expect((await adapter.verify(threeSMailbox(f), HTTP)).checks).toEqual([
      { name: 'Credentials', ok: true, detail: expect.stringMatching(/accepted the login/) },
    ]);
    // A held session does not stand in for the check: each verify logs in.
    await adapter.verify(threeSMailbox(f), HTTP);
    expect(ops(f)).toEqual(['login', 'login']);
    const bad = await adapter.verify(threeSMailbox(f, 'wrong'), HTTP);
    expect(bad.checks[0]).toMatchObject({ ok: false, detail: expect.stringMatching(/wrong login or password/) });
    expect(f.sent.length).toBe(sent);
  });

  it('builds the envelope with the library: SOAP 1.2 namespace, escaped text, fields in order', () => {
    const xml = soapRequest(SPEC.namespace, 'smsSend', { src: 'A&B', dst: '48500600700', message: '<b>' });
    expect(xml).toContain('xmlns:env="http://www.w3.org/2003/05/soap-envelope"');
    expect(xml).toContain('<src>A&amp;B</src><dst>48500600700</dst><message>&lt;b&gt;</message>');
    expect(parseSoap(xml)).toMatchObject({ kind: 'body', element: 'smsSend', content: { message: '<b>' } });
  });
});
