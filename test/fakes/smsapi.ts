import crypto from 'node:crypto';
import { PasswordForm } from '../../src/modules/gateways/gateway.entity';
import { ProviderId } from '../../src/modules/providers/catalog.types';
import { callback, FakeServer, nextId, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake SMSAPI (shared/providers/smsapi.md): sms.do (also /api/sms.do), user.do, /profile; Bearer token
 * or username + MD5 password; legacy errors as JSON with HTTP 200; idx + check_idx=1 refuses a reused
 * idx with error 53; test=1 answers like a send without sending; DLR callbacks as GET with up to five
 * comma-separated reports (INFERRED format).
 */
export interface SmsapiSent {
  id: string;
  to: string;
  message: string;
  from?: string;
  idx?: string;
  notifyUrl?: string;
  points: number;
}

export class FakeSmsapi extends FakeServer {
  token = 'smsapi-token-0123456789';
  username = 'jan.kowalski';
  passwordMd5 = crypto.createHash('md5').update('api-password').digest('hex');
  points = 100;
  pricePerPart = 0.16;
  /** Approved sender names (the real code for an unapproved one is unknown; the fake answers 14 with a message). */
  senders = new Set(['Test', 'Helpdesk', 'ECO', '2Way']);
  /** When set, requests from other IPs get error 105 (API IP filter). */
  ipFilter?: string[];
  readonly sent: SmsapiSent[] = [];
  readonly testSends: Recorded[] = [];
  private usedIdx = new Set<string>();

  private json(body: unknown, status = 200): Answer {
    return { status, body: JSON.stringify(body), contentType: 'application/json' };
  }

  private authError(r: Recorded): Answer | null {
    const fields = { ...r.fields, ...((r.json as Record<string, string>) ?? {}) };
    const bearer = /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ''))?.[1];
    if (this.ipFilter && !this.ipFilter.includes(String(r.headers['x-test-ip'] ?? '127.0.0.1')))
      return this.json({ error: 105, message: 'Invalid IP address' });
    if (bearer !== undefined)
      return bearer === this.token ? null : this.json({ error: 101, message: 'Authorization failed' });
    if (!fields.username && !fields.password) return this.json({ error: 101, message: 'Authorization failed' });
    if (fields.username !== this.username || fields.password !== this.passwordMd5)
      return this.json({ error: 102, message: 'Wrong login or password' });
    return null;
  }

  protected handle(r: Recorded): Answer {
    const p = r.path.replace(/^\/api/, '');
    const f = { ...r.fields, ...((r.json as Record<string, string>) ?? {}) };
    if (p === '/profile' && r.method === 'GET') {
      const bearer = /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ''))?.[1];
      if (bearer !== this.token) return this.json({ message: 'Authorization failed', error: 'invalid_token' }, 401);
      return this.json({
        name: 'Jan',
        username: this.username,
        email: 'jan@example.com',
        payment_type: 'prepaid',
        user_type: 'native',
        points: this.points,
      });
    }
    if (p === '/user.do') {
      const e = this.authError(r);
      if (e) return e;
      return this.json({
        points: this.points,
        proCount: Math.floor(this.points / this.pricePerPart),
        ecoCount: 0,
        mmsCount: 0,
        vmsGsmCount: 0,
        vmsLandCount: 0,
      });
    }
    if (p !== '/sms.do') return { status: 404, body: 'Not Found' };
    const e = this.authError(r);
    if (e) return e;
    const number = String(f.to ?? '').replace(/^\+/, '');
    if (!/^(48)?[0-9]{9}$/.test(number)) {
      return this.json({
        error: 13,
        message: 'No correct phone numbers',
        invalid_numbers: [{ number, submitted_number: f.to, message: 'Invalid phone number' }],
      });
    }
    if (f.from && !this.senders.has(f.from)) return this.json({ error: 14, message: 'Sender name not approved' });
    const parts = Math.max(1, Math.ceil(String(f.message ?? '').length / 153));
    const cost = Math.round(parts * this.pricePerPart * 100) / 100;
    if (f.test === '1' || f.test === 'true') {
      this.testSends.push(r);
      return this.json({
        count: 1,
        list: [
          {
            id: String(nextId()),
            points: cost,
            number: number.length === 9 ? `48${number}` : number,
            submitted_number: f.to,
            date_sent: Math.floor(Date.now() / 1000),
            status: 'QUEUE',
            error: null,
            idx: f.idx ?? null,
          },
        ],
      });
    }
    if (f.idx && f.check_idx === '1' && this.usedIdx.has(f.idx))
      return this.json({ error: 53, message: 'Message with this idx already exists' });
    if (this.points < cost) return this.json({ error: 103, message: 'Not enough points' });
    if (f.idx) this.usedIdx.add(f.idx);
    this.points = Math.round((this.points - cost) * 100) / 100;
    const id = `1710${nextId()}`;
    this.sent.push({
      id,
      to: number,
      message: String(f.message),
      from: f.from,
      idx: f.idx,
      notifyUrl: f.notify_url,
      points: cost,
    });
    const item = {
      id,
      points: cost,
      number: number.length === 9 ? `48${number}` : number,
      submitted_number: f.to,
      date_sent: Math.floor(Date.now() / 1000),
      status: 'QUEUE',
      error: null,
      idx: f.idx ?? null,
    };
    if (f.format !== 'json') return { status: 200, body: `OK:${id}:${cost}` };
    return this.json({
      count: 1,
      list: [item],
      ...(f.details === '1' ? { message: f.message, length: String(f.message).length, parts } : {}),
    });
  }

  /** Pushes delivery reports to `url` (each message's notify_url) as SMSAPI does: GET, comma lists, ≤ 5 a call. */
  async pushDlr(
    url: string,
    reports: { id: string; status: number; idx?: string; donedate?: number }[],
    opts: { withIdx?: boolean } = {},
  ): Promise<{ status: number; body: string }[]> {
    const out = [];
    for (let i = 0; i < reports.length; i += 5) {
      const batch = reports.slice(i, i + 5);
      const u = new URL(url);
      u.searchParams.set('MsgId', batch.map((b) => b.id).join(','));
      u.searchParams.set('status', batch.map((b) => b.status).join(','));
      u.searchParams.set('donedate', batch.map((b) => b.donedate ?? Math.floor(Date.now() / 1000)).join(','));
      u.searchParams.set('username', batch.map(() => this.username).join(','));
      if (opts.withIdx) u.searchParams.set('idx', batch.map((b) => b.idx ?? '').join(','));
      out.push(await callback(u.toString()));
    }
    return out;
  }
}

export const smsapiFake: FakeEntry<FakeSmsapi> = {
  provider: ProviderId.SMSAPI,
  create: () => new FakeSmsapi(),
  mailbox: (f) =>
    mailbox(ProviderId.SMSAPI, {
      baseUrl: f.url,
      password: f.token,
      passwordForm: PasswordForm.OAUTH_TOKEN,
      senderName: 'Helpdesk',
    }),
  badAuth: (f) =>
    mailbox(ProviderId.SMSAPI, {
      baseUrl: f.url,
      login: f.username,
      password: crypto.createHash('md5').update('wrong').digest('hex'),
      passwordForm: PasswordForm.MD5_GIVEN,
    }),
  gatewayInput: (f) => ({
    name: 'SMSAPI',
    provider: 'SMSAPI',
    login: f.username,
    password: 'api-password',
    senderName: 'Helpdesk',
    apiBaseUrl: f.url,
  }),
  checkRequest: (f, s, expect) => {
    const r = f.calls('/sms.do').at(-1)!;
    expect(r.headers.authorization).toBe(`Bearer ${f.token}`);
    expect(r.fields).toMatchObject({
      to: '48500600700',
      message: s.text,
      from: 'Helpdesk',
      format: 'json',
      encoding: 'utf-8',
      idx: s.idempotencyKey,
      check_idx: '1',
    });
  },
  sentCount: (f) => f.sent.length,
  balance: (f) => f.points,
  returnsMessageId: true,
  verifies: true,
};
