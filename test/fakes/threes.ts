import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { ProviderId } from '../../src/modules/providers/catalog.types';
import { FakeServer, nextId, type Answer, type Recorded } from './base';
import { mailbox, type FakeEntry } from './entry';

/**
 * Fake 3S SOAP service (shared/providers/3s.md, "Update"). Sources, by behaviour:
 * - [W3C] SOAP 1.2 (Part 1 §5, Part 2 §7): the envelope namespace, `application/soap+xml`, HTTP 415 for
 *   another media type, a VersionMismatch fault for another envelope, Fault with Code/Value, Subcode and
 *   Reason/Text, HTTP 400 for a `Sender` fault and 500 for a `Receiver` fault.
 * - [ADESCOM] edzima/yii2-adescom AdescomSoap.php: POST to …/mvnoservices/handler; `login(login, password,
 *   duration)` answers a session id; the client sends it back as the cookie `sessionID`; `smsSend` with
 *   src, overwrite_src, dst, max_retry_count, retry_interval, message answers `sms_id`; `logout`.
 * - [ADESCOM-FORM] SmsForm.php: dst is 11–15 digits.
 * - UNVERIFIED (nothing documents them; each test can change them): the namespace (read from the request,
 *   not checked), the element names of login's arguments, where the session expires (only when told, by
 *   `expireSessions`), and every fault text below. A caller has to work under any of these readings, so the
 *   fake also answers smsSend fields wrapped in one part element (the other layout PHP's SoapClient may
 *   produce) and writes the session id in a `return` child, as PHP's SoapServer does.
 */
export class FakeThreeS extends FakeServer {
  login = 'desk-user';
  password = 'desk-pass';
  /** The next smsSend calls answer this Receiver fault instead of sending (UNVERIFIED text). */
  busyTimes = 0;
  /** Faults the next smsSend calls answer instead of sending, in order (texts of the test's choosing). */
  readonly sendFaults: { code: 'Sender' | 'Receiver'; subcode?: string; reason: string }[] = [];
  readonly sessions = new Set<string>();
  readonly logins: string[] = [];
  readonly sent: { id: string; src?: string; dst: string; message: string; session: string }[] = [];

  private readonly parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    // A message keeps its spaces; the adapter's envelope has no whitespace between elements.
    trimValues: false,
  });
  private readonly builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

  /** Every session ends now (as after the duration given at login, or a logout elsewhere). */
  expireSessions(): void {
    this.sessions.clear();
  }

  protected handle(r: Recorded): Answer {
    if (r.method !== 'POST' || r.path !== '/handler')
      return { status: 404, body: 'Not Found', contentType: 'text/plain' };
    // [W3C] Part 2 §7.5.1: a SOAP 1.2 node refuses another media type with 415.
    if (!/^application\/soap\+xml\b/i.test(String(r.headers['content-type'] ?? '')))
      return { status: 415, body: 'Unsupported Media Type', contentType: 'text/plain' };
    let doc: Record<string, unknown>;
    try {
      doc = this.parser.parse(r.rawBody) as Record<string, unknown>;
    } catch {
      return this.fault('Sender', undefined, 'Bad Request');
    }
    const envKey = Object.keys(doc).find((k) => /(^|:)Envelope$/.test(k));
    const env = envKey ? (doc[envKey] as Record<string, unknown>) : undefined;
    const envPrefix = envKey?.includes(':') ? envKey.split(':')[0] : undefined;
    const envNs = env?.[envPrefix ? `@_xmlns:${envPrefix}` : '@_xmlns'];
    // [W3C] Part 1 §5.4.7: another envelope namespace is a VersionMismatch.
    if (envNs !== SOAP12) return this.fault('VersionMismatch', undefined, 'Wrong Version');
    const body = local(env!, 'Body') as Record<string, unknown> | undefined;
    const opKey = body && Object.keys(body).find((k) => !k.startsWith('@_') && k !== '#text');
    if (!opKey) return this.fault('Sender', undefined, 'Bad Request');
    const op = opKey.replace(/^[^:]*:/, '');
    const args = unprefixed(body![opKey]);
    if (op === 'login') return this.doLogin(args);
    const session = /(?:^|;\s*)sessionID=([^;]+)/.exec(String(r.headers.cookie ?? ''))?.[1];
    // UNVERIFIED text: what the platform says for a call without a live session.
    if (!session || !this.sessions.has(session))
      return this.fault('Sender', undefined, 'Session expired or not logged in');
    if (op === 'logout') {
      this.sessions.delete(session);
      return this.answer('logoutResponse', { return: 'true' });
    }
    if (op === 'smsSend') return this.doSend(args, session);
    return this.fault('Sender', undefined, `Function ("${op}") is not a valid method for this service`);
  }

  private doLogin(a: Record<string, unknown>): Answer {
    // UNVERIFIED text; a wrong login is the caller's fault (Sender).
    if (a.login !== this.login || a.password !== this.password)
      return this.fault('Sender', undefined, 'Invalid login or password');
    const sid = `sess-${nextId()}`;
    this.sessions.add(sid);
    this.logins.push(sid);
    return this.answer('loginResponse', { return: sid });
  }

  private doSend(args: Record<string, unknown>, session: string): Answer {
    // Fields directly in smsSend, or in one wrapper part (both are possible readings of the WSDL).
    const keys = Object.keys(args).filter((k) => !k.startsWith('@_'));
    const a = keys.length === 1 && typeof args[keys[0]] === 'object' ? unprefixed(args[keys[0]]) : args;
    const planned = this.sendFaults.shift();
    if (planned) return this.fault(planned.code, planned.subcode, planned.reason);
    if (this.busyTimes > 0) {
      this.busyTimes--;
      return this.fault('Receiver', undefined, 'Server busy, try again later');
    }
    const dst = String(a.dst ?? '');
    if (!/^[1-9][0-9]{10,14}$/.test(dst)) return this.fault('Sender', undefined, 'Invalid destination number (dst)');
    if (typeof a.message !== 'string' || !a.message) return this.fault('Sender', undefined, 'Empty message');
    const id = String(nextId());
    this.sent.push({ id, src: a.src as string | undefined, dst, message: a.message, session });
    return this.answer('smsSendResponse', { sms_id: id });
  }

  private envelope(body: Record<string, unknown>): string {
    return this.builder.build({
      '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
      'env:Envelope': { '@_xmlns:env': SOAP12, 'env:Body': body },
    }) as string;
  }

  private answer(element: string, content: Record<string, string>): Answer {
    return {
      status: 200,
      contentType: 'application/soap+xml; charset=utf-8',
      body: this.envelope({ [`ns1:${element}`]: { '@_xmlns:ns1': NS, ...content } }),
    };
  }

  /** [W3C] Part 1 §5.4 fault; Part 2 §7.5.2: HTTP 400 for Sender, 500 for every other code. */
  fault(code: 'Sender' | 'Receiver' | 'VersionMismatch', subcode: string | undefined, reason: string): Answer {
    const Code: Record<string, unknown> = { 'env:Value': `env:${code}` };
    if (subcode) Code['env:Subcode'] = { 'env:Value': subcode };
    return {
      status: code === 'Sender' ? 400 : 500,
      contentType: 'application/soap+xml; charset=utf-8',
      body: this.envelope({
        'env:Fault': { 'env:Code': Code, 'env:Reason': { 'env:Text': { '@_xml:lang': 'en', '#text': reason } } },
      }),
    };
  }
}

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
/** UNVERIFIED: the namespace of the answers' elements ([ADESCOM] names the handler URL). */
const NS = 'https://platformy2.3s.pl/userpanel_webservices.php/mvnoservices/handler';

/** The child of `node` with this local name, whatever its prefix. */
function local(node: Record<string, unknown>, name: string): unknown {
  const k = Object.keys(node).find((key) => key === name || key.endsWith(`:${name}`));
  return k ? node[k] : undefined;
}

/** An element's children by local name, text values as strings. */
function unprefixed(node: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!node || typeof node !== 'object') return out;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k.startsWith('@_')) continue;
    out[k.replace(/^[^:]*:/, '')] = v;
  }
  return out;
}

export function threeSMailbox(f: FakeThreeS, password = f.password) {
  return mailbox(ProviderId.THREE_S, { baseUrl: f.url, login: f.login, password, senderName: '48732123456' });
}

export const threeSFake: FakeEntry<FakeThreeS> = {
  provider: ProviderId.THREE_S,
  create: () => new FakeThreeS(),
  mailbox: (f) => threeSMailbox(f),
  badAuth: (f) => threeSMailbox(f, 'wrong'),
  gatewayInput: (f) => ({
    name: '3S',
    provider: 'THREE_S',
    login: f.login,
    password: f.password,
    senderName: '48732123456',
    apiBaseUrl: f.url,
  }),
  checkRequest: (f, s, expect) => {
    const r = f.requests.at(-1)!;
    expect(r.path).toBe('/handler');
    expect(r.headers['content-type']).toMatch(/^application\/soap\+xml/);
    expect(r.headers.cookie).toMatch(/sessionID=sess-/);
    expect(f.sent.at(-1)).toMatchObject({ src: '48732123456', dst: '48500600700', message: s.text });
  },
  sentCount: (f) => f.sent.length,
  returnsMessageId: true,
  // The login call checks the credentials without sending ([ADESCOM]).
  verifies: true,
};
