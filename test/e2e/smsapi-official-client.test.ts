import { SMSAPI } from 'smsapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeSmsapi, SMSAPI_IDX_WINDOW_MS } from '../fakes/smsapi';

/*
 * The official SMSAPI JavaScript client (npm `smsapi`, Apache-2.0) against the SMSAPI fake. No one here
 * wrote that client, so when it works the fake speaks SMSAPI's wire format, not only our adapter's. The
 * client talks JSON with booleans (`details`, `test`, `check_idx`) and Bearer auth, turns a body with
 * `error` and `message` into a MessageError carrying that body, and any non-2xx answer into an HttpError.
 * It uses the global fetch and takes a base URL, so it reaches the fake over plain HTTP.
 */

const fake = new FakeSmsapi();
let client: SMSAPI;

beforeAll(async () => {
  await fake.start();
  client = new SMSAPI(fake.token, fake.url);
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.sent.length = 0;
  fake.testSends.length = 0;
  fake.requests.length = 0;
});

/** A legacy SMSAPI error as the client throws it. */
const messageError = (error: number) => ({ name: 'MessageError', data: { error, message: expect.any(String) } });

describe('the official smsapi client against the fake', () => {
  it('sends an SMS with its JSON body and Bearer token, and reads the answer', async () => {
    const res = await client.sms.sendSms('48500600700', 'Zgłoszenie #812 zamknięte', { from: 'Helpdesk' });

    expect(res.count).toBe(1);
    expect(res.list[0]).toMatchObject({ id: fake.sent[0].id, number: '48500600700', status: 'QUEUE', idx: null });
    expect(res.list[0].dateSent).toBeInstanceOf(Date);
    expect(res).toMatchObject({ message: 'Zgłoszenie #812 zamknięte', length: 25, parts: 1 });
    expect(fake.sent).toMatchObject([{ to: '48500600700', message: 'Zgłoszenie #812 zamknięte', from: 'Helpdesk' }]);
    const r = fake.calls('/sms.do')[0];
    expect(r.headers.authorization).toBe(`Bearer ${fake.token}`);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    expect(r.json).toMatchObject({ details: true, format: 'json', encoding: 'utf-8', to: '48500600700' });
  });

  it('test mode answers like a send and sends nothing', async () => {
    const res = await client.sms.sendSms('500600700', 'Próba', { from: 'Helpdesk', test: true });

    expect(res.count).toBe(1);
    expect(res.list[0]).toMatchObject({ number: '48500600700', submittedNumber: '500600700' });
    expect(fake.sent).toHaveLength(0);
    expect(fake.testSends).toHaveLength(1);
    expect(fake.testSends[0].json).toMatchObject({ test: true });
  });

  it('refuses a reused idx under check_idx with error 53, and accepts it again after the window', async () => {
    const idx = `official-${Date.now().toString(36)}`;
    const send = () => client.sms.sendSms('48500600700', 'Raz', { idx, checkIdx: true });

    expect((await send()).list[0].idx).toBe(idx);
    expect(fake.calls('/sms.do')[0].json).toMatchObject({ idx, check_idx: true });
    await expect(send()).rejects.toMatchObject(messageError(53));

    fake.advanceClock(SMSAPI_IDX_WINDOW_MS - 60_000);
    await expect(send()).rejects.toMatchObject(messageError(53));
    fake.advanceClock(120_000);
    expect((await send()).list[0].idx).toBe(idx);
    expect(fake.sent).toHaveLength(2);
  });

  it('without check_idx a reused idx is sent again', async () => {
    const idx = `plain-${Date.now().toString(36)}`;
    await client.sms.sendSms('48500600700', 'Raz', { idx });
    await client.sms.sendSms('48500600700', 'Dwa', { idx });
    expect(fake.sent).toHaveLength(2);
  });

  it('reads the profile, and a wrong token is an HTTP 401', async () => {
    const profile = await client.profile.get();
    expect(profile).toMatchObject({
      id: expect.any(String),
      username: fake.username,
      phoneNumber: expect.any(String),
      paymentType: 'prepaid',
      userType: 'native',
      points: fake.points,
    });

    await expect(new SMSAPI('wrong-token', fake.url).profile.get()).rejects.toMatchObject({
      name: 'HttpError',
      status: 401,
    });
  });

  it('a wrong token on sms.do is the legacy error 101', async () => {
    await expect(new SMSAPI('wrong-token', fake.url).sms.sendSms('48500600700', 'x')).rejects.toMatchObject(
      messageError(101),
    );
    expect(fake.sent).toHaveLength(0);
  });

  it('throttled sends surface as errors 202 and 203, and as HTTP 429; nothing is sent', async () => {
    fake.throttleNext({ kind: 202 });
    fake.throttleNext({ kind: 203 });
    fake.throttleNext({ kind: 429, retryAfterS: 7 });
    await expect(client.sms.sendSms('48500600700', 'x')).rejects.toMatchObject(messageError(202));
    await expect(client.sms.sendSms('48500600700', 'x')).rejects.toMatchObject(messageError(203));
    await expect(client.sms.sendSms('48500600700', 'x')).rejects.toMatchObject({ name: 'HttpError', status: 429 });
    expect(fake.sent).toHaveLength(0);

    await client.sms.sendSms('48500600700', 'x');
    expect(fake.sent).toHaveLength(1);
  });
});

describe('the fake with the form body our adapter sends', () => {
  const post = async (fields: Record<string, string>) => {
    const res = await fetch(`${fake.url}/sms.do`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ to: '48500600700', message: 'x', format: 'json', ...fields }).toString(),
    });
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: (await res.json()) as { count?: number; error?: number },
    };
  };

  it('check_idx=1 holds for the window only', async () => {
    const idx = `form-${Date.now().toString(36)}`;
    expect((await post({ idx, check_idx: '1' })).body.count).toBe(1);
    expect((await post({ idx, check_idx: '1' })).body.error).toBe(53);
    fake.advanceClock(SMSAPI_IDX_WINDOW_MS);
    expect((await post({ idx, check_idx: '1' })).body.count).toBe(1);
  });

  it('test=1 sends nothing', async () => {
    expect((await post({ test: '1' })).body.count).toBe(1);
    expect(fake.sent).toHaveLength(0);
  });

  it('a 429 carries Retry-After when asked; 202/203 come as JSON with HTTP 200', async () => {
    fake.throttleNext({ kind: 429, retryAfterS: 3 });
    expect(await post({})).toMatchObject({ status: 429, retryAfter: '3' });
    fake.throttleNext({ kind: 203 });
    expect(await post({})).toMatchObject({ status: 200, body: { error: 203 } });
  });
});
