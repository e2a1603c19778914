import type { Mailbox } from '../adapter';
import {
  ProviderFailure,
  type DeliveryReport,
  type DlrRequest,
  type OutboundAdapter,
  type ReportStatus,
  type VerifyResult,
} from '../adapter-outbound';
import { httpCall, statusFailure, type HttpOptions } from '../outbound-http';

/**
 * Outbound half of the Peoplefone adapter (spec: shared/providers/peoplefone.md). Portal set-up is
 * DOCUMENTED; the wire format is INFERRED from one third-party client and the answer bodies and the
 * status callback payload are unknown, so every such name sits in SPEC below (one line to fix each).
 */
export const SPEC = {
  // INFERRED [S2][S3]: POST <base>/sms/messages, Bearer key, JSON {to: [...], text, callbackUrl}, 202 Accepted.
  send: '/sms/messages',
  acceptedStatus: 202,
  // UNVERIFIED: the 202 body is unknown; "messageId" is a placeholder (a missing id is tolerated).
  responseIdField: 'messageId',
  // INFERRED [S3]: GET <base>/sms/messages answers 200 (401 for a bad key).
  verify: '/sms/messages',
  // UNVERIFIED: the status callback payload is unknown; these names and values are placeholders.
  dlrIdField: 'messageId',
  dlrStatusField: 'status',
  dlrStatus: {
    DELIVERED: 'DELIVERED',
    UNDELIVERED: 'UNDELIVERED',
    EXPIRED: 'EXPIRED',
    FAILED: 'FAILED',
    SENT: 'SENT',
  } as Record<string, ReportStatus>,
  // Unknown: no part limit is published; 6 parts assumed.
  maxParts: 6,
} as const;

const NAME = 'Peoplefone';

function call(mb: Mailbox, method: 'GET' | 'POST', path: string, json: unknown, http: HttpOptions) {
  if (!mb.baseUrl)
    throw new ProviderFailure('permanent', 'config', 'NO_URL', 'the Peoplefone mailbox has no API base URL');
  return httpCall(
    { provider: NAME, method, url: mb.baseUrl + path, headers: { authorization: `Bearer ${mb.password ?? ''}` }, json },
    http,
  );
}

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  idempotency: 'none',
  maxParts: SPEC.maxParts,
  maxPartsSource: 'Peoplefone publishes no part limit; smsdesk assumes 6 parts (unknown)',
  // No sender field was seen in any source: the sender is presumably the service's billed user (unknown).
  senderProblem: (s) =>
    s
      ? `Peoplefone's API has no sender field (the service's number sends); clear the sender name "${s}" of the mailbox`
      : null,

  async send(mb, sms, http) {
    const res = await call(
      mb,
      'POST',
      SPEC.send,
      { to: [sms.to], text: sms.text, ...(sms.notifyUrl ? { callbackUrl: sms.notifyUrl } : {}) },
      http,
    );
    if (res.status !== SPEC.acceptedStatus) {
      throw (
        statusFailure(NAME, res.status) ??
        new ProviderFailure(
          'permanent',
          'other',
          `HTTP ${res.status}`,
          `Peoplefone answered HTTP ${res.status} instead of 202 Accepted`,
        )
      );
    }
    const id = res.json<Record<string, unknown>>()?.[SPEC.responseIdField];
    return { providerMessageId: typeof id === 'string' || typeof id === 'number' ? String(id) : undefined };
  },

  async verify(mb, http): Promise<VerifyResult> {
    const host = mb.baseUrl ? new URL(mb.baseUrl).host : '?';
    try {
      const res = await call(mb, 'GET', SPEC.verify, undefined, http);
      const f = res.status === 200 ? null : statusFailure(NAME, res.status);
      return {
        checks: [
          { name: 'Connection', ok: true, detail: `reached ${host}` },
          f
            ? { name: 'Credentials', ok: false, detail: f.reason }
            : { name: 'Credentials', ok: true, detail: 'the API key was accepted (GET /sms/messages)' },
        ],
      };
    } catch (e) {
      if (e instanceof ProviderFailure) return { checks: [{ name: 'Connection', ok: false, detail: e.reason }] };
      throw e;
    }
  },

  deliveryReports: 'callback',

  parseDeliveryReports(req: DlrRequest): DeliveryReport[] {
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
    const src = { ...req.query, ...body };
    const id = src[SPEC.dlrIdField];
    const raw = String(src[SPEC.dlrStatusField] ?? '');
    if (id === undefined || id === null || id === '') return [];
    const status = SPEC.dlrStatus[raw.toUpperCase()] ?? null;
    return [
      {
        providerMessageId: String(id),
        status,
        providerStatus: raw,
        reason: status && status !== 'DELIVERED' && status !== 'SENT' ? `Peoplefone reported ${raw}` : undefined,
      },
    ];
  },

  // Answer 200 quickly: Peoplefone's call webhooks drop a subscription after a non-200 (INFERRED [S4]).
  deliveryReportReply: () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'OK' }),
};
