import type { Mailbox } from '../adapter';
import { ProviderFailure, type OutboundAdapter, type VerifyResult } from '../adapter-outbound';
import {
  digitsOnly,
  gsmSenderProblem,
  httpCall,
  md5Hex,
  statusFailure,
  unexpectedAnswer,
  type HttpOptions,
} from '../outbound-http';

/**
 * Outbound half of the Mobitex adapter (spec: shared/providers/mobitex.md). The send call and its
 * parameters are DOCUMENTED; the one-line answer, balance.php and the status codes are INFERRED from
 * a third-party client, so they sit in SPEC below. No delivery-report mechanism is known.
 */
export const SPEC = {
  send: '/sms.php',
  balance: '/balance.php',
  // DOCUMENTED types; Polish letters need unicode / unicode_concat.
  type: { GSM7: { single: 'sms', long: 'concat' }, UCS2: { single: 'unicode', long: 'unicode_concat' } },
  // DOCUMENTED: concat up to 459 (3 × 153), unicode_concat up to 201 (3 × 67).
  maxParts: 3,
  // INFERRED answer line: "Status: 002, Id: <32 hex>, Number: <digits>"; 002 = accepted.
  answer: /Status:\s*(\d{3})(?:,\s*Id:\s*([0-9a-f]*))?/i,
  accepted: '002',
  // INFERRED balance answer: "OK <amount>" or "ERROR <code>".
  balanceOk: /^OK\s+(-?[0-9]+(?:\.[0-9]+)?)/,
  balanceError: /^ERROR\s+(\d+)/,
} as const;

const NAME = 'Mobitex';

/** INFERRED code table (mobitex.md, Status / error codes). */
export function errorFor(code: string): ProviderFailure {
  const n = Number(code);
  const c = code;
  if (n === 1) return new ProviderFailure('permanent', 'auth', c, `wrong Mobitex login or password (status ${c})`);
  if (n === 104 || n === 114)
    return new ProviderFailure(
      'permanent',
      'sender',
      c,
      `Mobitex refused the sender name: it is missing or not approved for the account (status ${c})`,
    );
  if (n === 103 || n === 105 || n === 113)
    return new ProviderFailure('permanent', 'text', c, `Mobitex refused the text: missing or too long (status ${c})`);
  if (n === 106 || n === 205)
    return new ProviderFailure(
      'permanent',
      'number',
      c,
      `Mobitex refused the number: invalid or its network is blocked (status ${c})`,
    );
  if (n === 202)
    return new ProviderFailure('permanent', 'funds', c, `not enough funds on the Mobitex account (status 202)`);
  if (n === 204) return new ProviderFailure('permanent', 'auth', c, `the Mobitex account is inactive (status 204)`);
  if (n === 206)
    return new ProviderFailure(
      'permanent',
      'ip',
      c,
      `this server's IP address is not authorised on the Mobitex account (status 206)`,
    );
  if (n === 201)
    return new ProviderFailure('retryable', 'server', c, `Mobitex had a system error (status 201); will retry`);
  return new ProviderFailure('permanent', 'other', c, `Mobitex refused the message (status ${c})`);
}

function url(mb: Mailbox, path: string): string {
  if (!mb.baseUrl)
    throw new ProviderFailure('permanent', 'config', 'NO_URL', 'the Mobitex mailbox has no API base URL');
  return mb.baseUrl + path;
}

export const outbound: OutboundAdapter = {
  sending: { supported: true },
  // ext_id is seen only in one third-party URL, meaning unconfirmed: no idempotency is relied on.
  idempotency: 'none',
  maxParts: SPEC.maxParts,
  maxPartsSource: 'Mobitex concat takes up to 459 GSM-7 / 201 Unicode characters, 3 parts (DOCUMENTED)',
  // The sender must be authorised on the account (104/114 otherwise); 11 characters is the GSM norm (assumption).
  senderProblem: (s) => gsmSenderProblem(NAME, s, { required: true }),

  async send(mb: Mailbox, sms, http: HttpOptions) {
    const t = SPEC.type[sms.encoding];
    const res = await httpCall(
      {
        provider: NAME,
        method: 'POST',
        url: url(mb, SPEC.send),
        form: {
          user: mb.login,
          pass: md5Hex(mb.password ?? ''),
          type: sms.parts > 1 ? t.long : t.single,
          number: digitsOnly(sms.to),
          text: sms.text,
          from: mb.senderName,
        },
      },
      http,
    );
    const f = statusFailure(NAME, res.status);
    if (f) throw f;
    const m = SPEC.answer.exec(res.text);
    if (!m)
      throw new ProviderFailure(
        'unknown',
        'server',
        'BAD_ANSWER',
        `Mobitex answered something that is not its status line (${unexpectedAnswer(res)})`,
      );
    if (m[1] !== SPEC.accepted) throw errorFor(m[1]);
    return { providerMessageId: m[2] || undefined };
  },

  async verify(mb, http): Promise<VerifyResult> {
    const host = mb.baseUrl ? new URL(mb.baseUrl).host : '?';
    try {
      const res = await httpCall(
        {
          provider: NAME,
          method: 'GET',
          url: url(mb, SPEC.balance),
          query: { user: mb.login, pass: md5Hex(mb.password ?? '') },
        },
        http,
      );
      const f = statusFailure(NAME, res.status);
      if (f)
        return {
          checks: [
            { name: 'Connection', ok: true, detail: `reached ${host}` },
            { name: 'Credentials', ok: false, detail: f.reason },
          ],
        };
      const ok = SPEC.balanceOk.exec(res.text.trim());
      if (ok) {
        const balance = Number(ok[1]);
        return {
          checks: [
            { name: 'Connection', ok: true, detail: `reached ${host}` },
            { name: 'Credentials', ok: true, detail: 'login and MD5 password were accepted (balance.php)' },
            // Postpaid accounts may show 0 or less (DOCUMENTED), so a low balance is a note, not a failure.
            {
              name: 'Balance',
              ok: true,
              detail:
                balance > 0
                  ? `${balance} PLN`
                  : `${balance} PLN (a prepaid account cannot send without a positive balance)`,
            },
          ],
          balance,
        };
      }
      const err = SPEC.balanceError.exec(res.text.trim());
      return {
        checks: [
          { name: 'Connection', ok: true, detail: `reached ${host}` },
          {
            name: 'Credentials',
            ok: false,
            detail: err ? errorFor(err[1]).reason : `unexpected answer (${unexpectedAnswer(res)})`,
          },
        ],
      };
    } catch (e) {
      if (e instanceof ProviderFailure) return { checks: [{ name: 'Connection', ok: false, detail: e.reason }] };
      throw e;
    }
  },

  // Delivery states exist in the code table, but no callback or query was found (mobitex.md): unknown.
  deliveryReports: 'none',
};
