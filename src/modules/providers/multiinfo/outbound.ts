import { X509Certificate } from 'node:crypto';
import type { Mailbox } from '../adapter';
import {
  ProviderFailure,
  type DeliveryReport,
  type OutboundAdapter,
  type ReportStatus,
  type VerifyCheck,
  type VerifyResult,
} from '../adapter-outbound';
import {
  digitsOnly,
  gsmSenderProblem,
  httpCall,
  providerSaid,
  statusFailure,
  type HttpOptions,
} from '../outbound-http';

/**
 * Outbound half of the Plus MultiInfo adapter (spec: shared/providers/multiinfo.md). No official
 * document was readable: everything is INFERRED from consistent third-party clients, so the script
 * names, line layouts and codes sit in SPEC below. Mutual TLS with the mailbox's PEM certificate and
 * key; plain-text line answers (line 1: 0 or a negative code). Both path styles work: the API 6.1
 * scripts under /Api61/ (the default base URL) and the legacy ones at the host root (an apiBaseUrl
 * without /Api61); the style only changes the infosms line layout.
 */
export const SPEC = {
  sendShort: '/sendsms.aspx',
  sendLong: '/sendsmslong.aspx',
  info: '/infosms.aspx',
  // INFERRED [S1][S5]: sendsmslong takes up to 1377 characters = 9 GSM-7 parts of 153.
  maxParts: 9,
  // INFERRED [S6]: infosms?smsId=0 answers -31 (no such id) once TLS, certificate and login passed.
  verifyUnknownIdCode: -31,
  // infosms line indexes after the "0" line: 14 status; API 6.1 adds 15 substatus (INFERRED [S1][S6]).
  infoStatusLine: 14,
  infoSubstatusLine: 15,
  // INFERRED status codes [S5][S6]; > 10 are final.
  status: { pending: [0, 1, 3, 7], delivered: 21, failed: 11, expired: 12, cancelled: 13, blacklisted: [14, 20, 22] },
  // 11 = failed, by substatus (API 6.1): 1 expired, 2 not delivered, others failures (INFERRED [S6]).
  failedSubstatus: { 1: 'EXPIRED', 2: 'UNDELIVERED' } as Record<number, ReportStatus>,
  // 21 = sent; substatus 0 = no delivery report was requested/received, so delivery is unknown (INFERRED [S6]).
  sentWithoutReportSubstatus: 0,
  retryableCodes: [-10, -15],
  // Ours, not the spec's (which does not know the server's TLS versions): under TLS 1.3 a server
  // checks the client certificate only after our request is out, so a rejected certificate would look
  // like a lost answer (an unknown outcome); TLS 1.2 rejects it in the handshake, before any request.
  tlsMaxVersion: 'TLSv1.2',
} as const;

const NAME = 'MultiInfo';
const CERT_BLOCKS = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const KEY_BLOCK = /-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END \1?PRIVATE KEY-----/;

/** INFERRED codes (multiinfo.md, Error codes; not an official list). */
export function errorFor(code: number, text: string): ProviderFailure {
  const c = String(code);
  const said = text ? ` ("${providerSaid(text)}")` : '';
  if (code === -1)
    return new ProviderFailure('permanent', 'auth', c, `wrong MultiInfo API login or password (${code})${said}`);
  if (code === -14)
    return new ProviderFailure(
      'permanent',
      'sender',
      c,
      `MultiInfo refused a parameter (${code}); usually the sender name is not activated by Polkomtel or not assigned to this API user${said}`,
    );
  if (code === -23 || code === -24)
    return new ProviderFailure(
      'permanent',
      'config',
      c,
      `MultiInfo does not know or has not activated this Service ID (${code})${said}`,
    );
  if (code <= -80 && code >= -86) {
    const why =
      code === -80
        ? 'no client certificate reached the API'
        : code === -85
          ? "the certificate's CN differs from the API login"
          : code === -84
            ? 'the certificate fingerprint is not confirmed in the MultiInfo panel'
            : 'the client certificate is not accepted';
    return new ProviderFailure('permanent', 'certificate', c, `MultiInfo: ${why} (${code})${said}`);
  }
  if ((SPEC.retryableCodes as readonly number[]).includes(code))
    return new ProviderFailure('retryable', 'server', c, `MultiInfo is busy (${code}); will retry`);
  return new ProviderFailure('permanent', 'other', c, `MultiInfo refused the request (${code})${said}`);
}

/** The client certificate chain and key of the mailbox, for mutual TLS. */
export function clientCert(mb: Mailbox): { cert: string; key: string } {
  const pem = mb.certificatePem ?? '';
  const certs = pem.match(CERT_BLOCKS);
  const key = KEY_BLOCK.exec(pem)?.[0];
  if (!certs || !key)
    throw new ProviderFailure(
      'permanent',
      'certificate',
      'NO_CERT',
      'the MultiInfo mailbox has no client certificate with its private key',
    );
  // Leaf plus intermediates: the server trusts only the root, so the chain must go along (INFERRED [S6]).
  return { cert: certs.join('\n'), key };
}

/** Plain-text answer: line 1 the code, then data lines; \n or \r\n. */
export function parseLines(text: string): { code: number; lines: string[] } {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  const code = Number(lines[0]?.trim());
  if (!Number.isInteger(code))
    throw new ProviderFailure(
      'unknown',
      'server',
      'BAD_ANSWER',
      `MultiInfo answered something that is not its line format (${Buffer.byteLength(text)} bytes)`,
    );
  return { code, lines: lines.slice(1) };
}

async function call(mb: Mailbox, path: string, fields: Record<string, string | number | undefined>, http: HttpOptions) {
  if (!mb.baseUrl)
    throw new ProviderFailure(
      'permanent',
      'config',
      'NO_URL',
      'the MultiInfo mailbox has neither an API host nor an API base URL',
    );
  const res = await httpCall(
    {
      provider: NAME,
      method: 'POST',
      url: mb.baseUrl + path,
      form: { login: mb.login, password: mb.password, ...fields },
      clientCert: clientCert(mb),
      tlsMaxVersion: SPEC.tlsMaxVersion,
    },
    http,
  );
  const f = statusFailure(NAME, res.status);
  if (f) throw f;
  return parseLines(res.text);
}

function isApi61(mb: Mailbox): boolean {
  return /\/api61$/i.test(new URL(mb.baseUrl ?? 'https://x').pathname.replace(/\/+$/, ''));
}

/** One part's state from its infosms lines. */
function partState(mb: Mailbox, lines: string[]): { status: ReportStatus | null; final: boolean; text: string } {
  const status = Number(lines[SPEC.infoStatusLine]);
  const sub = isApi61(mb) ? Number(lines[SPEC.infoSubstatusLine]) : NaN;
  const text = Number.isNaN(sub) ? `status ${status}` : `status ${status}/${sub}`;
  if (status === SPEC.status.delivered) {
    // Without a substatus (legacy) or with a report substatus, 21 means delivered.
    if (sub === SPEC.sentWithoutReportSubstatus) return { status: 'SENT', final: true, text };
    return { status: 'DELIVERED', final: true, text };
  }
  if (status === SPEC.status.failed) return { status: SPEC.failedSubstatus[sub] ?? 'FAILED', final: true, text };
  if (status === SPEC.status.expired) return { status: 'EXPIRED', final: true, text };
  if (status === SPEC.status.cancelled || (SPEC.status.blacklisted as readonly number[]).includes(status))
    return { status: 'FAILED', final: true, text };
  return { status: null, final: status > 10, text };
}

const RANK: Record<string, number> = { FAILED: 5, UNDELIVERED: 4, EXPIRED: 3, SENT: 1, DELIVERED: 0 };

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  // No client message id exists (multiinfo.md): an attempt with an unknown outcome is not repeated.
  idempotency: 'none',
  maxParts: SPEC.maxParts,
  maxPartsSource: 'MultiInfo sendsmslong takes up to 1377 characters, 9 parts (INFERRED)',
  // Up to 11 characters, activated by Polkomtel for the API user (INFERRED).
  senderProblem: (s) => gsmSenderProblem(NAME, s),

  async send(mb, sms, http) {
    const { code, lines } = await call(
      mb,
      sms.parts > 1 ? SPEC.sendLong : SPEC.sendShort,
      {
        serviceId: mb.serviceId,
        dest: digitsOnly(sms.to),
        text: sms.text,
        orig: mb.senderName,
        delivNotifRequest: 'true',
        advancedEncoding: sms.encoding === 'UCS2' ? 'true' : undefined,
      },
      http,
    );
    if (code < 0) throw errorFor(code, lines[0] ?? '');
    // One id per part (sendsmslong); all are kept so that each part's report can be polled.
    const ids = lines.map((l) => l.trim()).filter(Boolean);
    if (!ids.length)
      throw new ProviderFailure('unknown', 'server', 'BAD_ANSWER', 'MultiInfo answered 0 without a message id');
    return { providerMessageId: ids.join(',') };
  },

  async verify(mb, http): Promise<VerifyResult> {
    const checks: VerifyCheck[] = [];
    try {
      const { cert } = clientCert(mb);
      const leaf = new X509Certificate(cert.match(CERT_BLOCKS)![0]);
      const expires = new Date(leaf.validTo);
      const cn = /CN=([^\n,]+)/.exec(leaf.subject)?.[1];
      if (expires.getTime() < Date.now()) {
        checks.push({
          name: 'Certificate',
          ok: false,
          detail: `the client certificate expired on ${expires.toISOString().slice(0, 10)}; ask Polkomtel for a new one`,
        });
      } else {
        const days = Math.floor((expires.getTime() - Date.now()) / 86_400_000);
        checks.push({
          name: 'Certificate',
          ok: true,
          detail: `valid until ${expires.toISOString().slice(0, 10)} (${days} days)${cn && cn !== mb.login ? `; its CN "${cn}" differs from the login, MultiInfo will answer -85` : ''}`,
        });
      }
    } catch (e) {
      checks.push({
        name: 'Certificate',
        ok: false,
        detail: e instanceof ProviderFailure ? e.reason : 'the client certificate cannot be read',
      });
      return { checks };
    }
    try {
      const { code, lines } = await call(mb, SPEC.info, { smsId: 0 }, http);
      checks.push({
        name: 'TLS handshake',
        ok: true,
        detail: `mutual TLS with ${new URL(mb.baseUrl!).host} succeeded`,
      });
      if (code === SPEC.verifyUnknownIdCode)
        checks.push({
          name: 'Credentials',
          ok: true,
          detail:
            'certificate mapping, login and password were accepted (infosms answered -31 for a message id that cannot exist)',
        });
      else
        checks.push({
          name: 'Credentials',
          ok: false,
          detail: code < 0 ? errorFor(code, lines[0] ?? '').reason : `unexpected answer ${code} to infosms?smsId=0`,
        });
    } catch (e) {
      if (!(e instanceof ProviderFailure)) throw e;
      checks.push({ name: 'TLS handshake', ok: false, detail: e.reason });
    }
    return { checks };
  },

  deliveryReports: 'poll',

  async pollDeliveryReport(mb, providerMessageId, http): Promise<DeliveryReport> {
    const states = [];
    for (const id of providerMessageId.split(',')) {
      const { code, lines } = await call(mb, SPEC.info, { smsId: id }, http);
      if (code < 0) throw errorFor(code, lines[0] ?? '');
      states.push(partState(mb, lines));
    }
    // A message is as good as its worst part; it is final only when every part is.
    const final = states.every((s) => s.final);
    const decided = states.filter((s) => s.status);
    let status: ReportStatus | null = null;
    if (final && decided.length === states.length)
      status = decided.sort((a, b) => RANK[b.status!] - RANK[a.status!])[0].status;
    else if (decided.some((s) => s.status !== 'DELIVERED' && s.status !== 'SENT'))
      status = decided.sort((a, b) => RANK[b.status!] - RANK[a.status!])[0].status;
    return {
      providerMessageId,
      status,
      providerStatus: states.map((s) => s.text).join('; '),
      reason:
        status && status !== 'DELIVERED' && status !== 'SENT'
          ? `MultiInfo reported ${states.map((s) => s.text).join('; ')}`
          : undefined,
      final,
    };
  },
};
