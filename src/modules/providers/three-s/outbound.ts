import crypto from 'node:crypto';
import type { Mailbox } from '../adapter';
import { ProviderFailure, type OutboundAdapter, type VerifyResult } from '../adapter-outbound';
import {
  digitsOnly,
  gsmSenderProblem,
  httpCall,
  statusFailure,
  unexpectedAnswer,
  type HttpOptions,
} from '../outbound-http';
import { faultCode, isReceiver, loginFailure, matches, said, sendFailure } from './faults';
import { NAME, SPEC } from './spec';
import { findText, onlyText, parseSoap, soapRequest, type SoapFault, type SoapValue } from './soap';

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

/** What the cookie header can carry back (RFC 6265 cookie-octets). */
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{1,512}$/;

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

/**
 * Outbound half of the 3S adapter: one login per account, reused by its sends until it nears its expiry or
 * the platform ends it, then smsSend. The wire facts and their sources are in SPEC (spec.ts).
 */
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
