import { type InboundAdapter, type ParseResult, type WebhookRequest } from '../adapter-inbound';

/**
 * Peoplefone "SMS MT callback", in one place (spec: shared/providers/peoplefone.md). That the callback
 * exists is DOCUMENTED; method, content type and field names are NOT: the names below are the spec's
 * PLACEHOLDER example (JSON `from`, `to`, `text`, `receivedAt`) plus an id under a few plausible names.
 * Replace them once Peoplefone's YAML is available. Peoplefone is reported to delete a webhook
 * subscription that ever answers non-200 (INFERRED, Call Management API), so a refusal is a 200 too.
 */
export const PEOPLEFONE_INBOUND = {
  from: ['from', 'sender'],
  to: ['to', 'recipient'],
  text: ['text', 'message', 'body'],
  id: ['messageId', 'id'],
  date: ['receivedAt', 'timestamp', 'date'],
  accepted: { status: 200, body: '{"status":"ok"}', contentType: 'application/json' },
  refused: { status: 200, body: '{"status":"refused"}', contentType: 'application/json' },
} as const;

function pick(obj: Record<string, unknown>, names: readonly string[]): string | undefined {
  for (const n of names) {
    const v = obj[n];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

function parse(req: WebhookRequest): ParseResult {
  // JSON is the likely format; a form or query string with the same names is read too.
  const src: Record<string, unknown> =
    req.body && typeof req.body === 'object' && !Array.isArray(req.body)
      ? { ...req.fields, ...(req.body as Record<string, unknown>) }
      : req.fields;
  const P = PEOPLEFONE_INBOUND;
  const from = pick(src, P.from);
  const to = pick(src, P.to);
  const text = pick(src, P.text) ?? (typeof src[P.text[0]] === 'string' ? '' : undefined);
  const missing = [!from && P.from[0], !to && P.to[0], text === undefined && P.text[0]].filter(Boolean);
  if (missing.length) return { ok: false, reason: `missing ${missing.join(', ')}` };
  const dateText = pick(src, P.date);
  const date = dateText
    ? new Date(/^\d+$/.test(dateText) ? Number(dateText) * (dateText.length <= 10 ? 1000 : 1) : dateText)
    : undefined;
  return {
    ok: true,
    messages: [
      {
        kind: 'SMS',
        from: from!,
        to: to!,
        text: text!,
        providerMessageId: pick(src, P.id),
        providerTimestamp: date && !Number.isNaN(date.getTime()) ? date : undefined,
      },
    ],
  };
}

/** Inbound half of the Peoplefone adapter (placeholder field names, see above). */
export const inbound: InboundAdapter = {
  webhook: {
    parse,
    accepted: () => ({ ...PEOPLEFONE_INBOUND.accepted }),
    refused: { ...PEOPLEFONE_INBOUND.refused },
  },
};
