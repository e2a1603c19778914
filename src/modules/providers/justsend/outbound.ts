import type { Mailbox } from '../adapter';
import { ProviderFailure, type DeliveryReport, type OutboundAdapter, type VerifyResult } from '../adapter-outbound';
import {
  digitsOnly,
  httpCall,
  providerSaid,
  statusFailure,
  unexpectedAnswer,
  type HttpOptions,
  type HttpResponse,
} from '../outbound-http';

/**
 * Outbound half of the JustSend adapter (spec: shared/providers/justsend.md, REST v2 of the official
 * client). Send, points and the per-message report are DOCUMENTED; the production host, the meaning
 * of the variants and the part limit are not, so they sit in SPEC below.
 */
export const SPEC = {
  // INFERRED: https://justsend.pl/api/rest is the official client's production URL, but that client dates
  // from 2018 and third-party SDKs call https://justsend.io/api (another call format); the base URL stays
  // overridable per mailbox and the test names the URL that answered.
  hosts: 'the official client (2018) uses justsend.pl/api/rest, newer third-party SDKs justsend.io/api',
  // DOCUMENTED (digitalvirgo/justsend): App-Key header, JSON, envelope {responseCode, errorId, message, data}.
  send: '/v2/message/send',
  points: '/v2/payment/points',
  report: (id: string) => `/v2/report/message/${encodeURIComponent(id)}`,
  // INFERRED: ECO sends without a sender; PRO = own registered sender name (third-party driver [J7]).
  variantWithoutSender: 'ECO',
  variantWithSender: 'PRO',
  // Unknown: no per-variant length or part limit was found; 6 parts (918 GSM-7 characters) is assumed.
  maxParts: 6,
} as const;

const NAME = 'JustSend';

interface Envelope<T> {
  responseCode?: string;
  errorId?: number;
  message?: string;
  data?: T;
}

/** DOCUMENTED errorId table (justsend.md, Outbound send); several names share a number there. */
function errorFor(e: Envelope<unknown>): ProviderFailure {
  const id = Number(e.errorId);
  const code = `${id} ${e.responseCode ?? ''}`.trim();
  const said = e.message ? ` ("${providerSaid(e.message)}")` : '';
  if (id === 101 || id === 105)
    return new ProviderFailure('permanent', 'auth', code, `JustSend refused the API key (App-Key) (${code})${said}`);
  if (id === 102)
    return new ProviderFailure('permanent', 'auth', code, `the JustSend account may not do this (${code})${said}`);
  if (id === 104)
    return new ProviderFailure(
      'permanent',
      'auth',
      code,
      `the JustSend account's status does not allow sending (${code})${said}`,
    );
  if (id === 106 || e.responseCode === 'NOT_FUNDS')
    return new ProviderFailure('permanent', 'funds', code, `not enough points on the JustSend account (${code})`);
  if (id === 100)
    return new ProviderFailure('retryable', 'server', code, `JustSend had an internal error (${code}); will retry`);
  if (e.responseCode === 'NUMBER_ON_BLACK_LIST')
    return new ProviderFailure('permanent', 'number', code, `JustSend: the number is on the black list (${code})`);
  return new ProviderFailure('permanent', 'other', code, `JustSend refused the message (${code})${said}`);
}

function envelope<T>(res: HttpResponse): T {
  // The official client treats any non-200 as a transport failure and reads errors from errorId.
  const f = res.status === 200 ? null : statusFailure(NAME, res.status);
  if (f) throw f;
  const body = res.json<Envelope<T>>();
  if (!body || typeof body !== 'object')
    throw new ProviderFailure(
      'unknown',
      'server',
      'BAD_ANSWER',
      `JustSend answered something that is not its JSON envelope (${unexpectedAnswer(res)})`,
    );
  if (body.errorId !== 0 || body.responseCode !== 'OK') throw errorFor(body);
  return body.data as T;
}

function call(mb: Mailbox, method: 'GET' | 'POST', path: string, json: unknown, http: HttpOptions) {
  if (!mb.baseUrl)
    throw new ProviderFailure('permanent', 'config', 'NO_URL', 'the JustSend mailbox has no API base URL');
  return httpCall(
    { provider: NAME, method, url: mb.baseUrl + path, headers: { 'app-key': mb.password ?? '' }, json },
    http,
  );
}

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  // No own message id or idempotency field exists for single messages (justsend.md).
  idempotency: 'none',
  maxParts: SPEC.maxParts,
  maxPartsSource: 'JustSend publishes no part limit; smsdesk assumes 6 parts (unknown)',
  // Up to 11 characters (INFERRED); "A" and "1234" are refused for PRO (DOCUMENTED tests).
  senderProblem(s) {
    if (!s) return null;
    if (s.length < 2 || s.length > 11) return `JustSend takes a sender name of 2–11 characters, not "${s}"`;
    if (!/[A-Za-z]/.test(s)) return `JustSend refuses a sender name of digits only ("${s}")`;
    if (!/^[A-Za-z0-9 .\-_&]+$/.test(s)) return `sender "${s}" may hold only letters, digits, space and . - _ &`;
    return null;
  },

  async send(mb, sms, http) {
    const res = await call(
      mb,
      'POST',
      SPEC.send,
      {
        to: digitsOnly(sms.to),
        from: mb.senderName ?? '',
        message: sms.text,
        bulkVariant: mb.senderName ? SPEC.variantWithSender : SPEC.variantWithoutSender,
      },
      http,
    );
    const id = envelope<number | string>(res);
    if (id === undefined || id === null || id === '')
      throw new ProviderFailure('unknown', 'server', 'BAD_ANSWER', 'JustSend answered OK without a message id');
    return { providerMessageId: String(id) };
  },

  async verify(mb, http): Promise<VerifyResult> {
    // Which generation answers at the configured URL is itself uncertain (SPEC.hosts), so every check
    // names the URL and whether what came back was the REST v2 envelope.
    const at = mb.baseUrl ?? 'no API base URL';
    let res: HttpResponse;
    try {
      res = await call(mb, 'GET', SPEC.points, undefined, http);
    } catch (e) {
      if (!(e instanceof ProviderFailure)) throw e;
      return { checks: [{ name: 'Connection', ok: false, detail: `${at}: ${e.reason}` }] };
    }
    const body = res.json<Envelope<unknown>>();
    if (res.status !== 200 || typeof body?.responseCode !== 'string')
      return {
        checks: [
          {
            name: 'Connection',
            ok: false,
            detail: `${at} answered, but not in JustSend's REST v2 format (${unexpectedAnswer(res)}); ${SPEC.hosts}: check the API base URL`,
          },
        ],
      };
    const reached = {
      name: 'Connection',
      ok: true,
      detail: `${at} answered v2/payment/points in JustSend's REST v2 format (HTTP 200, responseCode ${providerSaid(body.responseCode, 40)})`,
    };
    try {
      const points = Number(envelope<number>(res));
      return {
        checks: [
          reached,
          { name: 'Credentials', ok: true, detail: 'the App-Key was accepted (v2/payment/points)' },
          { name: 'Balance', ok: true, detail: `${points} points` },
        ],
        balance: Number.isFinite(points) ? points : undefined,
      };
    } catch (e) {
      if (!(e instanceof ProviderFailure)) throw e;
      return { checks: [reached, { name: 'Credentials', ok: false, detail: e.reason }] };
    }
  },

  deliveryReports: 'poll',

  async pollDeliveryReport(mb, providerMessageId, http): Promise<DeliveryReport> {
    // DOCUMENTED: counters, so one message shows 1 in the column of its state.
    const d = envelope<{
      delivered?: number;
      notDelivered?: number;
      sent?: number;
      notSent?: number;
      bulkCostInPoints?: number;
    }>(await call(mb, 'GET', SPEC.report(providerMessageId), undefined, http));
    if (d?.delivered) return { providerMessageId, status: 'DELIVERED', providerStatus: 'DELIVERED', final: true };
    if (d?.notDelivered)
      return {
        providerMessageId,
        status: 'UNDELIVERED',
        providerStatus: 'NOT_DELIVERED',
        reason: 'JustSend reported NOT_DELIVERED',
        final: true,
      };
    if (d?.notSent)
      return {
        providerMessageId,
        status: 'FAILED',
        providerStatus: 'NOT_SENT',
        reason: 'JustSend reported NOT_SENT',
        final: true,
      };
    return { providerMessageId, status: null, providerStatus: d?.sent ? 'SENT' : 'pending' };
  },
};
