import type { Mailbox } from '../adapter';
import {
  ProviderFailure,
  type DeliveryReport,
  type OutboundAdapter,
  type ReportStatus,
  type VerifyResult,
} from '../adapter-outbound';
import {
  gsmSenderProblem,
  httpCall,
  providerSaid,
  statusFailure,
  unexpectedAnswer,
  type HttpOptions,
  type HttpResponse,
} from '../outbound-http';

/**
 * Outbound half of the SerwerSMS adapter (spec: shared/providers/serwersms.md, HTTPS API v2).
 * Send, verify, error format and report polling are DOCUMENTED. The delivery-report push exists but
 * its parameters are unknown, so reports are polled (messages/reports). Uncertain details: SPEC below.
 */
export const SPEC = {
  // DOCUMENTED actions (POST <base>/<action>, JSON body, answers JSON).
  send: '/messages/send_sms',
  view: '/messages/view',
  reports: '/messages/reports',
  limits: '/account/limits',
  // DOCUMENTED: chars_limit "918/6" for ECO and FULL (account/limits example) — 6 parts.
  maxParts: 6,
  // DOCUMENTED: unique_id is 3–50 characters [a-zA-Z0-9]. SerwerSMS is NOT documented to refuse a reused
  // unique_id, so a resumed send first asks messages/view whether the id exists.
  // UNVERIFIED: the error code messages/view gives for an unknown unique_id; 1004 (InvalidID) assumed. Any other
  // answer without the message (another code, another error shape, an HTTP error) leaves the outcome unknown.
  viewNotFoundCodes: [1004] as number[],
  // DOCUMENTED report statuses; reasons per the report page.
  reportStatus: {
    delivered: 'DELIVERED',
    undelivered: 'UNDELIVERED',
    unsent: 'FAILED',
    sent: null,
    in_progress: null,
    saved: null,
    pending: null,
  } as Record<string, ReportStatus | null>,
  finalStatuses: ['delivered', 'undelivered', 'unsent'],
  // ECO+ (no sender) cannot be Unicode (DOCUMENTED, Numbers and text).
  ecoAllowsUnicode: false,
} as const;

const NAME = 'SerwerSMS';

type ErrorBody = { error?: { code?: number; type?: string; message?: string } };

/** DOCUMENTED codes (serwersms.md, Error response). */
export function errorFor(code: number, type: string, message: string): ProviderFailure {
  const said = providerSaid(`${type ? `${type}: ` : ''}${message}`);
  const c = String(code);
  if (code === 1001)
    return new ProviderFailure('permanent', 'auth', c, `wrong SerwerSMS API login or password (error 1001, ${said})`);
  if (code === 1002 || code === 1005 || code === 1007 || code === 1008)
    return new ProviderFailure('permanent', 'auth', c, `the SerwerSMS user may not do this (error ${code}, ${said})`);
  if (code === 1003)
    return new ProviderFailure(
      'permanent',
      'ip',
      c,
      `this server's IP address is not on the SerwerSMS API allow list (error 1003)`,
    );
  if (code === 2001)
    return new ProviderFailure('permanent', 'number', c, `SerwerSMS says the phone number is invalid (error 2001)`);
  if (code === 3000 || code === 3002 || code === 3004 || code === 3006)
    return new ProviderFailure(
      'permanent',
      'funds',
      c,
      `the SerwerSMS limit for this message type is used up (error ${code}, ${said})`,
    );
  if (code === 3001 || code === 3003 || code === 3005)
    return new ProviderFailure(
      'permanent',
      'unsupported',
      c,
      `the SerwerSMS account may not send this message type (error ${code}, ${said})`,
    );
  return new ProviderFailure(
    'permanent',
    code >= 2000 && code < 3000 ? 'config' : 'other',
    c,
    `SerwerSMS refused the request (error ${code}, ${said})`,
  );
}

function failureOf(res: HttpResponse): ProviderFailure | null {
  const e = res.json<ErrorBody>()?.error;
  if (e && typeof e === 'object') return errorFor(Number(e.code), e.type ?? '', e.message ?? '');
  return statusFailure(NAME, res.status);
}

/** login + password of an API user, or a Bearer API token when no login is set (both DOCUMENTED). */
function call(mb: Mailbox, path: string, body: Record<string, unknown>, http: HttpOptions) {
  if (!mb.baseUrl)
    throw new ProviderFailure('permanent', 'config', 'NO_URL', 'the SerwerSMS mailbox has no API base URL');
  const bearer = !mb.login;
  return httpCall(
    {
      provider: NAME,
      method: 'POST',
      url: mb.baseUrl + path,
      headers: bearer ? { authorization: `Bearer ${mb.password ?? ''}` } : {},
      json: bearer ? body : { username: mb.login, password: mb.password, ...body },
    },
    http,
  );
}

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  idempotency: 'lookup',
  maxParts: SPEC.maxParts,
  maxPartsSource: 'SerwerSMS accounts show 918 characters in 6 parts (account/limits, DOCUMENTED example)',
  // An approved name up to 11 characters, a 4- or 9-digit number, or 2waySMS; empty = ECO+ (DOCUMENTED).
  senderProblem(s) {
    if (!s || s === '2waySMS' || /^[0-9]{4}$|^[0-9]{9}$/.test(s)) return null;
    if (/^[0-9+]+$/.test(s)) return `SerwerSMS takes a 4- or 9-digit number as sender, not "${s}"`;
    return gsmSenderProblem(NAME, s);
  },
  textProblem(mb, encoding) {
    if (!mb.senderName && encoding === 'UCS2' && !SPEC.ecoAllowsUnicode) {
      return 'SerwerSMS sends without a sender name as ECO+, which cannot carry Polish letters, emoji or other non-GSM characters; set a sender name on the mailbox or turn on replacing Polish letters';
    }
    return null;
  },

  async send(mb, sms, http) {
    if (sms.resumed) {
      // An earlier attempt may have been accepted: ask before sending again.
      const res = await call(mb, SPEC.view, { unique_id: sms.idempotencyKey }, http);
      const e = res.json<ErrorBody>()?.error;
      const item = res.json<{ id?: string; items?: { id?: string }[] }>();
      const id = item?.id ?? item?.items?.[0]?.id;
      if (!e && res.status === 200 && id) {
        return {
          providerMessageId: String(id),
          duplicate: true,
          note: `SerwerSMS already had unique_id ${sms.idempotencyKey}`,
        };
      }
      if (!(e && SPEC.viewNotFoundCodes.includes(Number(e.code)))) {
        // Neither "found" nor "no such id": sending now could duplicate, so try again later.
        const f = failureOf(res);
        throw new ProviderFailure(
          'unknown',
          f?.category ?? 'server',
          f?.code ?? `HTTP ${res.status}`,
          `could not check with SerwerSMS whether an earlier attempt was sent: ${f?.reason ?? unexpectedAnswer(res)}`,
        );
      }
    }
    const res = await call(
      mb,
      SPEC.send,
      {
        phone: [sms.to],
        text: sms.text,
        ...(mb.senderName ? { sender: mb.senderName } : {}),
        ...(sms.encoding === 'UCS2' ? { utf: true } : {}),
        details: true,
        unique_id: [sms.idempotencyKey],
        ...(sms.test ? { test: true } : {}),
      },
      http,
    );
    const f = failureOf(res);
    if (f) throw f;
    const body = res.json<{
      success?: boolean;
      items?: { id?: string; status?: string; error_code?: number; error_message?: string; parts?: number }[];
    }>();
    const item = body?.items?.[0];
    if (item?.status === 'unsent') {
      throw new ProviderFailure(
        'permanent',
        /sender|nadawc/i.test(item.error_message ?? '') ? 'sender' : 'other',
        String(item.error_code ?? 'unsent'),
        `SerwerSMS did not send it (${item.error_code ?? ''} ${item.error_message ?? ''})`.trim(),
      );
    }
    if (!body?.success || !item?.id)
      throw new ProviderFailure(
        'unknown',
        'server',
        'BAD_ANSWER',
        `SerwerSMS answered without a message id (${unexpectedAnswer(res)})`,
      );
    return { providerMessageId: String(item.id) };
  },

  async verify(mb, http): Promise<VerifyResult> {
    try {
      const res = await call(mb, SPEC.limits, { show_type: true }, http);
      const host = new URL(mb.baseUrl!).host;
      const f = failureOf(res);
      if (f)
        return {
          checks: [
            { name: 'Connection', ok: true, detail: `reached ${host}` },
            { name: 'Credentials', ok: false, detail: f.reason },
          ],
        };
      const items = res.json<{ items?: { type: string; value: string; chars_limit?: string }[] }>()?.items ?? [];
      const full = items.find((i) => i.type === 'full');
      const eco = items.find((i) => i.type === 'eco');
      const balance = full && /^[0-9.]+$/.test(full.value) ? Number(full.value) : undefined;
      return {
        checks: [
          { name: 'Connection', ok: true, detail: `reached ${host}` },
          {
            name: 'Credentials',
            ok: true,
            detail: mb.login
              ? 'API user login and password were accepted (account/limits)'
              : 'the API token was accepted (account/limits)',
          },
          {
            name: 'Limits',
            ok: true,
            detail: items.map((i) => `${i.type}: ${i.value}`).join(', ') || 'no limits reported',
          },
          ...(mb.senderName
            ? []
            : [
                {
                  name: 'ECO+',
                  ok: eco?.value !== 'not_available',
                  detail: `no sender name: messages go as ECO+ (limit ${eco?.value ?? 'unknown'})`,
                },
              ]),
        ],
        balance,
      };
    } catch (e) {
      if (e instanceof ProviderFailure) return { checks: [{ name: 'Connection', ok: false, detail: e.reason }] };
      throw e;
    }
  },

  deliveryReports: 'poll',

  async pollDeliveryReport(mb, providerMessageId, http): Promise<DeliveryReport> {
    const res = await call(mb, SPEC.reports, { id: [providerMessageId] }, http);
    const f = failureOf(res);
    if (f) throw f;
    const item = res
      .json<{ items?: { id: string; status: string; reason?: string; delivered?: string; cost?: number }[] }>()
      ?.items?.find((i) => String(i.id) === providerMessageId);
    if (!item) return { providerMessageId, status: null, providerStatus: 'not reported yet' };
    let status = SPEC.reportStatus[item.status] ?? null;
    if (status === 'UNDELIVERED' && item.reason === 'message_expired') status = 'EXPIRED';
    return {
      providerMessageId,
      status,
      providerStatus: item.reason ? `${item.status} (${item.reason})` : item.status,
      // The report's dates carry no time zone (unknown which), so the time we learn of it is recorded.
      reason:
        status && status !== 'DELIVERED'
          ? `SerwerSMS reported ${item.status}${item.reason ? `: ${item.reason}` : ''}`
          : undefined,
      final: (SPEC.finalStatuses as readonly string[]).includes(item.status),
    };
  },
};
