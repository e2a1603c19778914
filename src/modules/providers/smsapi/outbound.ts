import type { Mailbox } from '../adapter';
import { PasswordForm } from '../../gateways/gateway.entity';
import {
  ProviderFailure,
  type DeliveryReport,
  type FailureCategory,
  type DlrRequest,
  type OutboundAdapter,
  type ReportStatus,
  type VerifyResult,
} from '../adapter-outbound';
import {
  digitsOnly,
  gsmSenderProblem,
  httpCall,
  providerSaid,
  retryAfterMs,
  statusFailure,
  unexpectedAnswer,
  type FieldValue,
  type HttpResponse,
} from '../outbound-http';

/**
 * Outbound half of the SMSAPI adapter (spec: shared/providers/smsapi.md).
 * Send and verify follow DOCUMENTED facts; the delivery-report callback is INFERRED from one
 * third-party integration, so its field names and codes sit in SPEC below, one line per fact.
 */
export const SPEC = {
  // DOCUMENTED (official clients): paths, JSON output, errors with HTTP 200, idx + check_idx, max_parts 1–10.
  sendPath: '/sms.do',
  userPath: '/user.do',
  profilePath: '/profile',
  maxParts: 10,
  duplicateIdxError: 53,
  // INFERRED (copies of SMSAPI's idx docs in client libraries): check_idx refuses a reused idx only within a
  // window, "24h" in one copy and "four days" in another; the shorter one is taken.
  idxWindowMs: 24 * 60 * 60 * 1000,
  // INFERRED ([S13], one third-party DLR handler): GET, comma lists of up to five, these names, answer "OK".
  // Reports also carry `points`, `to`, `from` (INFERRED, review of the docs); only `status_name` is read.
  dlr: { id: 'MsgId', status: 'status', doneDate: 'donedate', statusName: 'status_name' },
  dlrBatch: 5,
  // UNVERIFIED: "the official docs probably list idx" — used only when present, to match a report whose MsgId we never learnt.
  dlrIdx: 'idx',
  dlrReply: 'OK',
  // INFERRED numeric DLR codes (names match the DOCUMENTED status strings); null = no change for us.
  dlrStatus: {
    401: null, // NOT_FOUND: wrong id or report expired
    402: 'EXPIRED',
    403: 'SENT',
    404: 'DELIVERED',
    405: 'UNDELIVERED',
    406: 'FAILED',
    407: 'FAILED', // REJECTED
    408: null, // UNKNOWN: no report from the operator
    409: null, // QUEUE
    410: 'SENT', // ACCEPTED by the operator
    411: null, // RENEWAL: SMSAPI is trying again (INFERRED, review of the docs' status list)
    412: 'UNDELIVERED', // STOP: the recipient opted out, nothing is delivered (INFERRED, same review)
  } as Record<number, ReportStatus | null>,
  // INFERRED (same review): the code whose report means the recipient opted out.
  dlrOptOut: 412,
  dlrStatusName: {
    401: 'NOT_FOUND',
    402: 'EXPIRED',
    403: 'SENT',
    404: 'DELIVERED',
    405: 'UNDELIVERED',
    406: 'FAILED',
    407: 'REJECTED',
    408: 'UNKNOWN',
    409: 'QUEUE',
    410: 'ACCEPTED',
    411: 'RENEWAL',
    412: 'STOP',
  } as Record<number, string>,
} as const;

const NAME = 'SMSAPI';

/**
 * DOCUMENTED legacy error codes (smsapi.md, Error response) and INFERRED ones (SMSAPI's error table as copied
 * in client libraries, e.g. OCSoftwarePL/sms-api-bundle Sms/AbstractSender.php: 11–14, 200–203).
 * `retryAfterMs`: the wait the answer asked for (Retry-After), kept with a retryable failure.
 */
function errorFor(code: number, message: string, retryAfterMs?: number): ProviderFailure {
  const said = message ? ` (SMSAPI: "${providerSaid(message)}")` : '';
  const permanent = (category: FailureCategory, reason: string) =>
    new ProviderFailure('permanent', category, String(code), reason);
  const retryable = (category: FailureCategory, reason: string) =>
    new ProviderFailure('retryable', category, String(code), reason, retryAfterMs);
  switch (code) {
    case 101:
    case 102:
      return permanent('auth', `wrong SMSAPI login, password or token (error ${code})${said}`);
    case 103:
      return permanent('funds', `not enough points on the SMSAPI account (error 103)`);
    case 105:
      return permanent('ip', `this server's IP address is not on the SMSAPI account's API IP filter (error 105)`);
    case 11:
      return permanent('text', `the text is too long for SMSAPI (error 11)${said}`);
    case 12:
      return permanent(
        'text',
        `the text needs more SMS parts than SMSAPI allows (max_parts ${SPEC.maxParts}, error 12)${said}`,
      );
    case 13:
      return permanent('number', `SMSAPI found no valid recipient number (error 13)${said}`);
    case 14:
      return permanent(
        'sender',
        `SMSAPI refused the sender name: it is not approved for the account (register it in the SMSAPI panel, error 14)${said}`,
      );
    case 110:
      return permanent('unsupported', `the service is not available for this SMSAPI account (error 110)`);
    case 8:
      return permanent('config', `SMSAPI says the request is wrong (error 8)${said}`);
    case 200:
      return retryable('server', `SMSAPI could not send it and asked to try again (error 200); will retry`);
    case 202:
      return retryable('rate', `SMSAPI had too many simultaneous requests and sent nothing (error 202); will retry`);
    case 203:
      return retryable('rate', `SMSAPI had too many requests and asked to try later (error 203); will retry`);
    case 201:
    case 666:
    case 999:
      return retryable('server', `SMSAPI had an internal error (error ${code}); will retry`);
    default:
      return permanent('other', `SMSAPI refused the message (error ${code})${said}`);
  }
}

/** HTTP 429 (DOCUMENTED), with the wait its Retry-After asks for. */
function rateLimited(res: HttpResponse): ProviderFailure {
  const wait = retryAfterMs(res.headers);
  return new ProviderFailure(
    'retryable',
    'rate',
    'HTTP 429',
    `${NAME} is limiting the request rate (HTTP 429)${wait === undefined ? '' : `, asking to wait ${Math.ceil(wait / 1000)} s`}; will retry`,
    wait,
  );
}

/** Bearer for an OAuth token, else the legacy username + MD5 password fields (both DOCUMENTED). */
function auth(mb: Mailbox): { headers: Record<string, string>; fields: Record<string, FieldValue> } {
  if (mb.passwordForm === PasswordForm.OAUTH_TOKEN || !mb.login)
    return { headers: { authorization: `Bearer ${mb.password ?? ''}` }, fields: {} };
  return { headers: {}, fields: { username: mb.login, password: mb.password } };
}

function legacyError(res: HttpResponse): ProviderFailure | null {
  const body = res.json<{ error?: unknown; message?: string }>();
  // The official PHP client treats a body with both keys as an error, whatever the HTTP status.
  if (body && typeof body === 'object' && typeof body.error === 'number')
    return errorFor(body.error, body.message ?? '');
  return statusFailure(NAME, res.status);
}

function base(mb: Mailbox): string {
  if (!mb.baseUrl) throw new ProviderFailure('permanent', 'config', 'NO_URL', 'the SMSAPI mailbox has no API base URL');
  return mb.baseUrl;
}

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  idempotency: 'key',
  idempotencyWindowMs: SPEC.idxWindowMs,
  maxParts: SPEC.maxParts,
  maxPartsSource: 'SMSAPI max_parts is 1–10 (DOCUMENTED)',
  // 11 characters, registered in the panel first (DOCUMENTED); ECO and 2Way are legacy special values.
  senderProblem: (s) => (s === 'ECO' || s === '2Way' ? null : gsmSenderProblem(NAME, s)),

  async send(mb, sms, http) {
    const a = auth(mb);
    const res = await httpCall(
      {
        provider: NAME,
        method: 'POST',
        url: base(mb) + SPEC.sendPath,
        headers: a.headers,
        form: {
          ...a.fields,
          to: digitsOnly(sms.to),
          message: sms.text,
          from: mb.senderName,
          encoding: 'utf-8',
          format: 'json',
          details: 1,
          // Our key; with check_idx=1 SMSAPI refuses a second message with it (error 53): a retry or a
          // restarted worker can never send twice.
          idx: sms.idempotencyKey,
          check_idx: 1,
          max_parts: SPEC.maxParts,
          notify_url: sms.notifyUrl,
          test: sms.test ? 1 : undefined,
        },
      },
      http,
    );
    const body = res.json<{
      error?: number;
      message?: string;
      list?: { id?: string; points?: number | string; error?: unknown; idx?: string }[];
    }>();
    if (body && typeof body.error === 'number') {
      if (body.error === SPEC.duplicateIdxError) {
        // The earlier attempt reached SMSAPI. Its message id is not in this answer and SMSAPI offers no
        // lookup by idx (smsapi.md): delivery reports can only be matched if they carry idx.
        return {
          duplicate: true,
          note: `SMSAPI already had idx ${sms.idempotencyKey} (error 53): sent by an earlier attempt, its SMSAPI id is unknown`,
        };
      }
      throw errorFor(body.error, body.message ?? '', retryAfterMs(res.headers));
    }
    const failure = res.status === 429 ? rateLimited(res) : statusFailure(NAME, res.status);
    if (failure) throw failure;
    const item = body?.list?.[0];
    if (!item?.id)
      throw new ProviderFailure(
        'unknown',
        'server',
        'BAD_ANSWER',
        `SMSAPI answered without a message id (${unexpectedAnswer(res)})`,
      );
    if (item.error != null)
      throw new ProviderFailure(
        'permanent',
        'number',
        String(item.error),
        `SMSAPI refused the recipient (error ${String(item.error)})`,
      );
    const cost = item.points === undefined ? undefined : Number(item.points);
    return { providerMessageId: String(item.id), cost: Number.isFinite(cost) ? cost : undefined };
  },

  async verify(mb, http): Promise<VerifyResult> {
    const a = auth(mb);
    try {
      // An OAuth token: REST GET /profile; login + MD5: legacy user.do?credits (both DOCUMENTED, spend nothing).
      const oauth = !a.fields.username;
      const res = oauth
        ? await httpCall({ provider: NAME, method: 'GET', url: base(mb) + SPEC.profilePath, headers: a.headers }, http)
        : await httpCall(
            {
              provider: NAME,
              method: 'POST',
              url: base(mb) + SPEC.userPath,
              form: { ...a.fields, credits: 1, details: 1, format: 'json' },
            },
            http,
          );
      const f = legacyError(res);
      if (f)
        return {
          checks: [
            { name: 'Connection', ok: true, detail: `reached ${new URL(base(mb)).host}` },
            { name: 'Credentials', ok: false, detail: f.reason },
          ],
        };
      const points = Number(res.json<{ points?: number | string }>()?.points);
      return {
        checks: [
          { name: 'Connection', ok: true, detail: `reached ${new URL(base(mb)).host}` },
          {
            name: 'Credentials',
            ok: true,
            detail: oauth
              ? 'the OAuth token was accepted (GET /profile)'
              : 'login and MD5 password were accepted (user.do)',
          },
          ...(Number.isFinite(points) ? [{ name: 'Balance', ok: true, detail: `${points} points` }] : []),
        ],
        balance: Number.isFinite(points) ? points : undefined,
      };
    } catch (e) {
      if (e instanceof ProviderFailure) return { checks: [{ name: 'Connection', ok: false, detail: e.reason }] };
      throw e;
    }
  },

  deliveryReports: 'callback',
  maxReportsPerRequest: SPEC.dlrBatch,

  parseDeliveryReports(req: DlrRequest): DeliveryReport[] {
    const src = {
      ...(req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {}),
      ...req.query,
    };
    const list = (name: string) =>
      typeof src[name] === 'string'
        ? (src[name] as string).split(',')
        : Array.isArray(src[name])
          ? (src[name] as string[]).flatMap((v) => String(v).split(','))
          : [];
    const ids = list(SPEC.dlr.id);
    const statuses = list(SPEC.dlr.status);
    const dates = list(SPEC.dlr.doneDate);
    const idxs = list(SPEC.dlrIdx);
    const names = list(SPEC.dlr.statusName);
    return ids.map((id, i) => {
      const code = Number(statuses[i]);
      const known = Object.hasOwn(SPEC.dlrStatus, code);
      const at = Number(dates[i]);
      return {
        providerMessageId: id.trim() || undefined,
        idempotencyKey: idxs[i]?.trim() || undefined,
        status: known ? SPEC.dlrStatus[code] : null,
        // An unknown code keeps the name the report gives it, for the log and errorCode.
        providerStatus: known
          ? `${code} ${SPEC.dlrStatusName[code]}`
          : [statuses[i], names[i]?.trim()].filter(Boolean).join(' ').slice(0, 50),
        optedOut: code === SPEC.dlrOptOut || undefined,
        // Unix seconds; anything outside them (a forged or broken value) is no time.
        at: Number.isFinite(at) && at > 0 && at < 1e11 ? new Date(at * 1000) : undefined,
        reason:
          known && SPEC.dlrStatus[code] && SPEC.dlrStatus[code] !== 'DELIVERED' && SPEC.dlrStatus[code] !== 'SENT'
            ? code === SPEC.dlrOptOut
              ? `SMSAPI reported STOP (${code}): the recipient opted out of messages from this sender`
              : `SMSAPI reported ${SPEC.dlrStatusName[code]} (${code})`
            : undefined,
      };
    });
  },

  deliveryReportReply: () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: SPEC.dlrReply }),
};
