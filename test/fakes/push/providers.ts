/**
 * Webhook requests shaped as each provider sends them, per shared/providers/*.md (field names, method,
 * encoding, number format). Each returns what our webhook answered.
 */
import crypto from 'node:crypto';
import { push, type PushFile, type PushOptions, type PushResult } from './http';

type Extra = Pick<PushOptions, 'headers' | 'localAddress'> & { token?: string };

/** The webhook token the test helpers give every mailbox they create (test/support/api.ts createGateway). */
export const TEST_WEBHOOK_TOKEN = 'test-webhook-token-0001';

/** The query carrying a webhook token: the given one, the tests' usual one when none is given, none for ''. */
const withToken = (token?: string) => (token === undefined ? { token: TEST_WEBHOOK_TOKEN } : token ? { token } : {});

/** Our SMSAPI delivery-report route on `base`, with a webhook token: where FakeSmsapi.pushDlr reports to. */
export function smsapiDlrUrl(base: string, token = TEST_WEBHOOK_TOKEN): string {
  return `${base}/panel/tickets/incoming/smsapi/dlr?token=${encodeURIComponent(token)}`;
}

export interface SmsapiSms {
  /** Our number, as SMSAPI writes it: 48XXXXXXXXX without "+" (INFERRED). */
  to: string;
  from: string;
  text: string;
  /** Unix seconds. */
  date?: number;
  msgId?: string;
  username?: string;
}

/** SMSAPI inbound SMS: POST, form-encoded, sms_to / sms_from / sms_text / sms_date / username / MsgId. */
export function smsapiSms(base: string, m: SmsapiSms, x: Extra = {}): Promise<PushResult> {
  return push(`${base}/panel/tickets/incoming/smsapi`, {
    query: withToken(x.token),
    form: {
      sms_to: m.to,
      sms_from: m.from,
      sms_text: m.text,
      sms_date: String(m.date ?? Math.floor(Date.now() / 1000)),
      username: m.username ?? 'jan.kowalski',
      MsgId: m.msgId,
    },
    headers: x.headers,
    localAddress: x.localAddress,
  });
}

export interface SmsapiMms {
  to: string;
  from: string;
  subject?: string;
  date?: number;
  files: PushFile[];
}

/** SMSAPI inbound MMS (UNVERIFIED shape): multipart with mms_from / mms_to / mms_date / mms_subject and file parts. */
export function smsapiMms(base: string, m: SmsapiMms, x: Extra = {}): Promise<PushResult> {
  return push(`${base}/panel/tickets/incoming/smsapi/mms`, {
    query: withToken(x.token),
    multipart: {
      fields: {
        mms_from: m.from,
        mms_to: m.to,
        mms_date: String(m.date ?? Math.floor(Date.now() / 1000)),
        mms_subject: m.subject,
      },
      files: m.files,
    },
    headers: x.headers,
    localAddress: x.localAddress,
  });
}

export interface SerwersmsValues {
  /** #NUMER# (ND/NDI) or #NUMEROD# (Premium): the sender, e.g. 48500600700. */
  from: string;
  /** #WIADOMOSC# */
  text: string;
  /** #DATA#: YYYY-MM-DD HH:MM:SS */
  date?: string;
  /** #ID# (ND/NDI) or #IDSMS# (Premium) */
  id?: string;
}

/**
 * Placeholders SerwerSMS fills, by kind of message: ND/NDI per the "nat" page and a live third-party
 * integration (serwersms.md, Update 2026-12-05, INFERRED); Premium per the Premium SMS page (DOCUMENTED).
 */
const SERWERSMS_PLACEHOLDERS = {
  nd: { from: '#NUMER#', id: '#ID#' },
  premium: { from: '#NUMEROD#', id: '#IDSMS#' },
} as const;

/**
 * SerwerSMS push: it takes the URL template the admin pasted into its panel, replaces the #…#
 * placeholders of its kind of message (`kind`, default ND/NDI) with URL-encoded values and calls it with
 * GET; a placeholder it does not fill stays as is, and its "#" starts a fragment the client does not send.
 */
export function serwersmsFromTemplate(
  template: string,
  v: SerwersmsValues,
  x: Omit<Extra, 'token'> & { replaceToken?: string; kind?: keyof typeof SERWERSMS_PLACEHOLDERS } = {},
): Promise<PushResult> {
  const enc = encodeURIComponent;
  const ph = SERWERSMS_PLACEHOLDERS[x.kind ?? 'nd'];
  let url = template
    .replaceAll(ph.from, enc(v.from))
    .replaceAll('#WIADOMOSC#', enc(v.text))
    .replaceAll('#DATA#', v.date === undefined ? '#DATA#' : enc(v.date));
  if (v.id !== undefined) url = url.replaceAll(ph.id, enc(v.id));
  if (x.replaceToken !== undefined) url = url.replace('YOUR_WEBHOOK_TOKEN', enc(x.replaceToken));
  return push(url, { method: 'GET', headers: x.headers, localAddress: x.localAddress });
}

export interface DotpayForward {
  fulltext: string;
  text?: string;
  ident: string;
  service: string;
  /** The premium number. */
  number: string;
  sender: string;
  code: string;
  date: string;
}

/** Dotpay Premium TC forward (INFERRED): POST form with an md5 over merchant id, PIN and the fields. */
export function dotpayForward(
  base: string,
  f: DotpayForward,
  merchantId: string,
  pin: string,
  x: Extra & { badSignature?: boolean } = {},
): Promise<PushResult> {
  const sig = crypto
    .createHash('md5')
    .update([merchantId, pin, f.ident, f.service, f.number, f.sender, f.code, f.date, f.fulltext].join(''))
    .digest('hex');
  return push(`${base}/panel/tickets/incoming/dotpay`, {
    query: withToken(x.token),
    form: { ...f, text: f.text ?? f.fulltext, md5: x.badSignature ? '0'.repeat(32) : sig },
    headers: x.headers,
    localAddress: x.localAddress,
  });
}

/** Peoplefone SMS MT callback: the spec's PLACEHOLDER JSON (from, to, text, receivedAt). */
export function peoplefoneMt(
  base: string,
  m: { from: string; to: string; text: string; receivedAt?: string; messageId?: string },
  x: Extra = {},
): Promise<PushResult> {
  return push(`${base}/panel/tickets/incoming/peoplefone`, {
    query: withToken(x.token),
    json: m,
    headers: x.headers,
    localAddress: x.localAddress,
  });
}

/** A provider configured through the generic HTTP settings, posting whatever its documentation says. */
export function genericHttp(
  base: string,
  provider: 'generic_http' | 'tide' | 'three_s',
  o: PushOptions & { token?: string },
): Promise<PushResult> {
  const { token, ...rest } = o;
  return push(`${base}/panel/tickets/incoming/${provider}`, { ...rest, query: { ...withToken(token), ...rest.query } });
}
