import crypto from 'node:crypto';
import { field, warsawDateTime, type InboundAdapter, type ParseResult, type WebhookRequest } from '../adapter-inbound';

/**
 * Dotpay "Premium TC" (SMS content forwarded to a URL), in one place (spec: shared/providers/dotpay.md).
 * Everything is INFERRED from one 2011 third-party bundle: a form POST with these fields, an `md5`
 * signature over (merchant id, PIN, ident, service, number, sender, code, date, fulltext) concatenated
 * without separators, and the answers `OK` / `FAIL` with HTTP 200. Which of `text` (after the service
 * prefix) and `fulltext` an agent should read is a guess: we keep `fulltext`, what the subscriber typed.
 */
export const DOTPAY_INBOUND = {
  fields: {
    fulltext: 'fulltext',
    text: 'text',
    id: 'ident',
    service: 'service',
    to: 'number',
    from: 'sender',
    code: 'code',
    date: 'date',
    signature: 'md5',
  },
  signatureOrder: ['ident', 'service', 'number', 'sender', 'code', 'date', 'fulltext'],
  acceptedBody: 'OK',
  refused: { status: 200, body: 'FAIL' },
} as const;

const F = DOTPAY_INBOUND.fields;

function parse(req: WebhookRequest): ParseResult {
  const f = req.fields;
  const from = field(f, F.from);
  const to = field(f, F.to);
  const text = f[F.fulltext] ?? f[F.text];
  const missing = [!from && F.from, !to && F.to, text === undefined && F.fulltext].filter(Boolean);
  if (missing.length) return { ok: false, reason: `missing ${missing.join(', ')}` };
  return {
    ok: true,
    messages: [
      {
        kind: 'SMS',
        from: from!,
        to: to!,
        text: text!,
        providerMessageId: field(f, F.id),
        providerTimestamp: warsawDateTime(f[F.date]),
      },
    ],
  };
}

/** The md5 Dotpay is INFERRED to send: merchant id (mailbox login), PIN (mailbox password, may be empty), then the fields. */
export function dotpaySignature(fields: Record<string, string>, merchantId: string, pin: string): string {
  const text = [merchantId, pin, ...DOTPAY_INBOUND.signatureOrder.map((n) => fields[n] ?? '')].join('');
  return crypto.createHash('md5').update(text, 'utf8').digest('hex');
}

/** Inbound half of the Dotpay adapter: forwarded Premium SMS, checked by their md5 signature. */
export const inbound: InboundAdapter = {
  webhook: {
    parse,
    verify(req, mailbox) {
      const given = (req.fields[F.signature] ?? '').toLowerCase();
      if (!given) return 'the md5 signature is missing';
      const expected = dotpaySignature(req.fields, mailbox.login ?? '', mailbox.password ?? '');
      const ok = given.length === expected.length && crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
      return ok ? null : 'the md5 signature does not match the account ID and PIN of the mailbox';
    },
    accepted: () => ({ status: 200, body: DOTPAY_INBOUND.acceptedBody, contentType: 'text/plain' }),
    refused: { ...DOTPAY_INBOUND.refused, contentType: 'text/plain' },
    secretFields: [F.signature],
  },
};
