import {
  unixTime,
  warsawDateTime,
  type InboundAdapter,
  type ParseResult,
  type WebhookRequest,
} from '../adapter-inbound';
import type { Mailbox } from '../adapter';

/**
 * Generic HTTP inbound: the admin maps request fields to sender, recipient, text, id and time
 * (GenericHttpInput.inbound*Field). A mapped name may be a dot path into a JSON body ("message.from").
 * Defaults here match the GraphQL input's defaults.
 */
export const GENERIC_INBOUND_DEFAULTS = { from: 'from', to: 'to', text: 'text', reply: 'OK' } as const;

/** The value at a field name or dot path, in the flat fields first, then in the JSON body. */
export function lookup(req: WebhookRequest, path: string): string | undefined {
  if (req.fields[path] !== undefined) return req.fields[path];
  let cur: unknown = req.body;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return undefined;
}

function parse(req: WebhookRequest, mailbox?: Mailbox): ParseResult {
  const g = mailbox?.genericHttp;
  if (!g) return { ok: false, reason: 'the mailbox has no generic HTTP settings' };
  const names = {
    from: g.inboundFromField || GENERIC_INBOUND_DEFAULTS.from,
    to: g.inboundToField || GENERIC_INBOUND_DEFAULTS.to,
    text: g.inboundTextField || GENERIC_INBOUND_DEFAULTS.text,
  };
  const from = lookup(req, names.from);
  const to = lookup(req, names.to);
  const text = lookup(req, names.text);
  const missing = [!from && names.from, !to && names.to, text === undefined && names.text].filter(Boolean);
  if (missing.length)
    return { ok: false, reason: `missing ${missing.join(', ')} (as mapped in the mailbox's generic HTTP settings)` };
  const time = g.inboundTimestampField ? lookup(req, g.inboundTimestampField) : undefined;
  let providerTimestamp = unixTime(time) ?? warsawDateTime(time);
  if (!providerTimestamp && time) {
    const d = new Date(time);
    if (!Number.isNaN(d.getTime())) providerTimestamp = d;
  }
  return {
    ok: true,
    messages: [
      {
        kind: 'SMS',
        from: from!,
        to: to!,
        text: text!,
        providerMessageId: g.inboundIdField ? lookup(req, g.inboundIdField) : undefined,
        providerTimestamp,
      },
    ],
  };
}

/** Inbound half of the generic HTTP adapter (also Tide and 3S): the admin's field mapping. */
export const inbound: InboundAdapter = {
  webhook: {
    perMailbox: true,
    parse,
    accepted: (mailbox) => ({
      status: 200,
      body: mailbox?.genericHttp?.inboundReplyBody ?? GENERIC_INBOUND_DEFAULTS.reply,
      contentType: 'text/plain',
    }),
    refused: { status: 403, body: 'ERROR', contentType: 'text/plain' },
  },
};
