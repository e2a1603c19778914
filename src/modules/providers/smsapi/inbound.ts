import {
  field,
  splitMmsParts,
  unixTime,
  type InboundAdapter,
  type InboundSms,
  type ParseResult,
  type WebhookRequest,
} from '../adapter-inbound';

/**
 * SMSAPI callback field names and answers, in one place (spec: shared/providers/smsapi.md).
 * - SMS callback (POST form: sms_to, sms_from, sms_text, sms_date, username, MsgId): INFERRED from a
 *   third-party emulation script; the official section "10. Odbiory Wiadomości" was not readable.
 * - MMS callback (multipart: mms_from, mms_to, mms_date, mms_subject + file parts): UNVERIFIED, recalled
 *   from older docs. No message id is known for MMS, so MMS fall back to the hash window.
 * - What `MsgId` names: UNVERIFIED either way. Our older reading is the incoming message's id; two
 *   independent integrations (`bogdal/django-sms` sms/gateway/smsapi, a Laminas SmsCallbackController) read it
 *   as the id of our outgoing message being answered, which every reply to it carries. So `MsgId` is no
 *   unique key (`identity`): a retry (same `MsgId`, sender, text and date as sent) is one message, another
 *   text or date is another one; and a reply whose `MsgId` is one of our outgoing messages on the mailbox
 *   joins that message's ticket.
 * - The `OK` answer: UNVERIFIED. SMSAPI documents no "permanent refusal" answer; a 4xx with a short body is
 *   our choice (no source).
 */
export const SMSAPI_INBOUND = {
  sms: { from: 'sms_from', to: 'sms_to', text: 'sms_text', date: 'sms_date', id: 'MsgId', account: 'username' },
  mms: { from: 'mms_from', to: 'mms_to', date: 'mms_date', subject: 'mms_subject', id: 'MsgId', text: 'mms_text' },
  acceptedBody: 'OK',
  refused: { status: 403, body: 'ERROR' },
} as const;

/**
 * How a callback is recognised and threaded from its `MsgId` and its date exactly as sent (see the SPEC
 * note on `MsgId`); nothing when it carries no `MsgId`, so it is recognised by sender, text and date alone.
 */
function identity(id: string | undefined, date: string | undefined): Partial<InboundSms> {
  if (!id) return {};
  return { providerMessageId: id, providerIdShared: true, dedupeMaterial: date ?? '', repliesTo: id };
}

function parseSms(req: WebhookRequest): ParseResult {
  const f = req.fields;
  const n = SMSAPI_INBOUND.sms;
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
        providerTimestamp: unixTime(f[n.date]),
        ...identity(field(f, n.id), f[n.date]),
      },
    ],
  };
}

function parseMms(req: WebhookRequest): ParseResult {
  const f = req.fields;
  const n = SMSAPI_INBOUND.mms;
  const from = field(f, n.from);
  const to = field(f, n.to);
  const missing = [!from && n.from, !to && n.to].filter(Boolean);
  if (missing.length) return { ok: false, reason: `missing ${missing.join(', ')}` };
  const { text, attachments } = splitMmsParts(req.files);
  return {
    ok: true,
    messages: [
      {
        kind: 'MMS',
        from: from!,
        to: to!,
        text: [field(f, n.text), text].filter(Boolean).join('\n'),
        subject: field(f, n.subject),
        providerTimestamp: unixTime(f[n.date]),
        ...identity(field(f, n.id), f[n.date]),
        attachments,
      },
    ],
  };
}

/** Inbound half of the SMSAPI adapter: SMS and MMS callbacks (push only; no inbound polling API is described). */
export const inbound: InboundAdapter = {
  webhook: {
    parse: (req) => (req.variant === 'mms' ? parseMms(req) : parseSms(req)),
    accepted: () => ({ status: 200, body: SMSAPI_INBOUND.acceptedBody, contentType: 'text/plain' }),
    refused: { ...SMSAPI_INBOUND.refused, contentType: 'text/plain' },
  },
};
