import crypto from 'node:crypto';
import type { Mailbox } from '../adapter';
import { ProviderFailure, type OutboundAdapter, type VerifyResult } from '../adapter-outbound';
import {
  digitsOnly,
  gsmSenderProblem,
  httpCall,
  providerSaid,
  statusFailure,
  unexpectedAnswer,
  type HttpOptions,
} from '../outbound-http';
import {
  findText,
  onlyText,
  parseSoap,
  soapRequest,
  SOAP12_CONTENT_TYPE,
  type SoapFault,
  type SoapValue,
} from './soap';

/**
 * Outbound half of the 3S adapter (spec: shared/providers/3s.md, "Update"). 3S publishes nothing; the one
 * source is the third-party client `edzima/yii2-adescom` (src/AdescomSoap.php, SmsForm.php, SmsSendRequest.php),
 * which drives a SOAP 1.2 service with PHP's SoapClient: `login(login, password, duration)` returns a session
 * id, sent back as the cookie `sessionID`; `smsSend{…}` returns `sms_id`. What that client does is INFERRED;
 * what it leaves to the WSDL (never seen here) is UNVERIFIED. Every such fact sits in this one block.
 */
export const SPEC = {
  // INFERRED (AdescomSoap.php): the SoapClient `location`; the WSDL is at …/mvnoservices/wsdl.
  endpointPath: '/handler',
  // UNVERIFIED: the WSDL's target namespace; the client's "namespace" settings name the handler URL.
  namespace: 'https://platformy2.3s.pl/userpanel_webservices.php/mvnoservices/handler',
  // INFERRED (AdescomSoap.php `soap_version => SOAP_1_2`); the media type is then DOCUMENTED by W3C.
  contentType: SOAP12_CONTENT_TYPE,
  // INFERRED (AdescomSoap.php): operation names and login's three arguments in this order.
  login: { operation: 'login', login: 'login', password: 'password', duration: 'duration' },
  // UNVERIFIED: the element names of login's arguments (the client passes them by position).
  // INFERRED (AdescomSoap.php `loginDuration = 3600`): seconds a session is asked to live.
  loginDurationS: 3600,
  // Ours: a session is dropped this long before it would expire, so a send never races the expiry.
  sessionMarginS: 60,
  // INFERRED (AdescomSoap.php `__setCookie('sessionID', …)`).
  sessionCookie: 'sessionID',
  // INFERRED (AdescomSoap.php, SmsSendRequest.php): smsSend's fields and the answer's `sms_id`.
  // UNVERIFIED: whether they sit directly in the operation element (as here) or in one wrapper part.
  send: {
    operation: 'smsSend',
    src: 'src',
    overwriteSrc: 'overwrite_src',
    dst: 'dst',
    maxRetryCount: 'max_retry_count',
    retryInterval: 'retry_interval',
    message: 'message',
    id: 'sms_id',
  },
  // UNVERIFIED: what the platform's delivery retries mean; the client takes both from its config.
  maxRetryCount: 3,
  retryIntervalS: 60,
  // INFERRED (SmsForm.php): destination numbers are digits, 11–15 long, without a leading 0.
  dstDigits: /^[1-9][0-9]{10,14}$/,
  // UNVERIFIED: 3S documents no fault codes. These patterns read the fault's reason and subcode.
  faults: {
    session: /session|not logged|log ?in first|logged out|unauthori[sz]ed|expired/i,
    credentials: /password|credential|login|auth|user/i,
    number: /\bdst\b|destination|recipient|msisdn|phone|number|numer/i,
    sender: /\bsrc\b|sender|source|nadawc/i,
    funds: /balance|funds|credit|saldo|środk/i,
    busy: /busy|overload|try (again )?later|temporar|unavailable|too many|throttl/i,
  },
  // Unknown: no part limit is known; 6 parts assumed.
  maxParts: 6,
} as const;

const NAME = '3S';

/** One open session of a mailbox's account, or the login under way that will open it. */
interface Session {
  id: Promise<string>;
  /** The session id once the login has answered. */
  sid?: string;
  /** When the session is dropped (ms since epoch), well before the platform would expire it. */
  until: number;
}

/**
 * Sessions of this process, by endpoint, login and a digest of the password (a changed password opens a new
 * session). A session is reused by every send of the account until it nears its expiry or the platform says
 * it is gone; instances of smsdesk each keep their own, as the platform allows several.
 */
const sessions = new Map<string, Session>();

function sessionKey(url: string, mb: Mailbox): string {
  const pw = crypto
    .createHash('sha256')
    .update(mb.password ?? '')
    .digest('hex');
  return `${url}\n${mb.login ?? ''}\n${pw}`;
}

/** Forgets every session this process holds (tests start from a clean state). */
export function forgetSessions(): void {
  sessions.clear();
}

function endpoint(mb: Mailbox): string {
  if (!mb.baseUrl || !mb.login || !mb.password)
    throw new ProviderFailure('permanent', 'config', 'NO_SETTINGS', 'the 3S mailbox needs a login and a password');
  return mb.baseUrl + SPEC.endpointPath;
}

/** One SOAP call: the Body's first element, or a ProviderFailure for a fault or an answer that is not SOAP. */
async function call(
  url: string,
  operation: string,
  children: Record<string, SoapValue>,
  http: HttpOptions,
  session?: string,
): Promise<{ element: string; content: unknown } | { fault: SoapFault }> {
  const res = await httpCall(
    {
      provider: NAME,
      method: 'POST',
      url,
      headers: session ? { cookie: `${SPEC.sessionCookie}=${session}` } : undefined,
      body: { text: soapRequest(SPEC.namespace, operation, children), contentType: SPEC.contentType },
    },
    http,
  );
  const answer = parseSoap(res.text);
  if (answer.kind === 'fault') return { fault: answer.fault };
  if (answer.kind === 'body' && res.status >= 200 && res.status < 300) return answer;
  throw (
    statusFailure(NAME, res.status) ??
    new ProviderFailure(
      'unknown',
      'server',
      'BAD_ANSWER',
      `${NAME} answered ${operation} with something that is not a SOAP envelope (${unexpectedAnswer(res)})`,
    )
  );
}

const said = (f: SoapFault) => providerSaid([f.subcode, f.reason].filter(Boolean).join(': ') || f.code, 120);
const faultCode = (f: SoapFault) => `SOAP ${f.code || 'Fault'}${f.subcode ? `/${f.subcode}` : ''}`;
/** SOAP 1.2 `Receiver` (1.1 `Server`): the platform failed, not the request (W3C SOAP 1.2 Part 1 §5.4.6). */
const isReceiver = (f: SoapFault) => /^(Receiver|Server)$/i.test(f.code);
const matches = (f: SoapFault, re: RegExp) => re.test(`${f.subcode ?? ''} ${f.reason}`);

/** Why a login failed. Nothing was sent, so a platform-side failure is always safe to retry. */
function loginFailure(f: SoapFault): ProviderFailure {
  if (matches(f, SPEC.faults.credentials) && !matches(f, SPEC.faults.busy))
    return new ProviderFailure(
      'permanent',
      'auth',
      faultCode(f),
      `${NAME} refused the login: wrong login or password ("${said(f)}")`,
    );
  if (isReceiver(f))
    return new ProviderFailure('retryable', 'server', faultCode(f), `${NAME} could not log in now: "${said(f)}"`);
  return new ProviderFailure('permanent', 'other', faultCode(f), `${NAME} refused the login call: "${said(f)}"`);
}

/** What the cookie header can carry back (RFC 6265 cookie-octets). */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,512}$/;

/** Why smsSend failed; a fault that is not understood leaves the outcome unknown. */
function sendFailure(f: SoapFault): ProviderFailure {
  const code = faultCode(f);
  const q = `"${said(f)}"`;
  const { faults } = SPEC;
  if (matches(f, faults.busy))
    return new ProviderFailure('retryable', 'server', code, `${NAME} is busy and did not take the message (${q})`);
  if (!isReceiver(f)) {
    if (matches(f, faults.funds))
      return new ProviderFailure('permanent', 'funds', code, `${NAME} refused the message: no funds left (${q})`);
    if (matches(f, faults.sender))
      return new ProviderFailure('permanent', 'sender', code, `${NAME} refused the sender (src) (${q})`);
    if (matches(f, faults.number))
      return new ProviderFailure('permanent', 'number', code, `${NAME} refused the recipient number (${q})`);
  }
  return new ProviderFailure(
    'unknown',
    'server',
    code,
    `${NAME} answered the send with a fault smsdesk does not know (${q}); the message may or may not have gone out`,
  );
}

/** A session id for the mailbox: the held one, or a new login shared by every send that needs it. */
function session(url: string, mb: Mailbox, http: HttpOptions): Promise<string> {
  const key = sessionKey(url, mb);
  const held = sessions.get(key);
  if (held && held.until > Date.now()) return held.id;
  const l = SPEC.login;
  const id = call(
    url,
    l.operation,
    { [l.login]: mb.login, [l.password]: mb.password, [l.duration]: SPEC.loginDurationS },
    http,
  )
    .then((r) => {
      if ('fault' in r) throw loginFailure(r.fault);
      const sid = onlyText(r.content);
      if (!sid || !COOKIE_VALUE.test(sid))
        throw new ProviderFailure(
          'retryable',
          'server',
          'NO_SESSION',
          `${NAME} accepted the login but named no session that can be sent back as a cookie`,
        );
      entry.sid = sid;
      return sid;
    })
    .catch((e: unknown) => {
      // A login whose answer was lost sent nothing: trying again is safe.
      if (e instanceof ProviderFailure && e.kind === 'unknown')
        throw new ProviderFailure(
          'retryable',
          e.category,
          e.code,
          `${NAME} gave no answer to the login (${e.code}); a login sends nothing, so it is tried again`,
        );
      throw e;
    });
  const entry: Session = { id, until: Date.now() + (SPEC.loginDurationS - SPEC.sessionMarginS) * 1000 };
  sessions.set(key, entry);
  // A failed login is not kept: the next send tries again.
  id.catch(() => {
    if (sessions.get(key) === entry) sessions.delete(key);
  });
  return id;
}

/** Forgets the session `sid` (the platform ended it); a newer one opened meanwhile is kept. */
function dropSession(url: string, mb: Mailbox, sid: string): void {
  const key = sessionKey(url, mb);
  if (sessions.get(key)?.sid === sid) sessions.delete(key);
}

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  // No idempotency field is known: a send whose answer was lost is not repeated.
  idempotency: 'none',
  maxParts: SPEC.maxParts,
  maxPartsSource: '3S publishes no part limit; smsdesk assumes 6 parts (unknown)',
  // The client fills src from its own configuration; whether a name is accepted is UNVERIFIED.
  senderProblem: (s) => gsmSenderProblem(NAME, s, { required: true }),

  async send(mb, sms, http) {
    const url = endpoint(mb);
    const dst = digitsOnly(sms.to);
    if (!SPEC.dstDigits.test(dst))
      throw new ProviderFailure(
        'permanent',
        'number',
        'BAD_DST',
        `${NAME} takes recipient numbers of 11 to 15 digits with the country code; ${sms.to} is not one`,
      );
    const s = SPEC.send;
    const fields = {
      [s.src]: mb.senderName,
      [s.dst]: dst,
      [s.maxRetryCount]: SPEC.maxRetryCount,
      [s.retryInterval]: SPEC.retryIntervalS,
      [s.message]: sms.text,
    };
    // One fresh login when the platform says the session is gone: it refused the request, so nothing was sent.
    for (let attempt = 0; ; attempt++) {
      const sid = await session(url, mb, http);
      const r = await call(url, s.operation, fields, http, sid);
      if (!('fault' in r)) {
        const id = findText(r.content, s.id);
        return id ? { providerMessageId: id } : { note: `${NAME} accepted the message but named no ${s.id}` };
      }
      if (!isReceiver(r.fault) && matches(r.fault, SPEC.faults.session)) {
        dropSession(url, mb, sid);
        if (attempt === 0) continue;
        throw new ProviderFailure(
          'retryable',
          'auth',
          faultCode(r.fault),
          `${NAME} refused a session it had just opened ("${said(r.fault)}"); will log in again`,
        );
      }
      throw sendFailure(r.fault);
    }
  },

  async verify(mb, http): Promise<VerifyResult> {
    try {
      const url = endpoint(mb);
      // A check logs in afresh: a held session says only that the password was right when it was opened.
      sessions.delete(sessionKey(url, mb));
      await session(url, mb, http);
      return { checks: [{ name: 'Credentials', ok: true, detail: `${NAME} accepted the login and opened a session` }] };
    } catch (e) {
      if (!(e instanceof ProviderFailure)) throw e;
      return { checks: [{ name: 'Credentials', ok: false, detail: e.reason }] };
    }
  },

  // Not found in any source (3s.md, Delivery reports).
  deliveryReports: 'none',
};
