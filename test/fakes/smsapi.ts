import crypto from 'node:crypto';
import { PasswordForm } from '../../src/modules/gateways/gateway.entity';
import { ProviderId } from '../../src/modules/providers/catalog.types';
import { callback, FakeServer, nextId, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake SMSAPI (shared/providers/smsapi.md; [S..] keys are that spec's sources): sms.do (also /api/sms.do),
 * user.do, /profile; Bearer token or username + MD5 password; legacy errors as JSON with HTTP 200;
 * idx + check_idx refuses a reused idx with error 53 within a window; test mode answers like a send without
 * sending; throttling on request; DLR callbacks as GET with up to five comma-separated reports (INFERRED).
 * It answers the form body our adapter sends and the JSON body with booleans the official JS client sends.
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

/**
 * How the fake refuses for being asked too often. 202 "too many simultaneous requests, not sent" and 203
 * "too many requests, try later" are legacy errors (JSON, HTTP 200) from SMSAPI's error table as copied in
 * client libraries (spec Update note, e.g. `OCSoftwarePL/sms-api-bundle`); HTTP 429 is the REST answer
 * the official C# client resolves as "too many requests" [S9], documented for the API in general.
 */
export type SmsapiThrottle = { kind: 202 | 203 } | { kind: 429; retryAfterS?: number };

/**
 * How long SMSAPI remembers an idx for check_idx: one copy of its docs says 24 h, another four days (spec
 * Update note). The fake takes the shorter, so a client that relies on it longer is caught.
 */
export const SMSAPI_IDX_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A flag as either body sends it: "1" in a form (our adapter, [S5][S11]) or a JSON boolean (JS client [S6]). */
const flag = (v: unknown): boolean => v === true || v === 1 || v === '1' || v === 'true';
const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));

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
  /** How long a used idx blocks a reuse under check_idx; see SMSAPI_IDX_WINDOW_MS. */
  idxWindowMs = SMSAPI_IDX_WINDOW_MS;
  /** The fake's clock (ms), for the idx window and `date_sent`; a test moves it with `advanceClock`. */
  now: () => number = () => Date.now() + this.clockOffsetMs;
  readonly sent: SmsapiSent[] = [];
  readonly testSends: Recorded[] = [];
  private usedIdx = new Map<string, number>();
  private throttles: SmsapiThrottle[] = [];
  private clockOffsetMs = 0;

  /** Moves the fake's clock forward, e.g. past the idx window. */
  advanceClock(ms: number): void {
    this.clockOffsetMs += ms;
  }

  /** The next `times` requests are refused as throttled, in order, before any processing. */
  throttleNext(mode: SmsapiThrottle, times = 1): void {
    for (let i = 0; i < times; i++) this.throttles.push(mode);
  }

  private json(body: unknown, status = 200): Answer {
    return { status, body: JSON.stringify(body), contentType: 'application/json' };
  }

  /** Query, form and JSON body fields together; JSON values keep their types (booleans from the JS client). */
  private fieldsOf(r: Recorded): Record<string, unknown> {
    const body = r.json && typeof r.json === 'object' ? (r.json as Record<string, unknown>) : {};
    return { ...r.fields, ...body };
  }

  private throttled(path: string): Answer | null {
    const t = this.throttles.shift();
    if (!t) return null;
    if (t.kind === 429)
      return {
        ...this.json({ message: 'Too many requests', error: 'too_many_requests', errors: [] }, 429),
        ...(t.retryAfterS !== undefined ? { headers: { 'retry-after': String(t.retryAfterS) } } : {}),
      };
    // 202/203 are codes of the legacy action endpoints; a REST path has no such shape, so it gets 429.
    if (!path.endsWith('.do')) return this.json({ message: 'Too many requests', error: 'too_many_requests' }, 429);
    const message = t.kind === 202 ? 'Too many simultaneous requests, not sent' : 'Too many requests, try later';
    return this.json({ error: t.kind, message });
  }

  private authError(r: Recorded): Answer | null {
    const fields = this.fieldsOf(r);
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

  /** Whether `idx` was used by a real send within the window (check_idx [S5][S11], window per the Update note). */
  private idxTaken(idx: string): boolean {
    const at = this.usedIdx.get(idx);
    return at !== undefined && this.now() - at < this.idxWindowMs;
  }

  protected handle(r: Recorded): Answer {
    const p = r.path.replace(/^\/api/, '');
    const throttled = this.throttled(p);
    if (throttled) return throttled;
    const f = this.fieldsOf(r);
    if (p === '/profile' && r.method === 'GET') {
      const bearer = /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ''))?.[1];
      if (bearer !== this.token) return this.json({ message: 'Authorization failed', error: 'invalid_token' }, 401);
      // Field names as in the JS client's profile types and fixture (`id` included) [S6] and Go's profile.go [S7].
      return this.json({
        id: '0f0f0f0f0f0f0f0f0f0f0f0f',
        name: 'Jan',
        username: this.username,
        email: 'jan@example.com',
        phone_number: '48500600700',
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
    const to = str(f.to) ?? '';
    const text = str(f.message) ?? '';
    const from = str(f.from);
    const idx = str(f.idx);
    const number = to.replace(/^\+/, '');
    if (!/^(48)?[0-9]{9}$/.test(number)) {
      return this.json({
        error: 13,
        message: 'No correct phone numbers',
        invalid_numbers: [{ number, submitted_number: to, message: 'Invalid phone number' }],
      });
    }
    if (from && !this.senders.has(from)) return this.json({ error: 14, message: 'Sender name not approved' });
    const parts = Math.max(1, Math.ceil(text.length / 153));
    const cost = Math.round(parts * this.pricePerPart * 100) / 100;
    // `details` adds message, length and parts to the answer [S5][S6][S8].
    const details = flag(f.details) ? { message: text, length: text.length, parts } : {};
    const item = (id: string) => ({
      id,
      points: cost,
      number: number.length === 9 ? `48${number}` : number,
      submitted_number: to,
      date_sent: Math.floor(this.now() / 1000),
      status: 'QUEUE',
      error: null,
      idx: idx ?? null,
    });
    // Test mode answers in the shape of a send and sends nothing [S6][S7][S8][S11].
    if (flag(f.test)) {
      this.testSends.push(r);
      return this.json({ count: 1, list: [item(String(nextId()))], ...details });
    }
    if (idx && flag(f.check_idx) && this.idxTaken(idx))
      return this.json({ error: 53, message: 'Message with this idx already exists' });
    if (this.points < cost) return this.json({ error: 103, message: 'Not enough points' });
    if (idx) this.usedIdx.set(idx, this.now());
    this.points = Math.round((this.points - cost) * 100) / 100;
    const id = `1710${nextId()}`;
    this.sent.push({ id, to: number, message: text, from, idx, notifyUrl: str(f.notify_url), points: cost });
    // Without format=json SMSAPI answers in plain text (INFERRED [S12][S13][S14]).
    if (f.format !== 'json') return { status: 200, body: `OK:${id}:${cost}` };
    return this.json({ count: 1, list: [item(id)], ...details });
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
