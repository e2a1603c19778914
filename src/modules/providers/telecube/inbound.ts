import {
  field,
  unixTime,
  warsawDateTime,
  type InboundAdapter,
  type ParseResult,
  type WebhookRequest,
} from '../adapter-inbound';

/**
 * TeleCube inbound, in one place (spec: shared/providers/telecube.md). Inbound SMS exist (DOCUMENTED),
 * but how TeleCube delivers them is not known at all. These names are the spec's PLACEHOLDER proposal
 * (a form POST with sender, our dedicated number, text, time and an id, answered with 200) and nothing
 * more: replace them when TeleCube documents a callback.
 */
export const TELECUBE_INBOUND = {
  from: 'from',
  to: 'to',
  text: 'text',
  date: 'date',
  id: 'id',
  acceptedBody: 'OK',
  refused: { status: 403, body: 'ERROR' },
} as const;

function parse(req: WebhookRequest): ParseResult {
  const n = TELECUBE_INBOUND;
  const f = req.fields;
  const from = field(f, n.from);
  const to = field(f, n.to);
  const text = f[n.text];
  const missing = [!from && n.from, !to && n.to, text === undefined && n.text].filter(Boolean);
  if (missing.length) return { ok: false, reason: `missing ${missing.join(', ')}` };
  return {
    ok: true,
    messages: [
      {
        kind: 'SMS',
        from: from!,
        to: to!,
        text: text!,
        providerMessageId: field(f, n.id),
        providerTimestamp: unixTime(f[n.date]) ?? warsawDateTime(f[n.date]),
      },
    ],
  };
}

/** Inbound half of the TeleCube adapter (PLACEHOLDER callback; see above). */
export const inbound: InboundAdapter = {
  webhook: {
    parse,
    accepted: () => ({ status: 200, body: TELECUBE_INBOUND.acceptedBody, contentType: 'text/plain' }),
    refused: { ...TELECUBE_INBOUND.refused, contentType: 'text/plain' },
  },
};
